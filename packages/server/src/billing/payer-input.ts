import { DomainError } from "@salus/core";
import { type PayerKindCode, payerProblems } from "@salus/core/billing/payers";

/** A payer as a use case receives it (from the API, the CLI or the demo seed). */
export interface PayerInput {
  name: string;
  payerId?: string | null | undefined;
  kind: PayerKindCode;
  claimFilingIndicator: string;
  timelyFilingDays: number;
  memberIdPattern?: string | null | undefined;
  addressLine1?: string | null | undefined;
  addressLine2?: string | null | undefined;
  city?: string | null | undefined;
  state?: string | null | undefined;
  postalCode?: string | null | undefined;
  phone?: string | null | undefined;
}

/** The payer's columns, after core's rules accept it (else `invalid_request` naming each field). */
export function payerColumns(p: PayerInput) {
  const columns = {
    name: p.name.trim(),
    payer_id: p.payerId?.trim() || null,
    kind: p.kind,
    claim_filing_indicator: p.claimFilingIndicator,
    timely_filing_days: p.timelyFilingDays,
    member_id_pattern: p.memberIdPattern?.trim() || null,
    address_line1: p.addressLine1 ?? null,
    address_line2: p.addressLine2 ?? null,
    city: p.city ?? null,
    state: p.state ?? null,
    postal_code: p.postalCode ?? null,
    phone: p.phone ?? null,
  };
  const problems = payerProblems({
    name: columns.name,
    payerId: columns.payer_id,
    kind: columns.kind,
    claimFilingIndicator: columns.claim_filing_indicator,
    timelyFilingDays: columns.timely_filing_days,
    memberIdPattern: columns.member_id_pattern,
  });
  if (problems.length)
    throw new DomainError(
      "invalid_request",
      `The payer was not saved: ${problems.map((d) => `${d.path} ${d.message}`).join("; ")}.`,
      problems,
    );
  return columns;
}
