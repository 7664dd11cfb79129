import type {
  AdministrativeSex,
  ClaimFrequency,
  PayerSequence,
  PostalAddress,
  ProfessionalClaim,
  SubscriberRelationship,
} from "@salus/core/billing/claim-model";
import type { ScopedTrx } from "../db/scoped.ts";

/** SQLite caps bound parameters per statement; ids are read in slices of this many. */
const SLICE = 500;

const RELATIONSHIP: Record<string, SubscriberRelationship> = {
  self: "18",
  spouse: "01",
  child: "19",
  other: "G8",
};

const SEXES: readonly string[] = ["female", "male", "other", "unknown"];

function sexOf(value: string | null | undefined): AdministrativeSex | null {
  return value && SEXES.includes(value) ? (value as AdministrativeSex) : null;
}

function parseList<T>(text: string | null | undefined): T[] {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as T[]) : [];
}

function slices<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += SLICE) out.push(items.slice(i, i + SLICE));
  return out;
}

function unique(values: readonly (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === "string" && v !== ""))];
}

async function byIds<R>(ids: readonly string[], read: (slice: string[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (const slice of slices(ids)) out.push(...(await read(slice)));
  return out;
}

/**
 * The pure `ProfessionalClaim` of each stored claim (what the scrubber checks and the 837P writer
 * writes), built from claims, claim_lines, patients, coverages, payers, staff_members, billing_settings,
 * the charges' encounters (self-pay restriction), the replaced claim (its payer claim number) and, for a
 * secondary claim, what the primary payer paid (payments posted on the primary claim). Ids not found in
 * the organization are simply absent from the map. The claim total is the sum of its lines (claims
 * store no total of their own, so the two cannot disagree in storage). A fixed number of queries per
 * 500 claims, whatever the number of lines.
 */
export async function loadProfessionalClaims(
  trx: ScopedTrx,
  claimIds: readonly string[],
): Promise<Map<string, ProfessionalClaim>> {
  const out = new Map<string, ProfessionalClaim>();
  const ids = unique(claimIds);
  if (ids.length === 0) return out;

  const claims = await byIds(ids, (s) => trx.selectFrom("claims").selectAll().where("id", "in", s).execute());
  if (claims.length === 0) return out;
  const found = claims.map((c) => c.id);

  const lines = await byIds(found, (s) =>
    trx
      .selectFrom("claim_lines")
      .selectAll()
      .where("claim_id", "in", s)
      .orderBy("claim_id")
      .orderBy("line_number")
      .execute(),
  );
  const linesOf = new Map<string, typeof lines>();
  for (const l of lines) {
    const list = linesOf.get(l.claim_id) ?? [];
    list.push(l);
    linesOf.set(l.claim_id, list);
  }

  const patients = new Map(
    (
      await byIds(unique(claims.map((c) => c.patient_id)), (s) =>
        trx
          .selectFrom("patients")
          .select([
            "id",
            "given_name",
            "family_name",
            "middle_name",
            "name_suffix",
            "date_of_birth",
            "sex",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
          ])
          .where("id", "in", s)
          .execute(),
      )
    ).map((p) => [p.id, p]),
  );
  const coverages = new Map(
    (
      await byIds(unique(claims.map((c) => c.coverage_id)), (s) =>
        trx.selectFrom("coverages").selectAll().where("id", "in", s).execute(),
      )
    ).map((c) => [c.id, c]),
  );
  const payers = new Map(
    (
      await byIds(unique(claims.map((c) => c.payer_ref)), (s) =>
        trx.selectFrom("payers").selectAll().where("id", "in", s).execute(),
      )
    ).map((p) => [p.id, p]),
  );
  const staff = new Map(
    (
      await byIds(unique(claims.map((c) => c.rendering_staff_id)), (s) =>
        trx
          .selectFrom("staff_members")
          .select(["id", "given_name", "family_name", "npi", "taxonomy"])
          .where("id", "in", s)
          .execute(),
      )
    ).map((m) => [m.id, m]),
  );
  const settings = await trx.selectFrom("billing_settings").selectAll().executeTakeFirst();

  // Self-pay restriction: any encounter behind the claim's charges marked self-pay.
  const selfPayCharges = new Set(
    (
      await byIds(unique(lines.map((l) => l.charge_id)), (s) =>
        trx
          .selectFrom("charges")
          .innerJoin("encounters", "encounters.id", "charges.encounter_id")
          .select("charges.id")
          .where("charges.id", "in", s)
          .where("encounters.self_pay", "=", 1)
          .execute(),
      )
    ).map((r) => r.id),
  );

  const originals = new Map(
    (
      await byIds(unique(claims.map((c) => c.original_claim_id)), (s) =>
        trx.selectFrom("claims").select(["id", "payer_claim_number"]).where("id", "in", s).execute(),
      )
    ).map((c) => [c.id, c.payer_claim_number]),
  );

  // What each primary paid: payments (negative amounts) posted on the primary claim, as a positive sum.
  const primaryIds = unique(claims.filter((c) => c.sequence !== "primary").map((c) => c.primary_claim_id));
  const primaryPaid = new Map<string, number>();
  for (const row of await byIds(primaryIds, (s) =>
    trx
      .selectFrom("ledger_entries")
      .select(["claim_id", "amount_cents"])
      .where("claim_id", "in", s)
      .where("kind", "=", "payment")
      .where("responsibility", "=", "payer")
      .execute(),
  )) {
    if (row.claim_id) primaryPaid.set(row.claim_id, (primaryPaid.get(row.claim_id) ?? 0) - row.amount_cents);
  }

  const billingAddress: PostalAddress = {
    line1: settings?.address_line1 ?? null,
    line2: settings?.address_line2 ?? null,
    city: settings?.city ?? null,
    state: settings?.state ?? null,
    postalCode: settings?.postal_code ?? null,
  };

  for (const claim of claims) {
    const patient = patients.get(claim.patient_id);
    const coverage = claim.coverage_id ? coverages.get(claim.coverage_id) : undefined;
    const payer = payers.get(claim.payer_ref);
    const rendering = staff.get(claim.rendering_staff_id);
    const claimLines = linesOf.get(claim.id) ?? [];
    const patientAddress: PostalAddress = {
      line1: patient?.address_line1 ?? null,
      line2: patient?.address_line2 ?? null,
      city: patient?.city ?? null,
      state: patient?.state ?? null,
      postalCode: patient?.postal_code ?? null,
    };
    const patientName = {
      family: patient?.family_name ?? null,
      given: patient?.given_name ?? null,
      middle: patient?.middle_name ?? null,
      suffix: patient?.name_suffix ?? null,
    };
    const relationship = RELATIONSHIP[coverage?.subscriber_relationship ?? "self"] ?? "G8";
    const self = relationship === "18";
    out.set(claim.id, {
      id: claim.id,
      patientControlNumber: claim.patient_control_number,
      frequency: claim.frequency_code as ClaimFrequency,
      originalPayerClaimNumber: claim.original_claim_id
        ? (originals.get(claim.original_claim_id) ?? null)
        : null,
      sequence: claim.sequence as PayerSequence,
      placeOfService: claim.place_of_service || null,
      totalChargeCents: claimLines.reduce((sum, l) => sum + l.charge_cents, 0),
      diagnosisCodes: parseList<string>(claim.diagnosis_codes),
      billingProvider: {
        name: settings?.billing_name ?? null,
        npi: settings?.billing_npi ?? null,
        taxId: settings?.tax_id ?? null,
        taxonomy: settings?.taxonomy ?? null,
        address: billingAddress,
        phone: settings?.phone ?? null,
      },
      renderingProvider: {
        staffId: claim.rendering_staff_id,
        name: { family: rendering?.family_name ?? null, given: rendering?.given_name ?? null },
        npi: rendering?.npi ?? null,
        taxonomy: rendering?.taxonomy ?? null,
      },
      patient: {
        id: claim.patient_id,
        name: patientName,
        birthDate: patient?.date_of_birth ?? null,
        sex: sexOf(patient?.sex),
        address: patientAddress,
      },
      subscriber: {
        memberId: coverage?.member_id || null,
        groupNumber: coverage?.group_id ?? null,
        relationship,
        name: self
          ? patientName
          : {
              family: coverage?.subscriber_family_name ?? null,
              given: coverage?.subscriber_given_name ?? null,
            },
        birthDate: self ? (patient?.date_of_birth ?? null) : (coverage?.subscriber_date_of_birth ?? null),
        sex: self ? sexOf(patient?.sex) : sexOf(coverage?.subscriber_sex),
        address: self
          ? patientAddress
          : {
              line1: coverage?.subscriber_address_line1 ?? null,
              city: coverage?.subscriber_city ?? null,
              state: coverage?.subscriber_state ?? null,
              postalCode: coverage?.subscriber_postal_code ?? null,
            },
      },
      payer: {
        ref: claim.payer_ref,
        name: payer?.name ?? null,
        payerId: payer?.payer_id ?? null,
        claimFilingIndicator: payer?.claim_filing_indicator ?? null,
        timelyFilingDays: payer?.timely_filing_days ?? null,
        memberIdPattern: payer?.member_id_pattern ?? null,
        address: payer
          ? {
              line1: payer.address_line1,
              line2: payer.address_line2,
              city: payer.city,
              state: payer.state,
              postalCode: payer.postal_code,
            }
          : null,
      },
      coverage: coverage
        ? {
            effectiveFrom: coverage.effective_from,
            effectiveTo: coverage.effective_to,
            active: coverage.status === "active",
          }
        : null,
      lines: claimLines.map((l) => ({
        lineNumber: l.line_number,
        procedureCode: l.procedure_code,
        modifiers: parseList<string>(l.modifiers),
        units: l.units,
        chargeCents: l.charge_cents,
        diagnosisPointers: parseList<number>(l.diagnosis_pointers),
        serviceDate: l.date_of_service,
        placeOfService: l.place_of_service,
      })),
      selfPayRestricted: claimLines.some((l) => selfPayCharges.has(l.charge_id)),
      primaryPaidCents:
        claim.sequence !== "primary" && claim.primary_claim_id
          ? (primaryPaid.get(claim.primary_claim_id) ?? 0)
          : null,
    });
  }
  return out;
}
