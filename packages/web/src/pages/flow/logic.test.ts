import { describe, expect, it } from "vitest";
import type { BoardVisit, Proposal } from "./api.ts";
import {
  canMarkLate,
  canReportOverrun,
  columnOf,
  describeChange,
  describeMetrics,
  formatMinutes,
  nextAction,
  orderProposals,
  otherActions,
  parseMinutesLate,
  riskLevel,
  sortVisits,
  waitedMinutes,
  waitLabel,
  waitLevel,
} from "./logic.ts";

const thresholds = { waitWarnMinutes: 15, waitAlertMinutes: 30 };

function visit(over: Partial<BoardVisit> = {}): BoardVisit {
  return {
    appointmentId: "a1",
    version: 1,
    patientId: "p1",
    patientName: "Doe, Jane",
    practitionerId: "dr1",
    appointmentTypeId: "t1",
    typeName: "Follow-up",
    start: "2026-11-27T15:00:00.000Z",
    end: "2026-11-27T15:20:00.000Z",
    status: "booked",
    flowStep: null,
    arrivedAt: null,
    checkedInAt: null,
    roomedAt: null,
    roomId: null,
    roomName: null,
    withPractitionerAt: null,
    checkedOutAt: null,
    waitingSince: null,
    waitingMinutes: null,
    lateMinutes: 0,
    expectedStart: null,
    expectedEnd: null,
    noShowRisk: null,
    maxMinutesLate: null,
    ...over,
  };
}

function proposal(id: string, over: Partial<Proposal> = {}): Proposal {
  return {
    id,
    kind: "next-gap",
    title: id,
    explanation: "",
    recommended: false,
    changes: [],
    metrics: { totalWaitMinutes: 10, maxWaitMinutes: 5, overtimeMinutes: 0, moved: 1 },
    notify: [],
    dayVersion: "v1",
    ...over,
  };
}

describe("waitLevel", () => {
  it("turns warn at exactly the warn threshold and alert at exactly the alert threshold", () => {
    expect(waitLevel(null, thresholds)).toBe("ok");
    expect(waitLevel(0, thresholds)).toBe("ok");
    expect(waitLevel(14, thresholds)).toBe("ok");
    expect(waitLevel(15, thresholds)).toBe("warn");
    expect(waitLevel(29, thresholds)).toBe("warn");
    expect(waitLevel(30, thresholds)).toBe("alert");
    expect(waitLevel(240, thresholds)).toBe("alert");
  });

  it("follows the practice's own thresholds", () => {
    expect(waitLevel(10, { waitWarnMinutes: 5, waitAlertMinutes: 10 })).toBe("alert");
    expect(waitLevel(7, { waitWarnMinutes: 5, waitAlertMinutes: 10 })).toBe("warn");
  });

  it("says the level in words, not only in colour", () => {
    expect(waitLabel(5, "ok")).toBe("Waiting 5 min");
    expect(waitLabel(20, "warn")).toBe("Waiting 20 min, long wait");
    expect(waitLabel(75, "alert")).toBe("Waiting 1 h 15 min, very long wait");
  });
});

describe("waitedMinutes", () => {
  const since = "2026-11-27T15:00:00.000Z";
  it("counts whole minutes from waitingSince, so the board ticks without refetching", () => {
    const t0 = Date.parse(since);
    const v = visit({ waitingSince: since, waitingMinutes: 0 });
    expect(waitedMinutes(v, t0)).toBe(0);
    expect(waitedMinutes(v, t0 + 59_999)).toBe(0);
    expect(waitedMinutes(v, t0 + 60_000)).toBe(1);
    expect(waitedMinutes(v, t0 + 20 * 60_000 + 30_000)).toBe(20);
  });

  it("never goes negative when the device clock is behind the server's", () => {
    expect(waitedMinutes(visit({ waitingSince: since }), Date.parse(since) - 120_000)).toBe(0);
  });

  it("falls back to the server's figure without a start, and to null when nobody waits", () => {
    expect(waitedMinutes(visit({ waitingMinutes: 12 }), 0)).toBe(12);
    expect(waitedMinutes(visit(), 0)).toBeNull();
  });
});

