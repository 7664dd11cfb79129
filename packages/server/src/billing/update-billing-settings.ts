import { DomainError } from "@salus/core";
import { billingIdentityErrors } from "@salus/core/billing/billing-identity";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadBillingSettings } from "./billing-settings.ts";
import type { BillingSettingsView } from "./price-schemas.ts";

export interface BillingSettingsInput {
  billingName: string;
  billingNpi?: string | null | undefined;
  taxId?: string | null | undefined;
  taxonomy?: string | null | undefined;
  addressLine1?: string | null | undefined;
  addressLine2?: string | null | undefined;
  city?: string | null | undefined;
  state?: string | null | undefined;
  postalCode?: string | null | undefined;
  phone?: string | null | undefined;
  submitterId?: string | null | undefined;
  submitterContactName?: string | null | undefined;
  submitterContactEmail?: string | null | undefined;
  receiverId?: string | null | undefined;
  receiverName?: string | null | undefined;
  usageIndicator: "T" | "P";
}

/**
 * Saves the practice's billing identity (all fields at once, PUT). Wrong values (an NPI whose check digit
 * fails, a tax id that is not 9 digits...) are refused naming the field; missing ones are allowed and
 * listed in the answer's `missing`. The X12 control counters are never touched here: only a batch moves
 * them, so a settings change made while a batch is written cannot reuse a control number.
 */
export async function updateBillingSettings(
  services: Services,
  actor: Actor,
  input: BillingSettingsInput,
): Promise<BillingSettingsView> {
  const v = {
    billing_name: input.billingName.trim(),
    billing_npi: input.billingNpi ?? null,
    tax_id: input.taxId ?? null,
    taxonomy: input.taxonomy ? input.taxonomy.toUpperCase() : null,
    address_line1: input.addressLine1 ?? null,
    address_line2: input.addressLine2 ?? null,
    city: input.city ?? null,
    state: input.state ?? null,
    postal_code: input.postalCode ?? null,
    phone: input.phone ?? null,
    submitter_id: input.submitterId ?? null,
    submitter_contact_name: input.submitterContactName ?? null,
    submitter_contact_email: input.submitterContactEmail ?? null,
    receiver_id: input.receiverId ?? null,
    receiver_name: input.receiverName ?? null,
    usage_indicator: input.usageIndicator,
  };
  const errors = billingIdentityErrors({
    billingName: v.billing_name,
    billingNpi: v.billing_npi,
    taxId: v.tax_id,
    taxonomy: v.taxonomy,
    addressLine1: v.address_line1,
    city: v.city,
    state: v.state,
    postalCode: v.postal_code,
    phone: v.phone,
    submitterId: v.submitter_id,
    submitterContactName: v.submitter_contact_name,
    submitterContactEmail: v.submitter_contact_email,
    receiverId: v.receiver_id,
    receiverName: v.receiver_name,
  });
  if (errors.length)
    throw new DomainError(
      "invalid_request",
      `The billing settings were not saved: ${errors.map((e) => `${e.path} ${e.message}`).join("; ")}.`,
      errors,
    );
  return audited(
    services,
    actor,
    {
      action: "billing.settings.update",
      resourceType: "BillingSettings",
      detail: { usageIndicator: v.usage_indicator },
    },
    async (trx) => {
      const values = { ...v, updated_at: services.clock().toISOString() };
      await trx
        .insertInto("billing_settings")
        .values({
          organization_id: actor.organizationId,
          ...values,
          last_interchange_control: 0,
          last_group_control: 0,
        })
        .onConflict((oc) => oc.column("organization_id").doUpdateSet(values))
        .execute();
      return loadBillingSettings(trx);
    },
  );
}
