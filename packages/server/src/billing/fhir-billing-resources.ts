import type {
  CapabilityStatementRestResource,
  ChargeItem,
  Claim,
  ClaimItem,
  CodeableConcept,
  Extension,
  Meta,
  Money,
  Organization,
} from "@medplum/fhirtypes";
import { DomainError, isPlainDate } from "@salus/core";
import type { ChargesTable, ClaimLinesTable, ClaimsTable, PayersTable } from "../db/schema-billing.ts";
import { CPT_SYSTEM, HCPCS_SYSTEM, ICD10CM_SYSTEM } from "../fhir/fhir-records.ts";

/**
 * FHIR R4 presenters for billing (issue 13 item 8): a claim as `Claim`, a charge as `ChargeItem`, a payer
 * as `Organization` of type `pay`. Pure: the rows come from read-fhir-billing.ts, which has already
 * decided what the caller may see. Every element filled is named here; money is integer cents turned
 * into a decimal only at this edge.
 *
 * Mapping decisions (docs/fhir.md, "Billing"):
 * - Claim.provider is the practice, the billing provider of the 837P (loop 2010AA); the rendering
 *   practitioner (loop 2310B) is careTeam[0] (role primary). The same reading as Claim/$validate
 *   (fhir-claim-input.ts), so a Claim means the same going in and coming out.
 * - Claim.status is the FHIR financial status: draft, scrubbed and ready are `draft`; a claim that has
 *   left (submitted and after) is `active`; one whose void (frequency 8) has been sent is `cancelled`.
 *   Salus's own workflow status and the frequency code are extensions.
 * - ChargeItem.priceOverride carries the charge's total (the fee schedule's price × units: Salus has
 *   no ChargeItemDefinition); the unit price is an extension.
 */
export const CLAIM_STATUS_EXTENSION = "urn:salus:fhir:claim-status";
export const CLAIM_FREQUENCY_EXTENSION = "urn:salus:fhir:claim-frequency";
export const CHARGE_STATUS_EXTENSION = "urn:salus:fhir:charge-status";
export const UNIT_PRICE_EXTENSION = "urn:salus:fhir:unit-price";
export const MODIFIER_EXTENSION = "urn:salus:fhir:procedure-modifier";
export const PLACE_OF_SERVICE_EXTENSION = "urn:salus:fhir:place-of-service";
export const CHARGE_CLAIM_EXTENSION = "urn:salus:fhir:claim";
export const PCN_SYSTEM = "urn:salus:patient-control-number";
export const PAYER_CLAIM_NUMBER_SYSTEM = "urn:salus:payer-claim-number";
export const CHARGE_SOURCE_SYSTEM = "urn:salus:charge-source";
/** The same system the records Coverage presenter uses for coverages.payer_id. */
export const PAYER_ID_SYSTEM = "urn:salus:payer-id";
export const FEE_CODE_SYSTEM = "urn:salus:fee-code";
export const POS_SYSTEM =
  "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";
export const ORGANIZATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/organization-type";
export const CLAIM_FILING_EXTENSION = "urn:salus:fhir:claim-filing-indicator";

const RESTRICTED: Meta["security"] = [
  { system: "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", code: "R", display: "restricted" },
];

export type FhirClaimStatus = "active" | "cancelled" | "draft" | "entered-in-error";
export const FHIR_CLAIM_STATUSES: readonly FhirClaimStatus[] = [
  "active",
  "cancelled",
  "draft",
  "entered-in-error",
];
/** Salus claim statuses that are `draft` in FHIR (the claim has not left the practice). */
export const DRAFT_CLAIM_STATUSES: readonly ClaimsTable["status"][] = ["draft", "scrubbed", "ready"];
/** Statuses of a void claim (frequency 8) that mean the void has gone out: its original is cancelled. */
export const SENT_CLAIM_STATUSES: readonly ClaimsTable["status"][] = [
  "submitted",
  "accepted",
  "paid",
  "closed",
];

export function fhirClaimStatus(status: ClaimsTable["status"], voided: boolean): FhirClaimStatus {
  if (DRAFT_CLAIM_STATUSES.includes(status)) return "draft";
  return voided ? "cancelled" : "active";
}

