import { csvRow, formatCents, multiplyCents, npiWithCheckDigit } from "@salus/core";
import { cliActor } from "../admin/organizations.ts";
import { audited } from "../audit/audited.ts";
import { createFeeSchedule } from "../billing/create-fee-schedule.ts";
import { createPayer } from "../billing/create-payer.ts";
import { importFeeSchedule } from "../billing/import-fee-schedule.ts";
import type { PayerInput } from "../billing/payer-input.ts";
import { loadShippedPlacesOfService } from "../billing/place-of-service.ts";
import { updateBillingSettings } from "../billing/update-billing-settings.ts";
import { organizationDb } from "../db/scoped.ts";
import type { Services } from "../platform/services.ts";

/**
 * The demo practice's billing setup (issue 13 item 10), after seedRecords (coverages) and before
 * seedBillingActivity (charges and claims): CMS's place-of-service list; the practice's billing identity
 * (a valid NPI, tax id, 9-digit ZIP, a test clearinghouse); a payer for every plan the demo's coverages
 * name (Medicare Part B, Illinois Medicaid, five commercial plans, a Medicare supplement) plus
 * self-pay; the practice's standard fees for every procedure code the demo's visits use (imported
 * through the CSV import, as a biller would), self-pay prices, and Medicare's and Blue Cross's
 * contracted amounts; every coverage linked to its payer, Medicare's with Medicare Beneficiary
 * Identifiers in their real format.
 *
 * Deterministic (no randomness) and a no-op when the practice already has payers.
 */

/** [name, electronic payer id, kind, SBR09, timely filing days, member id pattern]. */
const PAYERS: readonly PayerInput[] = [
  {
    name: "Medicare Part B",
    payerId: "00952",
    kind: "medicare",
    claimFilingIndicator: "MB",
    timelyFilingDays: 365,
    // The Medicare Beneficiary Identifier: 11 characters, letters other than S, L, O, I, B and Z.
    memberIdPattern:
      "[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y]{2}[0-9]{2}",
    addressLine1: "P.O. Box 6475",
    city: "Indianapolis",
    state: "IN",
    postalCode: "462066475",
  },
  {
    name: "Illinois Medicaid",
    payerId: "ILMCD",
    kind: "medicaid",
    claimFilingIndicator: "MC",
    timelyFilingDays: 180,
    memberIdPattern: null,
  },
  {
    name: "Blue Cross Blue Shield of Illinois",
    payerId: "00621",
    kind: "commercial",
    claimFilingIndicator: "BL",
    timelyFilingDays: 180,
    // The demo's member ids: three letters and nine digits.
    memberIdPattern: "[A-Z]{3}[0-9]{9}",
    addressLine1: "P.O. Box 805107",
    city: "Chicago",
    state: "IL",
    postalCode: "606805107",
  },
  {
    name: "Aetna",
    payerId: "60054",
    kind: "commercial",
    claimFilingIndicator: "CI",
    timelyFilingDays: 120,
    memberIdPattern: "[A-Z]{3}[0-9]{9}",
  },
  {
    name: "UnitedHealthcare",
    payerId: "87726",
    kind: "commercial",
    claimFilingIndicator: "CI",
    timelyFilingDays: 90,
  },
  { name: "Cigna", payerId: "62308", kind: "commercial", claimFilingIndicator: "CI", timelyFilingDays: 90 },
  { name: "Humana", payerId: "61101", kind: "commercial", claimFilingIndicator: "HM", timelyFilingDays: 180 },
  {
    name: "AARP Medicare Supplement",
    payerId: "36273",
    kind: "other",
    claimFilingIndicator: "CI",
    timelyFilingDays: 365,
  },
  { name: "Self-pay", payerId: null, kind: "self-pay", claimFilingIndicator: "09", timelyFilingDays: 365 },
];

