import { suggestOverbooking } from "@salus/core/flow/overbooking";
import { expandAvailability } from "@salus/core/scheduling/availability";
import { inOrganizationSnapshot } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadAvailabilityInput } from "../scheduling/load-availability-input.ts";
import { loadDayRows } from "./board.ts";
import { locationDay } from "./day-version.ts";
import { loadFlowSettings } from "./flow-settings.ts";
import { loadDurationTable } from "./observed-durations.ts";
import type { OverbookingView } from "./schemas.ts";

/** Used when a visit has no stored risk yet (no model trained): a typical outpatient no-show rate. */
const FALLBACK_NO_SHOW = 0.1;

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Where a second patient is worth booking on a location-day: for each practitioner's booked visits at
 * their times (gaps between them included), with each visit's expected service time (the observed mean
 * of its type, else its booked length) and the practitioner's breaks and end of day from their
 * availability, the core's model weighs each slot's expected empty minutes (its stored no-show risk)
 * against the expected extra waiting and overtime, with the practice's idle, waiting and overtime minute
 * values. Only times, practitioners and probabilities leave (no patient), so it needs no audit entry.
 */
export async function overbookingSuggestions(
  services: Services,
  actor: Actor,
  locationId: string,
  date: string,
): Promise<OverbookingView> {
  return inOrganizationSnapshot(services.db, actor.organizationId, async (trx) => {
    const org = actor.organizationId;
    const day = await locationDay(trx, org, locationId, date);
    const settings = await loadFlowSettings(trx, org);
    const durations = await loadDurationTable(trx, org, services.clock().getTime());
    const rows = (await loadDayRows(trx, org, day)).filter((r) => r.status === "booked");
    const byPractitioner = new Map<string, typeof rows>();
    for (const r of rows)
      byPractitioner.set(r.practitioner_id, [...(byPractitioner.get(r.practitioner_id) ?? []), r]);
    const practitionerIds = [...byPractitioner.keys()];
    const availability = expandAvailability(
      await loadAvailabilityInput(trx, org, { id: locationId, zone: day.timeZone }, practitionerIds, {
        start: day.start,
        end: day.end,
      }),
      { start: day.start, end: day.end },
    );
    const minute = (t: number) => (t - day.start) / 60_000;
    const out: OverbookingView["suggestions"] = [];
    for (const [practitionerId, list] of [...byPractitioner.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      list.sort((a, b) => Date.parse(a.start_at) - Date.parse(b.start_at) || (a.id < b.id ? -1 : 1));
      const minutes = list.map((r) => {
        const booked = (Date.parse(r.end_at) - Date.parse(r.start_at)) / 60_000;
        const observed = durations[r.appointment_type_id];
        return observed && (observed.samples ?? 0) >= 5 ? observed.meanMinutes : booked;
      });
      const serviceMinutes = minutes.reduce((s, x) => s + x, 0) / minutes.length;
      // Breaks: the gaps between the practitioner's available intervals of the day; the day ends with the
      // last one (visits booked outside the hours make their own end).
      const open = (
        availability.find((a) => a.resourceKind === "practitioner" && a.resourceId === practitionerId)
          ?.available ?? []
      ).map((i) => ({ start: minute(i.start), end: minute(i.end) }));
      const breaks = open.slice(1).map((i, k) => ({ start: open[k]!.end, end: i.start }));
      const lastBooked = Math.max(...list.map((r) => minute(Date.parse(r.end_at))));
      const dayEnd = Math.max(lastBooked, open.at(-1)?.end ?? lastBooked);
      const suggestions = suggestOverbooking({
        slots: list.map((r, i) => ({
          slotId: r.id,
          start: minute(Date.parse(r.start_at)),
          end: minute(Date.parse(r.end_at)),
          serviceMinutes: minutes[i]!,
          noShowProbability:
            r.probability === null || r.probability === undefined ? FALLBACK_NO_SHOW : Number(r.probability),
        })),
        costs: {
          idleMinuteValue: settings.idleMinuteValueCents,
          waitMinuteCost: settings.waitMinuteCostCents,
          overtimeMinuteCost: settings.overtimeMinuteCostCents,
        },
        serviceMinutes,
        breaks: breaks.filter((b) => b.end > b.start),
        dayEnd,
      });
      suggestions.forEach((s, i) => {
        const r = list[i]!;
        out.push({
          practitionerId,
          start: r.start_at,
          end: r.end_at,
          noShowProbability: r2(s.noShowProbability * 100) / 100,
          expectedEmptyMinutesAvoided: r2(s.expectedEmptyMinutesAvoided),
          expectedExtraWaitMinutes: r2(s.expectedExtraWaitMinutes),
          expectedOvertimeMinutes: r2(s.expectedOvertimeMinutes),
          // Cents per minute × minutes: rounded to whole cents (to nearest) for display.
          emptySlotCostCents: Math.round(s.emptySlotCost),
          extraWaitingCostCents: Math.round(s.extraWaitingCost),
          netGainCents: Math.round(s.netGain),
          blockedBy: s.blockedBy,
          recommend: s.recommend,
        });
      });
    }
    return {
      locationId,
      date,
      costs: {
        idleMinuteValueCents: settings.idleMinuteValueCents,
        waitMinuteCostCents: settings.waitMinuteCostCents,
        overtimeMinuteCostCents: settings.overtimeMinuteCostCents,
      },
      suggestions: out,
    };
  });
}