export type FhirChargeStatus = ChargeItem["status"];
/** review and held are not billable yet (held: set aside by the biller), void was aborted. */
export const CHARGE_STATUS: Record<ChargesTable["status"], NonNullable<FhirChargeStatus>> = {
  review: "planned",
  held: "not-billable",
  approved: "billable",
  claimed: "billed",
  void: "aborted",
};

export function money(cents: number): Money {
  return { value: cents / 100, currency: "USD" };
}

function jsonList<T>(text: string | null): T[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
}

function procedureSystem(codeSystem: ChargesTable["code_system"] | null, code: string): string {
  if (codeSystem === "cpt") return CPT_SYSTEM;
  if (codeSystem === "hcpcs") return HCPCS_SYSTEM;
  if (codeSystem === "fee") return FEE_CODE_SYSTEM;
  // Unknown source: a CPT code is five digits or four digits and a letter; HCPCS Level II a letter first.
  return /^[A-Z]/.test(code) ? HCPCS_SYSTEM : CPT_SYSTEM;
}

/** Numeric modifiers are CPT's (25, 59), letters are HCPCS Level II (GT, LT). */
function modifierConcept(m: string): CodeableConcept {
  return { coding: [{ system: /^\d+$/.test(m) ? CPT_SYSTEM : HCPCS_SYSTEM, code: m }] };
}

function posConcept(code: string): CodeableConcept {
  return { coding: [{ system: POS_SYSTEM, code }] };
}

const SEQUENCE_NUMBER: Record<ClaimsTable["sequence"], number> = { primary: 1, secondary: 2, tertiary: 3 };

export type ClaimRow = Pick<
  ClaimsTable,
  | "id"
  | "patient_control_number"
  | "patient_id"
  | "payer_ref"
  | "coverage_id"
  | "sequence"
  | "rendering_staff_id"
  | "location_id"
  | "date_of_service"
  | "place_of_service"
  | "frequency_code"
  | "original_claim_id"
  | "payer_claim_number"
  | "diagnosis_codes"
  | "status"
  | "version"
  | "created_at"
  | "updated_at"
>;

export interface ClaimFacts {
  organizationId: string;
  /** billing_settings.billing_name, else null. */
  billingName: string | null;
  payerName: string | null;
  practitionerName: string | null;
  /** A void (frequency 8) of this claim has been sent. */
  voided: boolean;
  /** A line comes from a restricted (sensitive) visit. */
  sensitive: boolean;
  lines: (Pick<
    ClaimLinesTable,
    | "line_number"
    | "procedure_code"
    | "modifiers"
    | "units"
    | "charge_cents"
    | "diagnosis_pointers"
    | "date_of_service"
    | "place_of_service"
  > & { code_system: ChargesTable["code_system"] | null; unit_price_cents: number | null })[];
}

