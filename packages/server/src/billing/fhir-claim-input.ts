import { DomainError, parseMoney } from "@salus/core";
import type {
  AdministrativeSex,
  PostalAddress,
  ProfessionalClaim,
  SubscriberRelationship,
} from "@salus/core/billing/claim-model";
import type { ScrubFinding } from "@salus/core/billing/scrubber/index";
import { NPI_SYSTEM } from "../fhir/fhir-resources.ts";

/**
 * A FHIR R4 Claim (professional) as the scrubber's ProfessionalClaim, for `Claim/$validate`. The
 * patient, coverage, payer (insurer), rendering practitioner (careTeam) and billing organization
 * (provider) are read from contained resources ("#id" references); a reference to anything else is
 * left empty, so the scrubber says what is missing instead of the request failing. ICD-10-CM codes come
 * with or without their dot. Money is read as decimal text into cents (a third decimal is refused).
 */

// biome-ignore lint/suspicious/noExplicitAny: FHIR JSON is walked defensively, element by element
type Json = any;

export const TAX_ID_SYSTEM = "urn:oid:2.16.840.1.113883.4.4";

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v : []);

function contained(claim: Json, ref: Json, type: string): Json | null {
  const reference = str(ref?.reference);
  if (!reference?.startsWith("#")) return null;
  const id = reference.slice(1);
  return arr(claim.contained).find((r) => r?.id === id && r?.resourceType === type) ?? null;
}

function identifier(resource: Json, system: string): string | null {
  return str(arr(resource?.identifier).find((i) => i?.system === system)?.value);
}

function firstCode(concept: Json): string | null {
  return str(arr(concept?.coding)[0]?.code) ?? str(concept?.text);
}

function address(a: Json): PostalAddress {
  return {
    line1: str(arr(a?.line)[0]),
    line2: str(arr(a?.line)[1]),
    city: str(a?.city),
    state: str(a?.state),
    postalCode: str(a?.postalCode),
  };
}

function name(resource: Json): { family: string | null; given: string | null } {
  const n = arr(resource?.name)[0];
  return { family: str(n?.family), given: str(arr(n?.given)[0]) };
}

const SEXES: readonly string[] = ["female", "male", "other", "unknown"];
const RELATIONSHIPS: Record<string, SubscriberRelationship> = {
  self: "18",
  spouse: "01",
  child: "19",
  other: "G8",
};

function cents(money: Json, path: string): number | null {
  const v = money?.value;
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new DomainError("invalid_request", `${path}.value must be a number.`, [
      { path, message: "is not a number" },
    ]);
  return parseMoney(String(v), path);
}

export interface FhirClaimInput {
  claim: ProfessionalClaim;
  /** The payer's electronic id, to find the practice's payer row (its settings, limits, patterns). */
  payerId: string | null;
}

