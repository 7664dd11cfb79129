import { randomBytes, randomUUID } from "node:crypto";
import { DomainError } from "@salus/core";
import { bucketBalance, type LedgerAccount } from "@salus/core/billing/ledger";
import { audited } from "../audit/audited.ts";
import type { ChargesTable, ClaimsTable } from "../db/schema-billing.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { billableCoverageOn, DEFAULT_PLACE_OF_SERVICE } from "./capture-charges.ts";
import { moverSource } from "./claim-transitions.ts";
import { claimLineAccount, entriesOfCharges, postLedgerIn } from "./ledger-posting.ts";
import type { BuildClaimsView } from "./ledger-schemas.ts";

/** 837P allows at most 50 service lines per claim (loop 2400); a larger visit becomes several claims. */
export const MAX_CLAIM_LINES = 50;
/** HI holds at most twelve diagnosis codes. */
export const MAX_CLAIM_DIAGNOSES = 12;

const PCN_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/**
 * A new patient control number (CLM01): 'S' + the date of service as YYMMDD + '-' + six random
 * characters, 14 in all (at most 20 allowed). The unique constraint refuses the (1 in 10^9 per day)
 * collision rather than sending two claims under one number.
 */
export function newPatientControlNumber(dateOfService: string): string {
  const bytes = randomBytes(6);
  let tail = "";
  for (const b of bytes) tail += PCN_ALPHABET[b % PCN_ALPHABET.length];
  return `S${dateOfService.slice(2, 4)}${dateOfService.slice(5, 7)}${dateOfService.slice(8, 10)}-${tail}`;
}

/**
 * The claim's diagnosis list (HI) and each line's pointers into it: the codes of the lines' visits in
 * their order, without repeats, at most twelve; a line's pointer into its own visit's codes is
 * rewritten to the code's place in the claim's list. A pointer that points nowhere in its visit is kept
 * as it is, so the scrubber reports it instead of the claim quietly pointing elsewhere.
 */
export function claimDiagnoses(
  charges: readonly { diagnosisCodes: readonly string[]; pointers: readonly number[] }[],
): { codes: string[]; pointers: number[][] } {
  const codes: string[] = [];
  for (const c of charges) {
    for (const p of c.pointers) {
      const code = c.diagnosisCodes[p - 1];
      if (code && !codes.includes(code) && codes.length < MAX_CLAIM_DIAGNOSES) codes.push(code);
    }
  }
  const pointers = charges.map((c) =>
    c.pointers.map((p) => {
      const code = c.diagnosisCodes[p - 1];
      if (!code) return p;
      const at = codes.indexOf(code);
      return at >= 0 ? at + 1 : p;
    }),
  );
  return { codes, pointers };
}

/** The unclaimed payer account holding a charge's balance (where approval posted it). */
export async function unclaimedAccountOf(
  trx: ScopedTrx,
  chargeId: string,
): Promise<{ account: LedgerAccount; balance: number } | null> {
  const entries = await entriesOfCharges(trx, [chargeId]);
  const refs = [
    ...new Set(
      entries.filter((e) => e.responsibility === "payer" && e.claimId === null).map((e) => e.payerRef),
    ),
  ];
  for (const ref of refs) {
    const account: LedgerAccount = { responsibility: "payer", payerRef: ref, claimId: null, claimLine: null };
    const balance = bucketBalance(entries, chargeId, account);
    if (balance > 0) return { account, balance };
  }
  return null;
}

export interface NewClaim {
  patientId: string;
  payerRef: string;
  coverageId: string | null;
  sequence: ClaimsTable["sequence"];
  primaryClaimId: string | null;
  renderingStaffId: string;
  locationId: string | null;
  dateOfService: string;
  placeOfService: string;
  frequencyCode: ClaimsTable["frequency_code"];
  originalClaimId: string | null;
  diagnosisCodes: readonly string[];
  lines: {
    chargeId: string;
    procedureCode: string;
    modifiers: string;
    units: number;
    chargeCents: number;
    diagnosisPointers: readonly number[];
    dateOfService: string;
    placeOfService: string | null;
  }[];
  reason: string;
}