export function toClaim(c: ClaimRow, f: ClaimFacts): Claim {
  const practitioner = {
    reference: `Practitioner/${c.rendering_staff_id}`,
    ...(f.practitionerName ? { display: f.practitionerName } : {}),
  };
  const diagnoses = jsonList<string>(c.diagnosis_codes);
  const lines = [...f.lines].sort((a, b) => a.line_number - b.line_number);
  const total = lines.reduce((sum, l) => sum + l.charge_cents, 0);
  const extension: Extension[] = [
    { url: CLAIM_STATUS_EXTENSION, valueCode: c.status },
    { url: CLAIM_FREQUENCY_EXTENSION, valueCode: c.frequency_code },
  ];
  const items: ClaimItem[] = lines.map((l) => {
    const modifiers = jsonList<string>(l.modifiers);
    const pointers = jsonList<number>(l.diagnosis_pointers).filter(
      (n) => Number.isInteger(n) && n >= 1 && n <= diagnoses.length,
    );
    const pos = l.place_of_service ?? c.place_of_service;
    return {
      sequence: l.line_number,
      careTeamSequence: [1],
      ...(pointers.length ? { diagnosisSequence: pointers } : {}),
      productOrService: {
        coding: [{ system: procedureSystem(l.code_system, l.procedure_code), code: l.procedure_code }],
      },
      ...(modifiers.length ? { modifier: modifiers.map(modifierConcept) } : {}),
      servicedDate: l.date_of_service,
      ...(pos ? { locationCodeableConcept: posConcept(pos) } : {}),
      quantity: { value: l.units },
      ...(l.unit_price_cents !== null ? { unitPrice: money(l.unit_price_cents) } : {}),
      net: money(l.charge_cents),
    };
  });
  return {
    resourceType: "Claim",
    id: c.id,
    meta: {
      versionId: String(c.version),
      lastUpdated: c.updated_at,
      ...(f.sensitive ? { security: RESTRICTED } : {}),
    },
    extension,
    identifier: [
      { system: PCN_SYSTEM, value: c.patient_control_number },
      ...(c.payer_claim_number ? [{ system: PAYER_CLAIM_NUMBER_SYSTEM, value: c.payer_claim_number }] : []),
    ],
    status: fhirClaimStatus(c.status, f.voided),
    type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/claim-type", code: "professional" }] },
    use: "claim",
    patient: { reference: `Patient/${c.patient_id}` },
    billablePeriod: { start: c.date_of_service, end: c.date_of_service },
    created: c.created_at,
    insurer: { reference: `Organization/${c.payer_ref}`, ...(f.payerName ? { display: f.payerName } : {}) },
    provider: {
      reference: `Organization/${f.organizationId}`,
      ...(f.billingName ? { display: f.billingName } : {}),
    },
    priority: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/processpriority", code: "normal" }],
    },
    ...(c.original_claim_id
      ? {
          related: [
            {
              claim: { reference: `Claim/${c.original_claim_id}` },
              relationship: {
                coding: [
                  {
                    system: "http://terminology.hl7.org/CodeSystem/related-claim-relationship",
                    code: "prior",
                  },
                ],
              },
            },
          ],
        }
      : {}),
    careTeam: [
      {
        sequence: 1,
        provider: practitioner,
        responsible: true,
        role: {
          coding: [{ system: "http://terminology.hl7.org/CodeSystem/claimcareteamrole", code: "primary" }],
        },
      },
    ],
    ...(c.location_id ? { facility: { reference: `Location/${c.location_id}` } } : {}),
    ...(diagnoses.length
      ? {
          diagnosis: diagnoses.map((code, i) => ({
            sequence: i + 1,
            diagnosisCodeableConcept: { coding: [{ system: ICD10CM_SYSTEM, code }] },
          })),
        }
      : {}),
    insurance: [
      {
        sequence: SEQUENCE_NUMBER[c.sequence] ?? 1,
        focal: true,
        coverage: c.coverage_id
          ? { reference: `Coverage/${c.coverage_id}` }
          : { display: f.payerName ?? "coverage not recorded" },
      },
    ],
    ...(items.length ? { item: items } : {}),
    total: money(total),
  };
}

export type ChargeRow = Pick<
  ChargesTable,
  | "id"
  | "source_key"
  | "source"
  | "patient_id"
  | "encounter_id"
  | "rendering_staff_id"
  | "date_of_service"
  | "place_of_service"
  | "code_system"
  | "procedure_code"
  | "modifiers"
  | "units"
  | "diagnosis_codes"
  | "diagnosis_pointers"
  | "unit_price_cents"
  | "amount_cents"
  | "status"
  | "claim_id"
  | "version"
  | "created_at"
  | "updated_at"
>;

/** The records slice's Procedure id for an encounter's procedure line (fhir/fhir-records.ts#procedureId). */
function procedureOf(c: ChargeRow): string | null {
  const m = /^encounter:([^:]+):(\d+)$/.exec(c.source_key);
  return c.encounter_id && m && m[1] === c.encounter_id ? `${c.encounter_id}-px${m[2]}` : null;
}

