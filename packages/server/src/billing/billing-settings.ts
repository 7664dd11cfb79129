import { type BillingIdentity, billingIdentityMissing } from "@salus/core/billing/billing-identity";
import type { BillingSettingsTable } from "../db/schema-billing.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { BillingSettingsView } from "./price-schemas.ts";

/**
 * The practice's billing identity and X12 counters (one row per organization). Until the practice saves
 * it, the view is empty with `configured: false`; `missing` lists what claims and batches still need.
 * The 837P writer and the claim loader read the row through `loadBillingSettings` inside their own
 * transaction.
 */

export function presentBillingSettings(row: BillingSettingsTable | null): BillingSettingsView {
  const identity: BillingIdentity = {
    billingName: row?.billing_name ?? "",
    billingNpi: row?.billing_npi ?? null,
    taxId: row?.tax_id ?? null,
    taxonomy: row?.taxonomy ?? null,
    addressLine1: row?.address_line1 ?? null,
    city: row?.city ?? null,
    state: row?.state ?? null,
    postalCode: row?.postal_code ?? null,
    phone: row?.phone ?? null,
    submitterId: row?.submitter_id ?? null,
    submitterContactName: row?.submitter_contact_name ?? null,
    submitterContactEmail: row?.submitter_contact_email ?? null,
    receiverId: row?.receiver_id ?? null,
    receiverName: row?.receiver_name ?? null,
  };
  const missing = billingIdentityMissing(identity);
  if (!identity.billingName)
    missing.unshift({ path: "billingName", message: "The billing name is needed on every claim" });
  return {
    configured: row !== null,
    ...identity,
    addressLine2: row?.address_line2 ?? null,
    usageIndicator: row?.usage_indicator ?? "T",
    lastInterchangeControl: row?.last_interchange_control ?? 0,
    lastGroupControl: row?.last_group_control ?? 0,
    missing,
    updatedAt: row?.updated_at ?? null,
  };
}

/** The organization's billing settings row, or null before they are first saved. */
export async function loadBillingSettingsRow(trx: ScopedTrx): Promise<BillingSettingsTable | null> {
  return (await trx.selectFrom("billing_settings").selectAll().executeTakeFirst()) ?? null;
}

/** The organization's billing settings as the API shows them (empty, `configured: false`, before saved). */
export async function loadBillingSettings(trx: ScopedTrx): Promise<BillingSettingsView> {
  return presentBillingSettings(await loadBillingSettingsRow(trx));
}
