// Charges, claims, patient accounts and the biller's home (packages/server/src/billing/routes.ts;
// shapes in billing/ledger-schemas.ts, re-exported from billing/schemas.ts).
import type {
  AccountView,
  BillerHomeView,
  BuildClaimsView,
  CaptureView,
  ChargeEditRequest,
  ChargeView,
  ClaimEditRequest,
  ClaimListItemView,
  ClaimView,
  PeriodView,
  PostingRequest,
} from "@salus/server/billing/schemas";
import { api } from "../../../api/client.ts";

export type {
  AccountView,
  BillerHomeView,
  BuildClaimsView,
  CaptureView,
  ChargeEditRequest,
  ChargeView,
  ClaimEditRequest,
  ClaimListItemView,
  ClaimView,
  PeriodView,
  PostingRequest,
};

export const ledgerKeys = {
  all: ["billing"] as const,
  home: ["billing", "home"] as const,
  charges: (status: string) => ["billing", "charges", status] as const,
  claims: (status: string) => ["billing", "claims", status] as const,
  claim: (id: string) => ["billing", "claim", id] as const,
  account: (patientId: string) => ["billing", "account", patientId] as const,
  periods: ["billing", "periods"] as const,
};

const enc = encodeURIComponent;

export const ledger = {
  home: (signal?: AbortSignal) => api<BillerHomeView>("/api/billing/home", { signal }),
  charges: (status: string, signal?: AbortSignal) =>
    api<{ items: ChargeView[]; total: number; totalAmountCents: number }>("/api/billing/charges", {
      query: status ? { status, limit: "500" } : { limit: "500" },
      signal,
    }),
  capture: () => api<CaptureView>("/api/billing/charges/capture", { method: "POST", body: {} }),
  decide: (
    id: string,
    decision: "approve" | "hold" | "void",
    body: { version?: number; note?: string | null },
  ) => api<ChargeView>(`/api/billing/charges/${enc(id)}/${decision}`, { method: "POST", body }),
  approveMany: (ids: string[]) =>
    api<{ approved: number }>("/api/billing/charges/approve", { method: "POST", body: { ids } }),
  editCharge: (id: string, body: ChargeEditRequest) =>
    api<ChargeView>(`/api/billing/charges/${enc(id)}`, { method: "PATCH", body }),
  buildClaims: () => api<BuildClaimsView>("/api/billing/claims/build", { method: "POST", body: {} }),
  claims: (status: string, signal?: AbortSignal) =>
    api<{ items: ClaimListItemView[]; total: number }>("/api/billing/claims", {
      query: status ? { status, limit: "500" } : { limit: "500" },
      signal,
    }),
  claim: (id: string, signal?: AbortSignal) => api<ClaimView>(`/api/billing/claims/${enc(id)}`, { signal }),
  editClaim: (id: string, body: ClaimEditRequest) =>
    api<ClaimView>(`/api/billing/claims/${enc(id)}`, { method: "PATCH", body }),
  correct: (id: string, what: "replace" | "void" | "close", body: { version?: number; reason: string }) =>
    api<ClaimView>(`/api/billing/claims/${enc(id)}/${what}`, { method: "POST", body }),
  secondary: (id: string) =>
    api<ClaimView>(`/api/billing/claims/${enc(id)}/secondary`, { method: "POST", body: {} }),
  account: (patientId: string, signal?: AbortSignal) =>
    api<AccountView>(`/api/billing/accounts/${enc(patientId)}`, { signal }),
  post: (patientId: string, body: PostingRequest) =>
    api<AccountView>(`/api/billing/accounts/${enc(patientId)}/postings`, { method: "POST", body }),
  reverse: (patientId: string, transactionId: string) =>
    api<AccountView>(`/api/billing/accounts/${enc(patientId)}/reversals`, {
      method: "POST",
      body: { transactionId },
    }),
  periods: (signal?: AbortSignal) => api<{ items: PeriodView[] }>("/api/billing/periods", { signal }),
  closeMonth: (period: string) =>
    api<{ items: PeriodView[] }>("/api/billing/periods/close", { method: "POST", body: { period } }),
};

/** Words for charge and claim statuses, with a badge colour. */
export const CHARGE_STATUS: Record<ChargeView["status"], { label: string; color: string }> = {
  review: { label: "To review", color: "blue" },
  held: { label: "Held", color: "yellow" },
  approved: { label: "Approved", color: "teal" },
  claimed: { label: "On a claim", color: "gray" },
  void: { label: "Void", color: "red" },
};

export const CLAIM_STATUS: Record<ClaimView["status"], { label: string; color: string }> = {
  draft: { label: "Draft", color: "gray" },
  scrubbed: { label: "Has errors", color: "red" },
  ready: { label: "Ready", color: "teal" },
  submitted: { label: "Submitted", color: "blue" },
  accepted: { label: "Accepted", color: "indigo" },
  rejected: { label: "Rejected", color: "red" },
  paid: { label: "Paid", color: "green" },
  denied: { label: "Denied", color: "orange" },
  closed: { label: "Closed", color: "dark" },
};