export function toChargeItem(
  c: ChargeRow,
  f: { organizationId: string; practitionerName: string | null; sensitive: boolean },
): ChargeItem {
  const codes = jsonList<string>(c.diagnosis_codes);
  const reasons = jsonList<number>(c.diagnosis_pointers)
    .map((n) => codes[n - 1])
    .filter((code): code is string => typeof code === "string");
  const modifiers = jsonList<string>(c.modifiers);
  const procedure = procedureOf(c);
  const extension: Extension[] = [
    { url: CHARGE_STATUS_EXTENSION, valueCode: c.status },
    { url: UNIT_PRICE_EXTENSION, valueMoney: money(c.unit_price_cents) },
    ...modifiers.map((m) => ({ url: MODIFIER_EXTENSION, valueCoding: modifierConcept(m).coding![0]! })),
    ...(c.place_of_service
      ? [{ url: PLACE_OF_SERVICE_EXTENSION, valueCoding: { system: POS_SYSTEM, code: c.place_of_service } }]
      : []),
    ...(c.claim_id
      ? [{ url: CHARGE_CLAIM_EXTENSION, valueReference: { reference: `Claim/${c.claim_id}` } }]
      : []),
  ];
  return {
    resourceType: "ChargeItem",
    id: c.id,
    meta: {
      versionId: String(c.version),
      lastUpdated: c.updated_at,
      ...(f.sensitive ? { security: RESTRICTED } : {}),
    },
    extension,
    identifier: [{ system: CHARGE_SOURCE_SYSTEM, value: c.source_key }],
    status: CHARGE_STATUS[c.status] ?? "unknown",
    code: {
      coding: [{ system: procedureSystem(c.code_system, c.procedure_code), code: c.procedure_code }],
      ...(c.source === "no-show" ? { text: "No-show fee" } : {}),
    },
    subject: { reference: `Patient/${c.patient_id}` },
    ...(c.encounter_id ? { context: { reference: `Encounter/${c.encounter_id}` } } : {}),
    occurrenceDateTime: c.date_of_service,
    ...(c.rendering_staff_id
      ? {
          performer: [
            {
              actor: {
                reference: `Practitioner/${c.rendering_staff_id}`,
                ...(f.practitionerName ? { display: f.practitionerName } : {}),
              },
            },
          ],
        }
      : {}),
    performingOrganization: { reference: `Organization/${f.organizationId}` },
    quantity: { value: c.units },
    priceOverride: money(c.amount_cents),
    enteredDate: c.created_at,
    ...(reasons.length
      ? { reason: reasons.map((code) => ({ coding: [{ system: ICD10CM_SYSTEM, code }] })) }
      : {}),
    ...(procedure ? { service: [{ reference: `Procedure/${procedure}` }] } : {}),
  };
}

export type PayerRow = Pick<
  PayersTable,
  | "id"
  | "name"
  | "payer_id"
  | "claim_filing_indicator"
  | "address_line1"
  | "address_line2"
  | "city"
  | "state"
  | "postal_code"
  | "phone"
  | "active"
  | "version"
  | "updated_at"
>;

export const PAYER_TYPE: CodeableConcept = {
  coding: [{ system: ORGANIZATION_TYPE_SYSTEM, code: "pay", display: "Payer" }],
};

export function toPayerOrganization(p: PayerRow): Organization {
  const line = [p.address_line1, p.address_line2].filter((x): x is string => !!x);
  const hasAddress = line.length > 0 || p.city || p.state || p.postal_code;
  return {
    resourceType: "Organization",
    id: p.id,
    meta: { versionId: String(p.version), lastUpdated: p.updated_at },
    extension: [{ url: CLAIM_FILING_EXTENSION, valueCode: p.claim_filing_indicator }],
    ...(p.payer_id ? { identifier: [{ system: PAYER_ID_SYSTEM, value: p.payer_id }] } : {}),
    active: p.active === 1 || (p.active as unknown) === true,
    type: [PAYER_TYPE],
    name: p.name,
    ...(p.phone ? { telecom: [{ system: "phone" as const, value: p.phone }] } : {}),
    ...(hasAddress
      ? {
          address: [
            {
              ...(line.length ? { line } : {}),
              ...(p.city ? { city: p.city } : {}),
              ...(p.state ? { state: p.state } : {}),
              ...(p.postal_code ? { postalCode: p.postal_code } : {}),
            },
          ],
        }
      : {}),
  };
}