describe("columns and next steps", () => {
  it("places each step in its column; ended visits are done", () => {
    expect(columnOf(visit())).toBe("expected");
    expect(columnOf(visit({ flowStep: "arrived", status: "arrived" }))).toBe("expected");
    expect(columnOf(visit({ flowStep: "checked-in", status: "checked-in" }))).toBe("checked-in");
    expect(columnOf(visit({ flowStep: "roomed", status: "checked-in" }))).toBe("roomed");
    expect(columnOf(visit({ flowStep: "with-practitioner", status: "checked-in" }))).toBe(
      "with-practitioner",
    );
    expect(columnOf(visit({ flowStep: "checked-out", status: "fulfilled" }))).toBe("done");
    expect(columnOf(visit({ status: "noshow" }))).toBe("done");
  });

  it("offers the steps in order, asking for confirmations at check-in and a room at rooming", () => {
    const seq = [null, "arrived", "checked-in", "roomed", "with-practitioner"] as const;
    expect(seq.map((s) => nextAction(visit({ flowStep: s }))?.step)).toEqual([
      "arrived",
      "checked-in",
      "roomed",
      "with-practitioner",
      "checked-out",
    ]);
    expect(nextAction(visit({ flowStep: "arrived" }))?.needs).toBe("confirmations");
    expect(nextAction(visit({ flowStep: "checked-in" }))?.needs).toBe("room");
    expect(nextAction(visit({ flowStep: "checked-out" }))).toBeNull();
    expect(nextAction(visit({ status: "noshow" }))).toBeNull();
  });

  it("also offers the two allowed skips: check in without arrived, the practitioner without a room", () => {
    expect(otherActions(visit()).map((a) => [a.step, a.needs])).toEqual([["checked-in", "confirmations"]]);
    expect(otherActions(visit({ flowStep: "checked-in" })).map((a) => a.step)).toEqual(["with-practitioner"]);
    for (const step of ["arrived", "roomed", "with-practitioner", "checked-out"] as const) {
      expect(otherActions(visit({ flowStep: step }))).toEqual([]);
    }
    expect(otherActions(visit({ status: "cancelled" }))).toEqual([]);
  });

  it("offers Running over only while the patient is with the practitioner", () => {
    expect(canReportOverrun(visit({ flowStep: "with-practitioner" }))).toBe(true);
    expect(canReportOverrun(visit({ flowStep: "roomed" }))).toBe(false);
    expect(canReportOverrun(visit({ flowStep: "checked-out", status: "fulfilled" }))).toBe(false);
  });

  it("offers Late… only before arrival", () => {
    expect(canMarkLate(visit())).toBe(true);
    expect(canMarkLate(visit({ flowStep: "arrived" }))).toBe(false);
    expect(canMarkLate(visit({ status: "noshow" }))).toBe(false);
  });

  it("sorts cards by expected start, then booked start, then name", () => {
    const a = visit({
      appointmentId: "a",
      start: "2026-11-27T15:00:00.000Z",
      expectedStart: "2026-11-27T15:40:00.000Z",
    });
    const b = visit({
      appointmentId: "b",
      start: "2026-11-27T15:20:00.000Z",
      expectedStart: "2026-11-27T15:20:00.000Z",
    });
    const c = visit({ appointmentId: "c", start: "2026-11-27T15:20:00.000Z", patientName: "Adams, Ann" });
    expect(sortVisits([a, b, c]).map((v) => v.appointmentId)).toEqual(["c", "b", "a"]);
  });
});

