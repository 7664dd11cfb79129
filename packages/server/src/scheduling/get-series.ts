import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { AppointmentView } from "./appointment-view.ts";
import { listSeriesOccurrences } from "./list-series-occurrences.ts";

/** Every occurrence of a series, cancelled ones included (audited: a patient's visits). */
export async function getSeries(
  services: Services,
  actor: Actor,
  seriesId: string,
): Promise<AppointmentView[]> {
  return audited(
    services,
    actor,
    {
      action: "appointment.series.read",
      resourceType: "AppointmentSeries",
      resourceId: seriesId,
      fromResult: (items: AppointmentView[]) => ({ patientId: items[0]?.patientId ?? null }),
    },
    (trx) => listSeriesOccurrences(trx, actor, seriesId),
  );
}