/** The CapabilityStatement entries for what this slice serves (only what is built). */
export function billingCapabilityResources(): CapabilityStatementRestResource[] {
  const read = [{ code: "read" as const }, { code: "search-type" as const }];
  return [
    {
      type: "Claim",
      interaction: read,
      // Served by the scrubber (fhir-billing-routes.ts); listed here so Claim has one entry.
      operation: [
        {
          name: "validate",
          definition: "http://hl7.org/fhir/OperationDefinition/Resource-validate",
          documentation:
            "POST Claim/$validate (billing:write): a professional Claim with contained Patient, Coverage, payer and billing Organization and Practitioner (or Parameters with it as resource), scrubbed with the practice's rules; an OperationOutcome with one issue per finding, the rule id in details.coding.",
        },
      ],
      documentation:
        "Claims as built by Salus billing (billing:read; a caller sees only the claims of patients whose codes they may see, so a manager sees none). provider is the practice (the billing provider), careTeam[0] the rendering practitioner; status is draft until the claim is sent, cancelled once its void is sent; the Salus workflow status is the extension urn:salus:fhir:claim-status. Claims of restricted visits carry meta.security R. Sorted newest first.",
      searchParam: [
        { name: "_id", type: "token" },
        { name: "patient", type: "reference", documentation: "Patient/{id}" },
        {
          name: "status",
          type: "token",
          documentation: "active, cancelled, draft or entered-in-error; comma-separated for several",
        },
        {
          name: "created",
          type: "date",
          documentation: "eq, ge, gt, le, lt; a value without offset is in the practice's zone",
        },
        {
          name: "provider",
          type: "reference",
          documentation:
            "Organization/{id} of the practice (Claim.provider: every claim), or Practitioner/{id}: the claims that practitioner rendered (as care-team)",
        },
        {
          name: "care-team",
          type: "reference",
          documentation: "Practitioner/{id}: the rendering practitioner (careTeam[0])",
        },
        { name: "insurer", type: "reference", documentation: "Organization/{id} of a payer" },
        { name: "identifier", type: "token", documentation: `${PCN_SYSTEM}|{patient control number}` },
      ],
    },
    {
      type: "ChargeItem",
      interaction: read,
      documentation:
        "Charges captured from signed visits and no-show fees (billing:read, the same patients as Claim). priceOverride is the charge's total; the unit price, modifiers, place of service, the claim and the Salus charge status are extensions. Sorted by date of service, newest first.",
      searchParam: [
        { name: "_id", type: "token" },
        { name: "patient", type: "reference", documentation: "Patient/{id}" },
        { name: "subject", type: "reference", documentation: "Patient/{id} (same as patient)" },
        { name: "context", type: "reference", documentation: "Encounter/{id}" },
        {
          name: "occurrence",
          type: "date",
          documentation: "the date of service; eq, ge, gt, le, lt",
        },
      ],
    },
  ];
}

function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", message, [{ path, message }]);
}

function utcDate(y: number, m: number, d: number): string {
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}

/** Dates of service (plain dates): YYYY, YYYY-MM or YYYY-MM-DD with eq, ge, gt, le or lt → [from, to). */
export function plainDateBounds(param: string, values: string[]): { from?: string; to?: string } {
  let from: string | undefined;
  let to: string | undefined;
  for (const raw of values) {
    const m = /^(eq|ge|gt|le|lt)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(raw);
    const y = Number(m?.[2]);
    const mo = m?.[3] ? Number(m[3]) : 1;
    const d = m?.[4] ? Number(m[4]) : 1;
    const start = m ? `${m[2]}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}` : "";
    if (!m || !isPlainDate(start))
      throw invalid(
        param,
        `${param} must be [eq|ge|gt|le|lt] and a date YYYY, YYYY-MM or YYYY-MM-DD (got "${raw}").`,
      );
    const end = m[4] ? utcDate(y, mo, d + 1) : m[3] ? utcDate(y, mo + 1, 1) : utcDate(y + 1, 1, 1);
    const prefix = m[1] ?? "eq";
    const lower = (v: string) => {
      from = from === undefined || v > from ? v : from;
    };
    const upper = (v: string) => {
      to = to === undefined || v < to ? v : to;
    };
    if (prefix === "eq") {
      lower(start);
      upper(end);
    } else if (prefix === "ge") lower(start);
    else if (prefix === "gt") lower(end);
    else if (prefix === "le") upper(end);
    else upper(start);
  }
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
