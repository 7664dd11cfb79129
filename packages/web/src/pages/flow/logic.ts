// Pure pieces of the flow board: where a visit sits, what its next step is, how long the patient has
// waited and whether that is past the practice's thresholds, and how re-plan proposals read.
import { formatTime } from "../../lib/zoned.ts";
import type { BoardVisit, FlowStep, Proposal, ProposalChange, WaitThresholds } from "./api.ts";

export type Column = "expected" | "checked-in" | "roomed" | "with-practitioner" | "done";

export const COLUMNS: readonly { id: Column; label: string }[] = [
  { id: "expected", label: "Expected & waiting" },
  { id: "checked-in", label: "Checked in" },
  { id: "roomed", label: "Roomed" },
  { id: "with-practitioner", label: "With practitioner" },
  { id: "done", label: "Done" },
];

/** Statuses that end a visit without it being seen. */
const ENDED: ReadonlySet<string> = new Set(["noshow", "cancelled", "entered-in-error", "fulfilled"]);

/** The board column a visit belongs in. */
export function columnOf(visit: Pick<BoardVisit, "flowStep" | "status">): Column {
  if (visit.flowStep === "checked-out" || ENDED.has(visit.status)) return "done";
  if (visit.flowStep === null || visit.flowStep === "arrived") return "expected";
  return visit.flowStep;
}

export interface NextAction {
  step: FlowStep;
  label: string;
  /** Check-in asks for the confirmations, rooming for the room. */
  needs: "none" | "confirmations" | "room";
}

const NEXT: Record<string, NextAction | null> = {
  none: { step: "arrived", label: "Arrived", needs: "none" },
  arrived: { step: "checked-in", label: "Check in", needs: "confirmations" },
  "checked-in": { step: "roomed", label: "Room", needs: "room" },
  roomed: { step: "with-practitioner", label: "With practitioner", needs: "none" },
  "with-practitioner": { step: "checked-out", label: "Check out", needs: "none" },
  "checked-out": null,
};

/** The one-click next step for a visit, or null when the visit is done or no longer active. */
export function nextAction(visit: Pick<BoardVisit, "flowStep" | "status">): NextAction | null {
  if (ENDED.has(visit.status)) return null;
  return NEXT[visit.flowStep ?? "none"] ?? null;
}

/**
 * Steps that may skip one (guide-flow.md): check in without a separate "arrived", and see the practitioner
 * without a room (a telephone visit). Offered beside the next step.
 */
export function otherActions(visit: Pick<BoardVisit, "flowStep" | "status">): NextAction[] {
  if (ENDED.has(visit.status)) return [];
  if (visit.flowStep === null) return [{ step: "checked-in", label: "Check in", needs: "confirmations" }];
  if (visit.flowStep === "checked-in") {
    return [{ step: "with-practitioner", label: "With practitioner", needs: "none" }];
  }
  return [];
}

/** Whether "Running over" makes sense: the patient is with the practitioner now. */
export function canReportOverrun(visit: Pick<BoardVisit, "flowStep" | "status">): boolean {
  return visit.flowStep === "with-practitioner" && !ENDED.has(visit.status);
}

/** Whether "Late…" makes sense: the patient has not arrived yet and the visit is still on. */
export function canMarkLate(visit: Pick<BoardVisit, "flowStep" | "status">): boolean {
  return visit.flowStep === null && !ENDED.has(visit.status);
}

/**
 * Whole minutes waited at `now`, counted from waitingSince (so the board ticks every minute without a
 * refetch); falls back to the server's figure when the start is unknown.
 */
export function waitedMinutes(
  visit: Pick<BoardVisit, "waitingSince" | "waitingMinutes">,
  now: number,
): number | null {
  if (visit.waitingSince) {
    const since = Date.parse(visit.waitingSince);
    if (Number.isFinite(since)) return Math.max(0, Math.floor((now - since) / 60_000));
  }
  return visit.waitingMinutes ?? null;
}

export type WaitLevel = "ok" | "warn" | "alert";

/** The wait's level against the practice's thresholds (a threshold is reached at exactly its minute). */
export function waitLevel(minutes: number | null, thresholds: WaitThresholds): WaitLevel {
  if (minutes === null) return "ok";
  if (minutes >= thresholds.waitAlertMinutes) return "alert";
  if (minutes >= thresholds.waitWarnMinutes) return "warn";
  return "ok";
}

/** Colour, icon and words for a level: never colour alone, so the words and icon say it too. */
export const WAIT_LEVEL_STYLE: Record<WaitLevel, { color: string; icon: string; words: string }> = {
  ok: { color: "gray", icon: "◷", words: "" },
  warn: { color: "orange", icon: "⚠", words: "long wait" },
  alert: { color: "red", icon: "‼", words: "very long wait" },
};

