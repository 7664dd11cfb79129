import { suggestOverbooking } from "@salus/core/flow/overbooking";
import { inSnapshot } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadDayRows } from "./board.ts";
import { locationDay } from "./day-version.ts";
import { loadFlowSettings } from "./flow-settings.ts";
import { loadDurationTable } from "./observed-durations.ts";

/** Used when a visit has no stored risk yet (no model trained): a typical outpatient no-show rate. */
const FALLBACK_NO_SHOW = 0.1;

export interface OverbookingView {
  locationId: string;
  date: string;
  suggestions: {
    practitionerId: string;
    start: string;
    end: string;
    noShowProbability: number;
    expectedEmptyMinutesAvoided: number;
    expectedExtraWaitMinutes: number;
    expectedOvertimeMinutes: number;
    emptySlotCostCents: number;
    extraWaitingCostCents: number;
    netGainCents: number;
    recommend: boolean;
  }[];
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Where a second patient is worth booking on a location-day: for each practitioner's booked visits in
 * time order, the core's one-step model weighs each slot's expected empty minutes (its stored no-show
 * risk) against the expected extra waiting, with the practice's idle and waiting minute values. Only
 * times, practitioners and probabilities leave (no patient), so it needs no audit entry.
 */
export async function overbookingSuggestions(
  services: Services,
  actor: Actor,
  locationId: string,
  date: string,
): Promise<OverbookingView> {
  return inSnapshot(services.db, async (trx) => {
    const org = actor.organizationId;
    const day = await locationDay(trx, org, locationId, date);
    const settings = await loadFlowSettings(trx, org);
    const durations = await loadDurationTable(trx, org, services.clock().getTime());
    const rows = (await loadDayRows(trx, org, day)).filter((r) => r.status === "booked");
    const byPractitioner = new Map<string, typeof rows>();
    for (const r of rows)
      byPractitioner.set(r.practitioner_id, [...(byPractitioner.get(r.practitioner_id) ?? []), r]);
    const out: OverbookingView["suggestions"] = [];
    for (const [practitionerId, list] of [...byPractitioner.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const minutes = list.map((r) => {
        const booked = (Date.parse(r.end_at) - Date.parse(r.start_at)) / 60_000;
        const observed = durations[r.appointment_type_id];
        return observed && (observed.samples ?? 0) >= 5 ? observed.meanMinutes : booked;
      });
      const serviceMinutes = minutes.reduce((s, x) => s + x, 0) / minutes.length;
      const suggestions = suggestOverbooking({
        slots: list.map((r) => ({
          slotId: r.id,
          noShowProbability:
            r.probability === null || r.probability === undefined ? FALLBACK_NO_SHOW : Number(r.probability),
        })),
        costs: {
          idleMinuteValue: settings.idleMinuteValueCents,
          waitMinuteCost: settings.waitMinuteCostCents,
        },
        serviceMinutes,
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
          recommend: s.recommend,
        });
      });
    }
    return { locationId, date, suggestions: out };
  });
}
