import { randomUUID } from "node:crypto";
import { DomainError, type ErrorDetail, notFound } from "@salus/core";
import { expandRecurrence, parseRecurrenceRule } from "@salus/core/scheduling/recurrence";
import { addDays } from "@salus/core/scheduling/zoned-time";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type AppointmentView, loadAppointment } from "./appointment-view.ts";
import { RacedBooking } from "./appointment-writes.ts";
import { bookAppointmentIn } from "./book-appointment.ts";
import type { BookInput } from "./booking-decision.ts";
import { RacedPatientBooking } from "./booking-refusals.ts";
import { cancelAppointmentIn } from "./cancel-appointment.ts";
import { rescheduleIn } from "./reschedule-appointment.ts";

/**
 * Recurring visits (RRULE, RFC 5545 subset, expanded in the location's zone by the core). Every
 * occurrence is validated like a single booking. By default a series is all or nothing: if any occurrence
 * cannot be booked (taken, outside hours, inside a DST gap) nothing is written and the answer lists every
 * refused occurrence; with `onConflict: "skip"` the bookable ones are booked and the answer lists, one by
 * one, those that were not. Occurrences are rows of their own: editing or cancelling one, this and the
 * following, or all leaves each changed occurrence in the history (cancelled, never deleted).
 */
export interface SeriesInput extends Omit<BookInput, "when" | "end"> {
  rrule: string;
  localDate: string;
  localTime: string;
  /** Last local date for a rule without COUNT or UNTIL (default: one year after the first date). */
  horizon?: string | undefined;
  onConflict?: "fail" | "skip" | undefined;
}

export interface SeriesResult {
  seriesId: string;
  booked: AppointmentView[];
  skipped: { index: number; localDate: string; reason: string }[];
}

async function seriesZone(trx: Trx, actor: Actor, locationId: string): Promise<string> {
  const loc = await trx
    .selectFrom("locations")
    .select("time_zone")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", locationId)
    .executeTakeFirst();
  if (!loc)
    throw new DomainError("invalid_request", "No location with that id.", [
      { path: "locationId", message: "does not name a location of this organization" },
    ]);
  return loc.time_zone;
}

export async function bookSeries(
  services: Services,
  actor: Actor,
  input: SeriesInput,
): Promise<SeriesResult> {
  const seriesId = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "appointment.series.book",
      resourceType: "AppointmentSeries",
      resourceId: seriesId,
      patientId: input.patientId,
      detail: {
        rrule: input.rrule,
        localDate: input.localDate,
        localTime: input.localTime,
        onConflict: input.onConflict ?? "fail",
      },
      fromResult: (r: SeriesResult) => ({ detail: { booked: r.booked.length, skipped: r.skipped } }),
    },
    async (trx) => {
      parseRecurrenceRule(input.rrule);
      const zone = await seriesZone(trx, actor, input.locationId);
      const expansion = expandRecurrence(
        input.rrule,
        { localDate: input.localDate, localTime: input.localTime, zone },
        { horizon: input.horizon ?? addDays(input.localDate, 365) },
      );
      await trx
        .insertInto("appointment_series")
        .values({
          organization_id: actor.organizationId,
          id: seriesId,
          rrule: input.rrule,
          first_local_date: input.localDate,
          local_time: input.localTime,
          time_zone: zone,
          created_at: services.clock().toISOString(),
        })
        .execute();
      const skipped: SeriesResult["skipped"] = expansion.skipped.map((s) => ({
        index: s.index,
        localDate: s.localDate,
        reason: "That local time does not exist on this date (daylight saving time begins).",
      }));
      const booked: AppointmentView[] = [];
      for (const occurrence of expansion.occurrences) {
        try {
          booked.push(
            await bookAppointmentIn(
              trx,
              services,
              actor,
              { ...input, when: { start: new Date(occurrence.start).toISOString() } },
              { seriesId, seriesIndex: occurrence.index },
            ),
          );
        } catch (error) {
          // A refusal is decided before anything is written, so the transaction stays usable.
          // A lost race at the database constraint aborted the transaction: that ends the whole attempt.
          if (
            error instanceof RacedBooking ||
            error instanceof RacedPatientBooking ||
            !(error instanceof DomainError) ||
            !["conflict", "invalid_request", "patient_overlap", "slot_held"].includes(error.code)
          )
            throw error;
          skipped.push({ index: occurrence.index, localDate: occurrence.localDate, reason: error.message });
        }
      }
      skipped.sort((a, b) => a.index - b.index);
      if (skipped.length && (input.onConflict ?? "fail") === "fail") {
        const details: ErrorDetail[] = skipped.map((s) => ({
          path: `occurrences.${s.index}`,
          message: `${s.localDate}: ${s.reason}`,
        }));
        throw new DomainError(
          "conflict",
          `${skipped.length} of ${expansion.occurrences.length + expansion.skipped.length} occurrences cannot be booked; nothing was booked. Choose another time, or book the others with onConflict "skip".`,
          details,
        );
      }
      if (booked.length === 0)
        throw new DomainError(
          "conflict",
          "No occurrence of this series can be booked.",
          skipped.map((s) => ({ path: `occurrences.${s.index}`, message: `${s.localDate}: ${s.reason}` })),
        );
      return { seriesId, booked, skipped };
    },
  );
}

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
        ["booked", "pending", "proposed"].includes(a.status) && Date.parse(a.start) > now;
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