/** The demo's coverages name payers by these strings (seed-records.ts); the Medicaid id differs there. */
const COVERAGE_PAYER_NAMES: Readonly<Record<string, string>> = {
  "Medicare Part B": "Medicare Part B",
  "Illinois Medicaid": "Illinois Medicaid",
  "Blue Cross Blue Shield of Illinois": "Blue Cross Blue Shield of Illinois",
  Aetna: "Aetna",
  UnitedHealthcare: "UnitedHealthcare",
  Cigna: "Cigna",
  Humana: "Humana",
  "AARP Medicare Supplement": "AARP Medicare Supplement",
};

/**
 * The practice's standard fees (dollars), for the procedure codes the demo's visits use and the common
 * office codes around them. Illustrative amounts, not any payer's published rates. Descriptions are the
 * practice's own short words (no AMA descriptor text).
 */
const STANDARD_FEES: readonly [code: string, modifier: string, dollars: string, description: string][] = [
  ["99202", "", "110.00", "New patient visit, straightforward"],
  ["99203", "", "170.00", "New patient visit, low complexity"],
  ["99204", "", "255.00", "New patient visit, moderate complexity"],
  ["99205", "", "335.00", "New patient visit, high complexity"],
  ["99211", "", "45.00", "Established patient, nurse visit"],
  ["99212", "", "90.00", "Established patient visit, straightforward"],
  ["99213", "", "135.00", "Established patient visit, low complexity"],
  ["99214", "", "195.00", "Established patient visit, moderate complexity"],
  ["99215", "", "265.00", "Established patient visit, high complexity"],
  ["99395", "", "240.00", "Preventive visit, 18-39"],
  ["99396", "", "255.00", "Preventive visit, 40-64"],
  ["G0438", "", "245.00", "Annual wellness visit, first"],
  ["G0439", "", "175.00", "Annual wellness visit, subsequent"],
  ["36415", "", "18.00", "Blood draw"],
  ["81002", "", "12.00", "Urinalysis, dipstick"],
  ["83036", "", "28.00", "Hemoglobin A1c"],
  ["93000", "", "60.00", "ECG with interpretation"],
  ["71046", "", "95.00", "Chest X-ray, 2 views"],
  ["71046", "26", "30.00", "Chest X-ray, 2 views: reading only"],
  ["71046", "TC", "65.00", "Chest X-ray, 2 views: imaging only"],
  ["90471", "", "30.00", "Vaccine administration"],
  ["90686", "", "38.00", "Influenza vaccine"],
  ["90834", "", "150.00", "Psychotherapy, 45 minutes"],
  ["20610", "", "165.00", "Large joint injection"],
  ["J3301", "", "4.50", "Triamcinolone, per 10 mg"],
];

/** Self-pay prices: the practice's cash discount on the visit codes. */
const SELF_PAY_RATE = "0.70";
/** Illustrative contracted amounts as a share of the practice's fees. */
const CONTRACTS: readonly [payer: string, rate: string][] = [
  ["Medicare Part B", "0.68"],
  ["Blue Cross Blue Shield of Illinois", "0.82"],
];

/** A valid MBI made from a number (deterministic): 1A A0 A A0 AA 00 with the allowed letters. */
export function mbiOf(n: number): string {
  const L = "ACDEFGHJKMNPQRTUVWXY";
  const A = `${L}0123456789`;
  let x = n + 1;
  const take = (alphabet: string) => {
    const c = alphabet[x % alphabet.length]!;
    x = Math.floor(x / alphabet.length) + 7;
    return c;
  };
  return [
    "123456789"[x % 9]!,
    take(L),
    take(A),
    take("0123456789"),
    take(L),
    take(A),
    take("0123456789"),
    take(L),
    take(L),
    take("0123456789"),
    take("0123456789"),
  ].join("");
}

function feesCsv(rows: readonly (readonly [string, string, string, string])[]): string {
  return (
    csvRow(["procedure_code", "modifier", "amount", "description"]) + rows.map((r) => csvRow(r)).join("")
  );
}

