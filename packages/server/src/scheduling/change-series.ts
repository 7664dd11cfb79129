import { DomainError, type ErrorDetail } from "@salus/core";
import { nextStatus } from "@salus/core/scheduling/appointment-status";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { AppointmentView } from "./appointment-view.ts";
import { RacedBooking } from "./appointment-writes.ts";
import { seriesZone } from "./book-series.ts";
import { RacedPatientBooking } from "./booking-refusals.ts";
import { cancelAppointmentIn } from "./cancel-appointment.ts";
import { listSeriesOccurrences } from "./list-series-occurrences.ts";
import { rescheduleIn } from "./reschedule-appointment.ts";

export interface SeriesChange {
  /** The occurrence the change starts from. */
  fromAppointmentId: string;
  scope: "one" | "following" | "all";
  action: "cancel" | "move";
  reason?: string | undefined;
  /** For "move": the new local time of day (each occurrence keeps its date), or a shift in minutes. */
  newLocalTime?: string | undefined;
  practitionerId?: string | undefined;
}

/**
 * Cancels or moves one occurrence, this and the following ones, or all (future) occurrences. Moving is
 * all or nothing: if any affected occurrence cannot take the new time, nothing changes and the answer
 * names each one.
 */
export async function changeSeries(
  services: Services,
  actor: Actor,
  seriesId: string,
  change: SeriesChange,
): Promise<AppointmentView[]> {
  return audited(
    services,
    actor,
    {
      action: `appointment.series.${change.action}`,
      resourceType: "AppointmentSeries",
      resourceId: seriesId,
      detail: {
        scope: change.scope,
        from: change.fromAppointmentId,
        newLocalTime: change.newLocalTime ?? null,
      },
    },
    async (trx) => {
      const all = await listSeriesOccurrences(trx, actor, seriesId);
      const from = all.find((a) => a.id === change.fromAppointmentId);
      if (!from)
        throw new DomainError("invalid_request", "That appointment is not part of this series.", [
          { path: "fromAppointmentId", message: "is not in the series" },
        ]);
      const now = services.clock().getTime();
      const open = (a: AppointmentView) =>
        nextStatus(a.status, change.action === "cancel" ? "cancel" : "reschedule") !== null &&
        Date.parse(a.start) > now;
      const fromIndex = all.indexOf(from);
      const affected = (
        change.scope === "one" ? [from] : change.scope === "following" ? all.slice(fromIndex) : all
      ).filter(open);
      if (affected.length === 0)
        throw new DomainError("conflict", "No future booked occurrence is affected by this change.");
      const problems: ErrorDetail[] = [];
      for (const a of affected) {
        try {
          if (change.action === "cancel") {
            await cancelAppointmentIn(trx, services, actor, a.id, {
              reason: change.reason ?? "Series changed",
              cancelledBy: "practice",
            });
          } else {
            if (!change.newLocalTime)
              throw new DomainError("invalid_request", "Give the new local time for the moved occurrences.", [
                { path: "newLocalTime", message: "is required to move" },
              ]);
            const zone = await seriesZone(trx, actor, a.locationId);
            const localDate = new Intl.DateTimeFormat("en-CA", {
              timeZone: zone,
              year: "numeric",
              month: "2-digit",
              day: "2-digit",
            }).format(new Date(a.start));
            await rescheduleIn(trx, services, actor, a.id, {
              when: { localDate, localTime: change.newLocalTime },
              practitionerId: change.practitionerId,
            });
          }
        } catch (error) {
          // A lost race at the database constraint aborted the transaction: that ends the whole attempt.
          if (
            error instanceof RacedBooking ||
            error instanceof RacedPatientBooking ||
            !(error instanceof DomainError) ||
            !["conflict", "invalid_request", "patient_overlap", "slot_held"].includes(error.code)
          )
            throw error;
          problems.push({ path: `occurrences.${a.id}`, message: `${a.start}: ${error.message}` });
        }
      }
      if (problems.length) {
        throw new DomainError(
          "conflict",
          `${problems.length} occurrence(s) cannot take that change; nothing was changed.`,
          problems,
        );
      }
      return listSeriesOccurrences(trx, actor, seriesId);
    },
  );
}
