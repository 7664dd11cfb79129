import { notFound } from "@salus/core";
import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import { type AppointmentView, loadAppointment } from "./appointment-view.ts";

export async function listSeriesOccurrences(
  trx: Trx,
  actor: Actor,
  seriesId: string,
): Promise<AppointmentView[]> {
  const rows = await trx
    .selectFrom("appointments")
    .select("id")
    .where("organization_id", "=", actor.organizationId)
    .where("series_id", "=", seriesId)
    .orderBy("series_index")
    .execute();
  if (!rows.length) throw notFound("appointment series");
  return Promise.all(rows.map((r) => loadAppointment(trx, actor, r.id)));
}
