// The claim scrubber's case of `npm run bench` (issue 13): scrubbing 10,000 stored claims per second
// beside reading them. Kept in a file of its own so bench.ts only lists it.
import { randomUUID } from "node:crypto";
import { npiWithCheckDigit } from "@salus/core";
import { scrubClaim } from "@salus/core/billing/scrubber/index";
import { loadProfessionalClaims } from "@salus/server/billing/load-professional-claims";
import { loadScrubInputs } from "@salus/server/billing/scrub-context";
import { scopeToOrganization } from "@salus/server/db/scoped";
import { inTransaction } from "@salus/server/db/transaction";
import type { Services } from "@salus/server/platform/services";

export const SCRUB_CLAIMS = 10_000;

interface ScrubEnv {
  services: Services;
  organizationId: string;
  patientId: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** 10,000 draft claims of two lines for the demo patient (one in 20 with a header code), written once. */
async function seedClaims(env: ScrubEnv): Promise<string[]> {
  const db = env.services.systemDb;
  const o = env.organizationId;
  const at = new Date().toISOString();
  const payerRef = `bench-scrub-${randomUUID()}`;
  await db
    .insertInto("payers")
    .values({
      organization_id: o,
      id: payerRef,
      name: "Bench Health",
      payer_id: "BENCH1",
      claim_filing_indicator: "CI",
      kind: "commercial",
      timely_filing_days: 365,
      member_id_pattern: "[A-Z]{3}\\d{6}",
      address_line1: null,
      address_line2: null,
      city: null,
      state: null,
      postal_code: null,
      phone: null,
      active: 1,
      version: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  const staff = await db
    .selectFrom("staff_members")
    .select(["id"])
    .where("organization_id", "=", o)
    .where("npi", "is not", null)
    .executeTakeFirst();
  const ids: string[] = [];
  const CHUNK = 200;
  for (let start = 0; start < SCRUB_CLAIMS; start += CHUNK) {
    const claims = [];
    const lines = [];
    for (let i = start; i < Math.min(SCRUB_CLAIMS, start + CHUNK); i++) {
      const id = randomUUID();
      ids.push(id);
      const date = `2026-0${1 + (i % 3)}-${String(1 + (i % 28)).padStart(2, "0")}`;
      claims.push({
        organization_id: o,
        id,
        patient_control_number: `B${payerRef.slice(-8)}${i}`,
        patient_id: env.patientId,
        payer_ref: payerRef,
        coverage_id: null,
        sequence: "primary" as const,
        primary_claim_id: null,
        rendering_staff_id: staff?.id ?? npiWithCheckDigit("100000000"),
        location_id: null,
        date_of_service: date,
        place_of_service: "11",
        frequency_code: "1" as const,
        original_claim_id: null,
        payer_claim_number: null,
        diagnosis_codes: JSON.stringify(i % 20 === 0 ? ["E11", "I10"] : ["E11.9", "I10"]),
        status: "draft" as const,
        scrub_findings: null,
        scrubbed_at: null,
        scrub_count: 0,
        first_scrub_clean: null,
        batch_id: null,
        submitted_at: null,
        created_by: null,
        version: 1,
        created_at: at,
        updated_at: at,
      });
      for (const [n, [code, cents]] of (
        [
          ["99213", 12_500],
          ["36415", 1_200],
        ] as const
      ).entries())
        lines.push({
          organization_id: o,
          claim_id: id,
          line_number: n + 1,
          charge_id: `bench-${id}-${n}`,
          procedure_code: code,
          modifiers: n === 0 ? '["25"]' : "[]",
          units: 1,
          charge_cents: cents,
          diagnosis_pointers: n === 0 ? "[1,2]" : "[1]",
          date_of_service: date,
          place_of_service: "11",
        });
    }
    await db.insertInto("claims").values(claims).execute();
    await db.insertInto("claim_lines").values(lines).execute();
  }
  return ids;
}

/**
 * Figure: claims scrubbed per second, reading what the rules need (code sets, licenses, sent claims,
 * settings) and running every rule on 10,000 stored claims already loaded; baseline: the same claims read
 * per second by loadProfessionalClaims (what any use of a claim costs). Median of 3.
 */
export const scrubBenchCase = {
  name: `scrubbing ${SCRUB_CLAIMS.toLocaleString("en-US")} claims per second`,
  note: "Scrub = loadScrubInputs (ICD-10-CM list of each date of service, POS list, licenses, claims already sent, per-payer settings) + core scrubClaim() on each of 10,000 stored two-line claims already read; baseline = reading the same claims (loadProfessionalClaims: claims, lines, patient, coverage, payer, practitioner, settings). Extra: the pure rules alone. Median of 3.",
  async run(env: ScrubEnv) {
    const ids = await seedClaims(env);
    const read: number[] = [];
    const scrub: number[] = [];
    const pure: number[] = [];
    let errors = 0;
    for (let run = 0; run < 3; run++) {
      await inTransaction(env.services.db, async (raw) => {
        const trx = scopeToOrganization(raw, env.organizationId);
        let t = performance.now();
        const claims = [...(await loadProfessionalClaims(trx, ids)).values()];
        read.push(performance.now() - t);
        t = performance.now();
        const inputs = await loadScrubInputs(trx, claims, new Date());
        const t2 = performance.now();
        errors = 0;
        for (const c of claims) if (!scrubClaim(c, inputs.contextOf(c), inputs.rulesOf(c)).clean) errors++;
        const end = performance.now();
        scrub.push(end - t);
        pure.push(end - t2);
      });
    }
    const perSecond = (ms: number) => ids.length / (ms / 1000);
    return {
      value: perSecond(median(scrub)),
      unit: "claims/s",
      baseline: perSecond(median(read)),
      baselineLabel: "claims read/s",
      better: "higher" as const,
      extra: `rules alone ${Math.round(perSecond(median(pure))).toLocaleString("en-US")} claims/s; ${errors} of ${ids.length} with errors`,
    };
  },
};
