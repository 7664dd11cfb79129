import { describe, expect, it } from "vitest";
import type { OverbookingSuggestion } from "./api.ts";
import { money, topSuggestions } from "./OverbookingPanel.tsx";

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

  it("shows money from integer cents", () => {
    expect(money(5059)).toBe("$50.59");
    expect(money(0)).toBe("$0.00");
    expect(money(-250)).toBe("−$2.50");
  });
});