export async function seedBilling(services: Services, organizationId: string): Promise<void> {
  await loadShippedPlacesOfService(services.db, services.clock());
  const db = organizationDb(services.db, organizationId);
  if (await db.selectFrom("payers").select("id").limit(1).executeTakeFirst()) return;
  const actor = cliActor(organizationId);
  const org = await db.selectFrom("organizations").select("name").executeTakeFirstOrThrow();
  const location = await db
    .selectFrom("locations")
    .select(["address_line1", "city", "state"])
    .orderBy("created_at")
    .executeTakeFirst();

  await updateBillingSettings(services, actor, {
    billingName: org.name.slice(0, 60),
    billingNpi: npiWithCheckDigit("188012345"),
    taxId: "371234567",
    taxonomy: "207Q00000X",
    addressLine1: location?.address_line1 ?? "100 River Rd",
    city: location?.city ?? "Springfield",
    state: location?.state ?? "IL",
    postalCode: "627011234",
    phone: "2175550100",
    submitterId: "SALUSDEMO01",
    submitterContactName: "Billie Biller",
    submitterContactEmail: "biller@demo.salus.test",
    receiverId: "DEMOCLEARING",
    receiverName: "Demo Clearinghouse",
    usageIndicator: "T",
  });

  const payerIds = new Map<string, string>();
  for (const p of PAYERS) payerIds.set(p.name, (await createPayer(services, actor, p)).id);

  // The practice's standard fees, in force since the start of 2025 (every demo visit is later).
  const standard = await createFeeSchedule(services, actor, {
    name: "Standard fees",
    kind: "practice",
    isDefault: true,
    effectiveFrom: "2025-01-01",
  });
  await importFeeSchedule(services, actor, standard.id, { csv: feesCsv(STANDARD_FEES), dryRun: false });

  const selfPay = await createFeeSchedule(services, actor, {
    name: "Self-pay prices",
    kind: "practice",
    payerRef: payerIds.get("Self-pay")!,
    effectiveFrom: "2025-01-01",
  });
  const scaled = (rate: string) =>
    STANDARD_FEES.map(
      ([code, modifier, dollars, description]) =>
        [
          code,
          modifier,
          // Contracted and discounted amounts round to the nearest cent, ties to even (money.ts).
          formatCents(multiplyCents(Math.round(Number(dollars) * 100), rate, "half-even")),
          description,
        ] as const,
    );
  await importFeeSchedule(services, actor, selfPay.id, {
    csv: feesCsv(scaled(SELF_PAY_RATE).filter(([code]) => /^99/.test(code))),
    dryRun: false,
  });
  for (const [payer, rate] of CONTRACTS) {
    const contract = await createFeeSchedule(services, actor, {
      name: `${payer} contract`,
      kind: "contract",
      payerRef: payerIds.get(payer)!,
      effectiveFrom: "2025-01-01",
    });
    await importFeeSchedule(services, actor, contract.id, { csv: feesCsv(scaled(rate)), dryRun: false });
  }

  // Every coverage to its payer; Medicare's member ids become MBIs (the demo's generic ids are not).
  await audited(
    services,
    actor,
    { action: "billing.coverage.link", resourceType: "Coverage", detail: { demo: true } },
    async (trx) => {
      const coverages = await trx
        .selectFrom("coverages")
        .select(["id", "payer_name"])
        .where("payer_ref", "is", null)
        .orderBy("id")
        .execute();
      const medicare = payerIds.get("Medicare Part B")!;
      for (const [i, c] of coverages.entries()) {
        const name = COVERAGE_PAYER_NAMES[c.payer_name];
        const ref = name ? payerIds.get(name) : undefined;
        if (!ref) continue;
        const payer = PAYERS.find((p) => p.name === name)!;
        await trx
          .updateTable("coverages")
          .set({
            payer_ref: ref,
            payer_id: payer.payerId ?? null,
            ...(ref === medicare ? { member_id: mbiOf(i) } : {}),
          })
          .where("id", "=", c.id)
          .execute();
      }
    },
  );
}