/** Writes a draft claim, its lines and its first history row; answers its id and control number. */
export async function insertClaim(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  c: NewClaim,
): Promise<{ id: string; patientControlNumber: string }> {
  const id = randomUUID();
  const pcn = newPatientControlNumber(c.dateOfService);
  const at = services.clock().toISOString();
  await trx
    .insertInto("claims")
    .values({
      organization_id: actor.organizationId,
      id,
      patient_control_number: pcn,
      patient_id: c.patientId,
      payer_ref: c.payerRef,
      coverage_id: c.coverageId,
      sequence: c.sequence,
      primary_claim_id: c.primaryClaimId,
      rendering_staff_id: c.renderingStaffId,
      location_id: c.locationId,
      date_of_service: c.dateOfService,
      place_of_service: c.placeOfService,
      frequency_code: c.frequencyCode,
      original_claim_id: c.originalClaimId,
      payer_claim_number: null,
      diagnosis_codes: JSON.stringify(c.diagnosisCodes),
      status: "draft",
      scrub_findings: null,
      scrubbed_at: null,
      scrub_count: 0,
      first_scrub_clean: null,
      batch_id: null,
      submitted_at: null,
      created_by: actor.userId ?? actor.label,
      version: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  for (const [i, l] of c.lines.entries()) {
    await trx
      .insertInto("claim_lines")
      .values({
        organization_id: actor.organizationId,
        claim_id: id,
        line_number: i + 1,
        charge_id: l.chargeId,
        procedure_code: l.procedureCode,
        modifiers: l.modifiers,
        units: l.units,
        charge_cents: l.chargeCents,
        diagnosis_pointers: JSON.stringify(l.diagnosisPointers),
        date_of_service: l.dateOfService,
        place_of_service: l.placeOfService,
      })
      .execute();
  }
  await trx
    .insertInto("claim_transitions")
    .values({
      organization_id: actor.organizationId,
      id: randomUUID(),
      claim_id: id,
      from_status: null,
      to_status: "draft",
      reason: c.reason,
      source: moverSource(actor),
      at,
    })
    .execute();
  return { id, patientControlNumber: pcn };
}

/**
 * Builds draft claims from approved insurance charges: one claim per patient, date of service,
 * rendering practitioner and payer (the patient's primary coverage on that date), at most 50 lines
 * each. Each line's balance moves on the ledger from the payer's unclaimed account onto the claim line,
 * and its charge becomes claimed. Charges that cannot be claimed are left approved and listed with why.
 */
export async function buildClaimsIn(
  trx: ScopedTrx,
  services: Services,
  actor: Actor,
  options: { chargeIds?: readonly string[] } = {},
): Promise<BuildClaimsView> {
  let q = trx
    .selectFrom("charges")
    .selectAll()
    .where("status", "=", "approved")
    .where("responsibility", "=", "insurance")
    .where("source", "=", "encounter");
  if (options.chargeIds) {
    if (options.chargeIds.length === 0) return { created: 0, claimIds: [], skipped: [] };
    q = q.where("id", "in", [...options.chargeIds]);
  }
  const charges = await q.orderBy("date_of_service").orderBy("patient_id").orderBy("source_key").execute();
  const skipped: BuildClaimsView["skipped"] = [];
  const groups = new Map<
    string,
    { coverage: { coverageId: string; payerRef: string }; charges: ChargesTable[] }
  >();
  for (const c of charges) {
    if (!c.rendering_staff_id) {
      skipped.push({ chargeId: c.id, reason: "No rendering practitioner on the charge." });
      continue;
    }
    const coverage = await billableCoverageOn(trx, c.patient_id, c.date_of_service);
    if (!coverage) {
      skipped.push({
        chargeId: c.id,
        reason: `No active coverage linked to a payer on ${c.date_of_service}.`,
      });
      continue;
    }
    const key = [c.patient_id, c.date_of_service, c.rendering_staff_id, coverage.payerRef].join("|");
    const g = groups.get(key) ?? { coverage, charges: [] };
    g.charges.push(c);
    groups.set(key, g);
  }
  const claimIds: string[] = [];
  for (const { coverage, charges: all } of groups.values()) {
    for (let i = 0; i < all.length; i += MAX_CLAIM_LINES) {
      const part = all.slice(i, i + MAX_CLAIM_LINES);
      const first = part[0]!;
      const dx = claimDiagnoses(
        part.map((c) => ({
          diagnosisCodes: JSON.parse(c.diagnosis_codes),
          pointers: JSON.parse(c.diagnosis_pointers),
        })),
      );
      const claim = await insertClaim(trx, services, actor, {
        patientId: first.patient_id,
        payerRef: coverage.payerRef,
        coverageId: coverage.coverageId,
        sequence: "primary",
        primaryClaimId: null,
        renderingStaffId: first.rendering_staff_id!,
        locationId: first.location_id,
        dateOfService: first.date_of_service,
        placeOfService: first.place_of_service ?? DEFAULT_PLACE_OF_SERVICE,
        frequencyCode: "1",
        originalClaimId: null,
        diagnosisCodes: dx.codes,
        lines: part.map((c, n) => ({
          chargeId: c.id,
          procedureCode: c.procedure_code,
          modifiers: c.modifiers,
          units: c.units,
          chargeCents: c.amount_cents,
          diagnosisPointers: dx.pointers[n]!,
          dateOfService: c.date_of_service,
          placeOfService: c.place_of_service,
        })),
        reason: `Built from ${part.length} approved charge${part.length === 1 ? "" : "s"}`,
      });
      for (const [n, c] of part.entries()) {
        const held = await unclaimedAccountOf(trx, c.id);
        if (!held || held.balance !== c.amount_cents) {
          throw new DomainError(
            "conflict",
            `${c.procedure_code} on ${c.date_of_service}: its ledger balance does not match the charge; reverse and approve it again.`,
          );
        }
        await postLedgerIn(
          trx,
          services,
          actor,
          {
            kind: "transfer",
            chargeId: c.id,
            patientId: c.patient_id,
            from: held.account,
            to: claimLineAccount(coverage.payerRef, claim.id, n + 1),
            amountCents: held.balance,
            memo: `onto claim ${claim.patientControlNumber}`,
          },
          { source: `claim:${claim.id}` },
        );
        const updated = await trx
          .updateTable("charges")
          .set({
            status: "claimed",
            claim_id: claim.id,
            version: c.version + 1,
            updated_at: services.clock().toISOString(),
          })
          .where("id", "=", c.id)
          .where("version", "=", c.version)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) {
          throw new DomainError("conflict", "A charge changed while claims were being built; try again.");
        }
      }
      claimIds.push(claim.id);
    }
  }
  return { created: claimIds.length, claimIds, skipped };
}

export async function buildClaims(
  services: Services,
  actor: Actor,
  options: { chargeIds?: readonly string[] } = {},
): Promise<BuildClaimsView> {
  return audited(
    services,
    actor,
    {
      action: "billing.claim.build",
      resourceType: "Claim",
      fromResult: (r: BuildClaimsView) => ({
        detail: { created: r.created, claimIds: r.claimIds, skipped: r.skipped.length },
      }),
    },
    (trx) => buildClaimsIn(trx, services, actor, options),
  );
}
