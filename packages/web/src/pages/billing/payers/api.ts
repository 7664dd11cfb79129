// Billing's prices API (packages/server/src/billing/price-routes.ts; shapes in billing/price-schemas.ts,
// re-exported by billing/schemas.ts): payers, fee schedules and their prices, billing settings.
import type {
  BillingSettingsRequest,
  BillingSettingsView,
  FeeEntriesView,
  FeeEntryRequest,
  FeeEntryView,
  FeeImportView,
  FeeSchedulePatchRequest,
  FeeScheduleRequest,
  FeeScheduleView,
  PayerChoiceView,
  PayerPatchRequest,
  PayerRequest,
  PayerView,
} from "@salus/server/billing/schemas";
import { api } from "../../../api/client.ts";

export type { BillingSettingsView, FeeEntryView, FeeImportView, FeeScheduleView, PayerChoiceView, PayerView };

export const prices = {
  payers: (includeInactive: boolean, signal?: AbortSignal) =>
    api<{ items: PayerView[] }>("/api/billing/payers", { query: { includeInactive }, signal }),
  payerChoices: (signal?: AbortSignal) =>
    api<{ items: PayerChoiceView[] }>("/api/billing/payer-choices", { signal }),
  createPayer: (body: PayerRequest) => api<PayerView>("/api/billing/payers", { method: "POST", body }),
  updatePayer: (id: string, body: PayerPatchRequest) =>
    api<PayerView>(`/api/billing/payers/${id}`, { method: "PATCH", body }),

  schedules: (signal?: AbortSignal) =>
    api<{ items: FeeScheduleView[] }>("/api/billing/fee-schedules", { signal }),
  schedule: (id: string, signal?: AbortSignal) =>
    api<FeeScheduleView>(`/api/billing/fee-schedules/${id}`, { signal }),
  createSchedule: (body: FeeScheduleRequest) =>
    api<FeeScheduleView>("/api/billing/fee-schedules", { method: "POST", body }),
  updateSchedule: (id: string, body: FeeSchedulePatchRequest) =>
    api<FeeScheduleView>(`/api/billing/fee-schedules/${id}`, { method: "PATCH", body }),
  entries: (id: string, query: { q?: string; limit: number; offset: number }, signal?: AbortSignal) =>
    api<FeeEntriesView>(`/api/billing/fee-schedules/${id}/entries`, { query, signal }),
  setEntry: (id: string, body: FeeEntryRequest) =>
    api<FeeEntryView>(`/api/billing/fee-schedules/${id}/entries`, { method: "POST", body }),
  deleteEntry: (id: string, procedureCode: string, modifier: string) =>
    api<void>(`/api/billing/fee-schedules/${id}/entries/${procedureCode}`, {
      method: "DELETE",
      query: { modifier },
    }),
  importCsv: (id: string, body: { csv: string; dryRun: boolean; version?: number }) =>
    api<FeeImportView>(`/api/billing/fee-schedules/${id}/import`, { method: "POST", body }),
  exportUrl: (id: string) => `/api/billing/fee-schedules/${id}/export.csv`,

  settings: (signal?: AbortSignal) => api<BillingSettingsView>("/api/billing/settings", { signal }),
  saveSettings: (body: BillingSettingsRequest) =>
    api<BillingSettingsView>("/api/billing/settings", { method: "PUT", body }),
};
