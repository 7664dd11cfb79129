import { describe, expect, it } from "vitest";
import type { OverbookingSuggestion } from "./api.ts";
import { costsInWords, money, topSuggestions } from "./OverbookingPanel.tsx";

function suggestion(start: string, netGainCents: number, recommend = true): OverbookingSuggestion {
  return {
    practitionerId: "dr1",
    start,
    end: start,
    noShowProbability: 0.3,
    expectedEmptyMinutesAvoided: 10,
    expectedExtraWaitMinutes: 5,
    expectedOvertimeMinutes: 0,
    emptySlotCostCents: 3000,
    extraWaitingCostCents: 250,
    netGainCents,
    blockedBy: null,
    recommend,
  };
}

describe("overbooking suggestions", () => {
  it("keeps the recommended ones, best expected gain first, ties by time", () => {
    const list = [
      suggestion("2026-11-27T15:00:00Z", 100),
      suggestion("2026-11-27T14:00:00Z", 900, false),
      suggestion("2026-11-27T16:00:00Z", 500),
      suggestion("2026-11-27T13:00:00Z", 100),
    ];
    expect(topSuggestions(list).map((s) => [s.start.slice(11, 13), s.netGainCents])).toEqual([
      ["16", 500],
      ["13", 100],
      ["15", 100],
    ]);
  });

  it("never lists a slot blocked by a break, and states the minute values it weighs", () => {
    const blocked = { ...suggestion("2026-11-27T17:40:00Z", 900), blockedBy: "into-break" as const };
    expect(topSuggestions([blocked, suggestion("2026-11-27T15:00:00Z", 100)]).map((s) => s.start)).toEqual([
      "2026-11-27T15:00:00Z",
    ]);
    expect(
      costsInWords({ idleMinuteValueCents: 300, waitMinuteCostCents: 50, overtimeMinuteCostCents: 400 }),
    ).toBe(
      "an idle practitioner minute $3.00, a patient's waiting minute $0.50, an overtime minute (into a break or past the end of the day) $4.00",
    );
  });

  it("shows money from integer cents", () => {
    expect(money(5059)).toBe("$50.59");
    expect(money(0)).toBe("$0.00");
    expect(money(-250)).toBe("-$2.50");
    expect(money(123456)).toBe("$1,234.56");
  });
});
