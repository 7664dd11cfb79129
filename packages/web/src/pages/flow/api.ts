// The day-of flow API (packages/server/src/flow/routes.ts; shapes in flow/schemas.ts): the board, its stream, the flow
// steps, late arrivals, re-plan proposals and the practice's flow settings. Kept beside the pages that use
// it so the flow slice's types live in one place.
import type {
  FlowBoardView,
  FlowSettingsView,
  FlowVisitView,
  OverbookingCostsView,
  OverbookingSuggestionView,
  OverbookingView,
} from "@salus/server/flow/schemas";
import { api } from "../../api/client.ts";

export type FlowStep = NonNullable<BoardVisit["flowStep"]>;

export type NoShowRisk = NonNullable<BoardVisit["noShowRisk"]>;

export type BoardVisit = FlowVisitView;

export type BoardPractitioner = FlowBoard["practitioners"][number];

export type WaitThresholds = FlowBoard["thresholds"];

export type FlowBoard = FlowBoardView;

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

export type FlowSettings = FlowSettingsView;

export type OverbookingSuggestion = OverbookingSuggestionView;

/** The minute values the suggestions weigh (the practice's flow settings), in cents. */
export type OverbookingCosts = OverbookingCostsView;

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
    api<OverbookingView>("/api/flow/overbooking", {
      query: { ...q },
      signal,
      background: true,
    }),
  settings: (signal?: AbortSignal) => api<FlowSettings>("/api/flow/settings", { signal }),
  saveSettings: (body: FlowSettings) => api<FlowSettings>("/api/flow/settings", { method: "PUT", body }),
};
