import type { SlotView as Slot } from "@salus/server/scheduling/schemas";
import { describe, expect, it } from "vitest";
import { openFromSlots } from "./open-for-type.ts";

const slot = (start: string, end: string, practitionerId = "dr-a", roomId: string | null = null): Slot =>
  ({ start, end, practitionerId, roomId, equipmentIds: [] }) as Slot;

describe("openFromSlots", () => {
  it("is the union of the offered visits of the column, in local minutes", () => {
    const slots = [
      slot("2026-01-05T14:00:00Z", "2026-01-05T14:30:00Z"),
      slot("2026-01-05T14:15:00Z", "2026-01-05T14:45:00Z"),
      // 09:45-10:15 is not offered (the equipment is taken): no white time there.
      slot("2026-01-05T15:15:00Z", "2026-01-05T15:45:00Z"),
      slot("2026-01-05T14:00:00Z", "2026-01-05T14:30:00Z", "dr-b"),
    ];
    expect(
      openFromSlots(slots, "2026-01-05", "America/New_York", (s) => s.practitionerId === "dr-a"),
    ).toEqual([
      { start: 9 * 60, end: 9 * 60 + 45 },
      { start: 10 * 60 + 15, end: 10 * 60 + 45 },
    ]);
  });
});