/** `Waiting 25 min, long wait`. */
export function waitLabel(minutes: number, level: WaitLevel): string {
  const words = WAIT_LEVEL_STYLE[level].words;
  return `Waiting ${formatMinutes(minutes)}${words ? `, ${words}` : ""}`;
}

/** 45 → `45 min`, 75 → `1 h 15 min`, 120 → `2 h`. */
export function formatMinutes(minutes: number): string {
  const m = Math.round(minutes);
  if (Math.abs(m) < 60) return `${m} min`;
  const h = Math.trunc(m / 60);
  const rest = Math.abs(m % 60);
  return rest === 0 ? `${h} h` : `${h} h ${rest} min`;
}

/** A probability as a whole percentage: 0.234 → `23%`. */
export function percent(probability: number): string {
  return `${Math.round(probability * 100)}%`;
}

export type RiskLevel = "low" | "medium" | "high";

/** Risk bands for the badge colour (the words and the percentage are always shown too). */
export function riskLevel(probability: number): RiskLevel {
  if (probability >= 0.3) return "high";
  if (probability >= 0.15) return "medium";
  return "low";
}

/** Cards in a column: by expected start (else booked start), then by name, so the order is stable. */
export function sortVisits(visits: readonly BoardVisit[]): BoardVisit[] {
  const key = (v: BoardVisit) => Date.parse(v.expectedStart ?? v.start);
  return [...visits].sort(
    (a, b) => key(a) - key(b) || a.start.localeCompare(b.start) || a.patientName.localeCompare(b.patientName),
  );
}

/**
 * Proposals with the recommended one (the lowest score) first, then by score, then the least total
 * waiting, then fewest moves: the order the server ranked them by.
 */
export function orderProposals(proposals: readonly Proposal[]): Proposal[] {
  const score = (p: Proposal) => p.score ?? Number.POSITIVE_INFINITY;
  return [...proposals].sort(
    (a, b) =>
      Number(b.recommended) - Number(a.recommended) ||
      score(a) - score(b) ||
      a.metrics.totalWaitMinutes - b.metrics.totalWaitMinutes ||
      a.metrics.moved - b.metrics.moved,
  );
}

/** The score and its parts in words: `score 95 = wait 25 min + overtime 0 min + moves 10 + offers 60`. */
export function describeScore(proposal: Pick<Proposal, "score" | "scoreParts">): string | null {
  if (proposal.score === undefined || !proposal.scoreParts) return null;
  const p = proposal.scoreParts;
  const n = (x: number) => String(Math.round(x * 10) / 10);
  return `Score ${n(proposal.score)} (lower is better) = wait ${n(p.waitMinutes)} + overtime ${n(p.overtimeMinutes)} + moves ${n(p.moveMinutes)} + new times offered ${n(p.offerMinutes)}`;
}

/** One change in words: `Doe, Jane: Dr Liu 10:20 AM → Dr Okoye 10:40 AM`. */
export function describeChange(
  change: ProposalChange,
  timeZone: string,
  practitionerName: (id: string) => string,
): string {
  const from = `${practitionerName(change.from.practitionerId)} ${formatTime(change.from.expectedStart, timeZone)}`;
  if (!change.to) return `${change.patientName}: ${from} → offered a new time`;
  const samePerson = change.to.practitionerId === change.from.practitionerId;
  const to = samePerson
    ? formatTime(change.to.expectedStart, timeZone)
    : `${practitionerName(change.to.practitionerId)} ${formatTime(change.to.expectedStart, timeZone)}`;
  return `${change.patientName}: ${from} → ${to}`;
}

/** The proposal's figures in words. */
export function describeMetrics(metrics: Proposal["metrics"]): string {
  const moved = metrics.moved === 1 ? "1 visit moved" : `${metrics.moved} visits moved`;
  const offered = metrics.offered ?? 0;
  return [
    `total wait ${formatMinutes(metrics.totalWaitMinutes)}`,
    `longest wait ${formatMinutes(metrics.maxWaitMinutes)}`,
    `overtime ${formatMinutes(metrics.overtimeMinutes)}`,
    moved,
    ...(offered > 0 ? [offered === 1 ? "1 offered a new time" : `${offered} offered a new time`] : []),
  ].join(" · ");
}

/**
 * Parses the minutes-late field: a whole number of 1 or more, else null. The day's own limit (shown in
 * the form) is the server's to check: it answers with the limit in words, and the field keeps what was
 * typed (it was once clamped to 480 without a word, issue 10).
 */
export function parseMinutesLate(text: string): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 ? n : null;
}
