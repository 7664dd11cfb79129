import { describe, expect, it } from "vitest";
import type { FlowVisit } from "./projection.ts";
import { type FlowPractitioner, proposeReplans, type ReplanPolicy } from "./replan.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0); // 09:00 UTC

function visit(id: string, practitionerId: string, startMin: number, lengthMin = 20, extra: Partial<FlowVisit> = {}): FlowVisit {
  return {
    appointmentId: id,
    practitionerId,
    appointmentTypeId: "checkup",
    start: T0 + startMin * MIN,
    end: T0 + (startMin + lengthMin) * MIN,
    status: "booked",
    ...extra,
  };
}

const policy: ReplanPolicy = { graceMinutes: 10, notifyThresholdMinutes: 15, allowMove: true, allowOfferNewTime: true };
const practitioners: FlowPractitioner[] = [
  { id: "p1", appointmentTypeIds: ["checkup"], available: [{ start: T0, end: T0 + 240 * MIN }] },
  { id: "p2", appointmentTypeIds: ["checkup"], available: [{ start: T0, end: T0 + 240 * MIN }] },
];

describe("proposeReplans (smoke)", () => {
  it("answers keep within grace and ranked proposals past it", () => {
    const visits = [visit("a", "p1", 0), visit("b", "p1", 20), visit("c", "p1", 40), visit("d", "p2", 0)];
    const within = proposeReplans({
      now: T0,
      visits,
      practitioners,
      policy,
      event: { kind: "late", appointmentId: "a", expectedArrival: T0 + 5 * MIN },
    });
    expect(within.withinGrace).toBe(true);
    expect(within.proposals.map((p) => p.id)).toEqual(["keep"]);
    const late = proposeReplans({
      now: T0,
      visits,
      practitioners,
      policy,
      event: { kind: "late", appointmentId: "a", expectedArrival: T0 + 25 * MIN },
    });
    expect(late.withinGrace).toBe(false);
    expect(late.proposals.length).toBeGreaterThan(1);
    console.log(JSON.stringify(late.proposals.map((p) => ({ id: p.id, title: p.title, m: p.metrics, score: p.score, changes: p.changes, notify: p.notify })), null, 1));
  });
});
