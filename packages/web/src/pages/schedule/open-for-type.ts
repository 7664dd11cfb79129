import type { SlotView as Slot } from "@salus/server/scheduling/schemas";
import { type Interval, instantRangeToMinutes, normalize } from "./layout.ts";

/**
 * The open (white) time of one calendar column for a chosen visit type (issue 10, item 4): the union of
 * the visits the slot search offers, so white time is time that can really be booked for that type,
 * rooms and equipment included. `match` picks the column's slots (a practitioner's, or a room's).
 */
export function openFromSlots(
  slots: readonly Slot[],
  date: string,
  timeZone: string,
  match: (slot: Slot) => boolean,
): Interval[] {
  return normalize(
    slots
      .filter(match)
      .map((s) => instantRangeToMinutes(Date.parse(s.start), Date.parse(s.end), date, timeZone))
      .filter((i): i is Interval => i !== null),
  );
}