/** Reads the claim; answers 400 only when the body is not a Claim at all or an amount is not money. */
export function claimFromFhir(resource: Json): FhirClaimInput {
  if (resource?.resourceType !== "Claim")
    throw new DomainError(
      "invalid_request",
      "Send a FHIR Claim (or a Parameters resource whose 'resource' is a Claim).",
      [{ path: "resourceType", message: "must be Claim" }],
    );
  const patient = contained(resource, resource.patient, "Patient");
  const insurance = arr(resource.insurance).find((i) => i?.focal === true) ?? arr(resource.insurance)[0];
  const coverage = contained(resource, insurance?.coverage, "Coverage");
  const insurer =
    contained(resource, resource.insurer, "Organization") ??
    contained(resource, arr(coverage?.payor)[0], "Organization");
  const billingOrg = contained(resource, resource.provider, "Organization");
  const careTeam = arr(resource.careTeam);
  const renderingRef = careTeam[0]?.provider ?? resource.provider;
  const practitioner = contained(resource, renderingRef, "Practitioner");
  const payerIdentifier = arr(insurer?.identifier).find(
    (i) => i?.system !== NPI_SYSTEM && i?.system !== TAX_ID_SYSTEM,
  );
  const gender = str(patient?.gender);
  const diagnoses = [...arr(resource.diagnosis)].sort((a, b) => (a?.sequence ?? 0) - (b?.sequence ?? 0));
  const seqToIndex = new Map<number, number>(diagnoses.map((d, i) => [Number(d?.sequence ?? i + 1), i + 1]));
  const lines = arr(resource.item).map((item, i) => {
    const net = cents(item?.net, `item[${i}].net`);
    const unit = cents(item?.unitPrice, `item[${i}].unitPrice`);
    const units = typeof item?.quantity?.value === "number" ? item.quantity.value : 1;
    return {
      lineNumber: typeof item?.sequence === "number" ? item.sequence : i + 1,
      procedureCode: firstCode(item?.productOrService) ?? "",
      modifiers: arr(item?.modifier).map((m) => firstCode(m) ?? ""),
      units,
      chargeCents: net ?? (unit !== null && Number.isInteger(units) ? unit * units : 0),
      // FHIR points by diagnosis sequence; the scrubber by position (1-based) in the diagnosis list.
      diagnosisPointers: arr(item?.diagnosisSequence).map((s) => seqToIndex.get(Number(s)) ?? Number(s)),
      serviceDate: str(item?.servicedDate) ?? str(item?.servicedPeriod?.start) ?? "",
      placeOfService: firstCode(item?.locationCodeableConcept),
    };
  });
  const total = cents(resource.total, "total");
  const relationship = RELATIONSHIPS[firstCode(coverage?.relationship) ?? "self"] ?? "G8";
  const period = coverage?.period;
  const claim: ProfessionalClaim = {
    id: null,
    patientControlNumber: str(arr(resource.identifier)[0]?.value) ?? "",
    frequency: "1",
    sequence: "primary",
    placeOfService: lines[0]?.placeOfService ?? null,
    totalChargeCents: total ?? lines.reduce((s, l) => s + l.chargeCents, 0),
    diagnosisCodes: diagnoses.map((d) => firstCode(d?.diagnosisCodeableConcept) ?? ""),
    billingProvider: {
      name: str(billingOrg?.name),
      npi: identifier(billingOrg, NPI_SYSTEM),
      taxId: identifier(billingOrg, TAX_ID_SYSTEM),
      address: address(arr(billingOrg?.address)[0]),
    },
    renderingProvider: { staffId: null, name: name(practitioner), npi: identifier(practitioner, NPI_SYSTEM) },
    patient: {
      id: null,
      name: name(patient),
      birthDate: str(patient?.birthDate),
      sex: gender && SEXES.includes(gender) ? (gender as AdministrativeSex) : null,
      address: address(arr(patient?.address)[0]),
    },
    subscriber: {
      memberId: str(coverage?.subscriberId) ?? str(arr(coverage?.identifier)[0]?.value),
      relationship,
      ...(relationship === "18"
        ? {
            name: name(patient),
            birthDate: str(patient?.birthDate),
            address: address(arr(patient?.address)[0]),
          }
        : {}),
    },
    payer: {
      ref: null,
      name: str(insurer?.name),
      payerId: str(payerIdentifier?.value),
      claimFilingIndicator: null,
    },
    coverage: coverage
      ? {
          effectiveFrom: str(period?.start)?.slice(0, 10) ?? null,
          effectiveTo: str(period?.end)?.slice(0, 10) ?? null,
          active: (str(coverage.status) ?? "active") === "active",
        }
      : null,
    lines,
  };
  return { claim, payerId: claim.payer.payerId };
}

const LINE_FIELDS: Record<string, string> = {
  procedureCode: "productOrService",
  modifiers: "modifier",
  units: "quantity",
  chargeCents: "net",
  diagnosisPointers: "diagnosisSequence",
  serviceDate: "servicedDate",
  placeOfService: "locationCodeableConcept",
};

/** The FHIRPath of a finding's field in the Claim (where the scrubber's path has a counterpart). */
export function fhirPathOf(path: string): string {
  const line = /^lines\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (line) return `Claim.item[${line[1]}]${line[2] ? `.${LINE_FIELDS[line[2]] ?? line[2]}` : ""}`;
  const dx = /^diagnosisCodes\[(\d+)\]$/.exec(path);
  if (dx) return `Claim.diagnosis[${dx[1]}].diagnosisCodeableConcept`;
  const top = path.split(".")[0] ?? path;
  const map: Record<string, string> = {
    diagnosisCodes: "Claim.diagnosis",
    totalChargeCents: "Claim.total",
    placeOfService: "Claim.item[0].locationCodeableConcept",
    patient: "Claim.patient",
    subscriber: "Claim.insurance[0].coverage",
    coverage: "Claim.insurance[0].coverage",
    payer: "Claim.insurer",
    billingProvider: "Claim.provider",
    renderingProvider: "Claim.careTeam[0].provider",
    lines: "Claim.item",
  };
  return map[top] ?? "Claim";
}

export const SCRUB_RULE_SYSTEM = "urn:salus:claim-scrub-rule";

/** The OperationOutcome of a scrub: one issue per finding, the rule id in details.coding. */
export function scrubOutcome(findings: readonly ScrubFinding[], titleOf: (id: string) => string) {
  return {
    resourceType: "OperationOutcome" as const,
    issue: findings.length
      ? findings.map((f) => ({
          severity: f.severity,
          code: "business-rule",
          details: {
            coding: [{ system: SCRUB_RULE_SYSTEM, code: f.ruleId, display: titleOf(f.ruleId) }],
            text: f.message,
          },
          expression: [fhirPathOf(f.path)],
        }))
      : [
          {
            severity: "information",
            code: "informational",
            details: { text: "The claim passed every scrubber rule." },
          },
        ],
  };
}
