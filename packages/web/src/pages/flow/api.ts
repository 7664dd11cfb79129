// The day-of flow API (packages/server/src/http/routes/flow-routes.ts): the board, its stream, the flow
// steps, late arrivals, re-plan proposals and the practice's flow settings. Kept beside the pages that use
// it so the flow slice's types live in one place.
import { api } from "../../api/client.ts";

export type FlowStep = "arrived" | "checked-in" | "roomed" | "with-practitioner" | "checked-out";

export interface NoShowRisk {
  /** 0..1. */
  probability: number;
  reasons: string[];
}

export interface BoardVisit {
  appointmentId: string;
  version: number;
  patientId: string;
  patientName: string;
  practitionerId: string;
  appointmentTypeId: string;
  typeName: string;
  start: string;
  end: string;
  status: string;
  flowStep: FlowStep | null;
  arrivedAt: string | null;
  checkedInAt: string | null;
  roomedAt: string | null;
  roomId: string | null;
  roomName: string | null;
  withPractitionerAt: string | null;
  checkedOutAt: string | null;
  /** Since when the patient waits (arrival, or the end of the last step), null when nobody waits. */
  waitingSince: string | null;
  waitingMinutes: number | null;
  lateMinutes: number | null;
  expectedStart: string | null;
  expectedEnd: string | null;
  /** For a booked visit not yet here: the most minutes it can be marked late today (end of day + overtime limit). */
  maxMinutesLate?: number | null;
  noShowRisk: NoShowRisk | null;
}

export interface BoardPractitioner {
  id: string;
  name: string;
  expectedEndOfDay: string | null;
  overtimeMinutes: number;
}

export interface WaitThresholds {
  waitWarnMinutes: number;
  waitAlertMinutes: number;
}

export interface FlowBoard {
  locationId: string;
  date: string;
  timeZone: string;
  dayVersion: string;
  now: string;
  thresholds: WaitThresholds;
  practitioners: BoardPractitioner[];
  visits: BoardVisit[];
}

export interface FlowStepRequest {
  step: FlowStep;
  roomId?: string;
  demographicsConfirmed?: boolean;
  insuranceConfirmed?: boolean;
  version: number;
}

export interface PlanSlot {
  practitionerId: string;
  expectedStart: string;
}

export interface ProposalChange {
  appointmentId: string;
  patientName: string;
  from: PlanSlot;
  /** Null when the visit leaves the day (the patient is offered a new time). */
  to: PlanSlot | null;
}

export interface ProposalMetrics {
  totalWaitMinutes: number;
  maxWaitMinutes: number;
  overtimeMinutes: number;
  moved: number;
  /** Visits whose patient is offered a new time instead. */
  offered?: number;
}

export interface ProposalNotice {
  appointmentId: string;
  patientName: string;
  /** later / earlier than what they were told, or moved to another practitioner. */
  reason?: "later" | "earlier" | "moved";
  practitionerId?: string;
  oldExpectedStart: string;
  newExpectedStart: string | null;
}

export interface Proposal {
  id: string;
  kind: string;
  title: string;
  explanation: string;
  recommended: boolean;
  /** The ranking score (lower is better) and its parts, in wait-minutes. */
  score?: number;
  scoreParts?: { waitMinutes: number; overtimeMinutes: number; moveMinutes: number; offerMinutes: number };
  changes: ProposalChange[];
  metrics: ProposalMetrics;
  notify: ProposalNotice[];
  dayVersion: string;
}

export interface ProposalsResponse {
  dayVersion: string;
  proposals: Proposal[];
}

export interface AcceptResponse {
  applied: boolean;
  dayVersion: string;
}

export interface FlowSettings {
  graceMinutes: number;
  lateAction: string;
  notifyThresholdMinutes: number;
  waitWarnMinutes: number;
  waitAlertMinutes: number;
  noShowAfterMinutes: number;
  noShowFeeCents: number;
  idleMinuteValueCents: number;
  waitMinuteCostCents: number;
  /** Minutes past a practitioner's end of day a re-plan may keep a visit. */
  overtimeLimitMinutes: number;
  overtimeMinuteCostCents: number;
}

export interface OverbookingSuggestion {
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
  /** Never suggested: the slot is in or across a break, or its extra visit would run into one. */
  blockedBy?: "in-break" | "into-break" | null;
  recommend: boolean;
}

/** The minute values the suggestions weigh (the practice's flow settings), in cents. */
export interface OverbookingCosts {
  idleMinuteValueCents: number;
  waitMinuteCostCents: number;
  overtimeMinuteCostCents: number;
}

export interface BoardQuery {
  locationId: string;
  date: string;
}

const enc = encodeURIComponent;

export const boardKey = (q: BoardQuery) => ["flow-board", q.locationId, q.date] as const;

/** The stream's address: the browser sends the session cookie with a same-origin EventSource. */
export function boardStreamUrl(q: BoardQuery): string {
  return `/api/flow/board/stream?locationId=${enc(q.locationId)}&date=${enc(q.date)}`;
}

export const flow = {
  // Background: watching the board must not keep an idle session alive (only actions do).
  board: (q: BoardQuery, signal?: AbortSignal) =>
    api<FlowBoard>("/api/flow/board", { query: { ...q }, signal, background: true }),
  step: (appointmentId: string, body: FlowStepRequest) =>
    api<unknown>(`/api/appointments/${enc(appointmentId)}/flow`, { method: "POST", body }),
  late: (body: { appointmentId: string; minutesLate: number }) =>
    api<ProposalsResponse>("/api/flow/late", { method: "POST", body }),
  replan: (body: BoardQuery & { overrun?: { appointmentId: string; expectedEnd?: string } }) =>
    api<ProposalsResponse>("/api/flow/replan", { method: "POST", body }),
  accept: (proposalId: string) =>
    api<AcceptResponse>(`/api/flow/proposals/${enc(proposalId)}/accept`, { method: "POST", body: {} }),
  overbooking: (q: BoardQuery, signal?: AbortSignal) =>
    api<{
      locationId: string;
      date: string;
      costs?: OverbookingCosts;
      suggestions: OverbookingSuggestion[];
    }>("/api/flow/overbooking", {
      query: { ...q },
      signal,
      background: true,
    }),
  settings: (signal?: AbortSignal) => api<FlowSettings>("/api/flow/settings", { signal }),
  saveSettings: (body: FlowSettings) => api<FlowSettings>("/api/flow/settings", { method: "PUT", body }),
};