describe("proposals", () => {
  it("puts the recommended proposal first, then by score, then the least total wait, then the fewest moves", () => {
    const ordered = orderProposals([
      proposal("slow", {
        metrics: { totalWaitMinutes: 50, maxWaitMinutes: 20, overtimeMinutes: 0, moved: 0 },
      }),
      proposal("fast-many", {
        metrics: { totalWaitMinutes: 10, maxWaitMinutes: 5, overtimeMinutes: 0, moved: 3 },
      }),
      proposal("fast-few", {
        metrics: { totalWaitMinutes: 10, maxWaitMinutes: 5, overtimeMinutes: 0, moved: 1 },
      }),
      proposal("rec", {
        recommended: true,
        score: 20,
        metrics: { totalWaitMinutes: 0, maxWaitMinutes: 0, overtimeMinutes: 0, moved: 2 },
      }),
      proposal("scored", {
        score: 30,
        metrics: { totalWaitMinutes: 30, maxWaitMinutes: 30, overtimeMinutes: 0, moved: 0 },
      }),
    ]);
    expect(ordered.map((p) => p.id)).toEqual(["rec", "scored", "fast-few", "fast-many", "slow"]);
  });

  it("does not reorder the caller's array", () => {
    const list = [proposal("b"), proposal("a", { recommended: true })];
    orderProposals(list);
    expect(list.map((p) => p.id)).toEqual(["b", "a"]);
  });

  it("describes a change in the clinic's zone, naming the new practitioner only when it changes", () => {
    const names = (id: string) => (id === "dr1" ? "Grace Liu" : "Sam Okoye");
    const tz = "America/Chicago";
    const from = { practitionerId: "dr1", expectedStart: "2026-11-27T16:20:00.000Z" };
    expect(
      describeChange(
        {
          appointmentId: "a",
          patientName: "Doe, Jane",
          from,
          to: { practitionerId: "dr1", expectedStart: "2026-11-27T16:40:00.000Z" },
        },
        tz,
        names,
      ),
    ).toBe("Doe, Jane: Grace Liu 10:20 AM → 10:40 AM");
    expect(
      describeChange(
        {
          appointmentId: "a",
          patientName: "Doe, Jane",
          from,
          to: { practitionerId: "dr2", expectedStart: "2026-11-27T16:30:00.000Z" },
        },
        tz,
        names,
      ),
    ).toBe("Doe, Jane: Grace Liu 10:20 AM → Sam Okoye 10:30 AM");
    expect(describeChange({ appointmentId: "a", patientName: "Doe, Jane", from, to: null }, tz, names)).toBe(
      "Doe, Jane: Grace Liu 10:20 AM → offered a new time",
    );
  });

  it("puts the figures in words", () => {
    expect(describeMetrics({ totalWaitMinutes: 95, maxWaitMinutes: 20, overtimeMinutes: 0, moved: 1 })).toBe(
      "total wait 1 h 35 min · longest wait 20 min · overtime 0 min · 1 visit moved",
    );
    expect(
      describeMetrics({ totalWaitMinutes: 0, maxWaitMinutes: 0, overtimeMinutes: 5, moved: 0, offered: 1 }),
    ).toBe("total wait 0 min · longest wait 0 min · overtime 5 min · 0 visits moved · 1 offered a new time");
  });
});

describe("small formats", () => {
  it("formats minutes and risk bands", () => {
    expect(formatMinutes(0)).toBe("0 min");
    expect(formatMinutes(60)).toBe("1 h");
    expect(formatMinutes(125)).toBe("2 h 5 min");
    expect(riskLevel(0.05)).toBe("low");
    expect(riskLevel(0.15)).toBe("medium");
    expect(riskLevel(0.3)).toBe("high");
  });

  it("accepts 1 to 480 whole minutes late (as the server does), nothing else", () => {
    expect(parseMinutesLate("20")).toBe(20);
    expect(parseMinutesLate(" 1 ")).toBe(1);
    expect(parseMinutesLate("480")).toBe(480);
    // Never clamped: a value past the day's limit goes to the server, which says the limit.
    expect(parseMinutesLate("999")).toBe(999);
    for (const bad of ["0", "-5", "2.5", "", "abc"]) expect(parseMinutesLate(bad)).toBeNull();
  });
});
