import { randomUUID } from "node:crypto";
import { DomainError, type ErrorDetail } from "@salus/core";
import { expandRecurrence, parseRecurrenceRule } from "@salus/core/scheduling/recurrence";
import { addDays } from "@salus/core/scheduling/zoned-time";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import type { AppointmentView } from "./appointment-view.ts";
import { RacedBooking } from "./appointment-writes.ts";
import { bookAppointmentIn } from "./book-appointment.ts";
import type { BookInput } from "./booking-decision.ts";
import { RacedPatientBooking } from "./booking-refusals.ts";
import type { SeriesResult } from "./schemas.ts";

export type { SeriesResult } from "./schemas.ts";

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

export async function seriesZone(trx: Trx, actor: Actor, locationId: string): Promise<string> {
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
