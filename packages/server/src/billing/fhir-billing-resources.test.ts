import { DomainError, formatCents } from "@salus/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ClaimsTable } from "../db/schema-billing.ts";
import {
  type ClaimFacts,
  type ClaimRow,
  DRAFT_CLAIM_STATUSES,
  fhirClaimStatus,
  money,
  plainDateBounds,
  toClaim,
} from "./fhir-billing-resources.ts";

/**
 * The billing presenters' invariants: money leaves as exactly the decimal the rest of Salus writes; a
 * Claim's total is the sum of its lines and every pointer it sends names a diagnosis it lists; the FHIR
 * status of a claim that has not left is draft; several date-of-service bounds are their intersection.
 */
const cents = fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 });

describe("FHIR billing presenters", () => {
  it("money(c) is the decimal formatCents writes, in USD", () => {
    fc.assert(
      fc.property(cents, (c) => {
        const m = money(c);
        expect(m.currency).toBe("USD");
        expect(m.value).toBe(Number(formatCents(c)));
      }),
    );
  });

  const STATUSES: ClaimsTable["status"][] = [
    "draft",
    "scrubbed",
    "ready",
    "submitted",
    "accepted",
    "rejected",
    "paid",
    "denied",
    "closed",
  ];

  it("a claim's total is the sum of its lines; pointers name listed diagnoses; lines in order", () => {
    const line = fc.record({
      charge: fc.integer({ min: 0, max: 100_000_000 }),
      units: fc.integer({ min: 1, max: 99 }),
      pointers: fc.array(fc.integer({ min: -2, max: 14 }), { maxLength: 4 }),
      modifiers: fc.array(fc.constantFrom("25", "59", "GT", "LT"), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 30 }),
        fc.array(fc.constantFrom("E11.9", "I10", "J06.9", "Z00.00"), { maxLength: 12 }),
        fc.constantFrom(...STATUSES),
        fc.boolean(),
        (lines, diagnoses, status, voided) => {
          const row: ClaimRow = {
            id: "c1",
            patient_control_number: "PCN1",
            patient_id: "p1",
            payer_ref: "pay1",
            coverage_id: null,
            sequence: "primary",
            rendering_staff_id: "s1",
            location_id: null,
            date_of_service: "2026-03-02",
            place_of_service: "11",
            frequency_code: "1",
            original_claim_id: null,
            payer_claim_number: null,
            diagnosis_codes: JSON.stringify(diagnoses),
            status,
            version: 1,
            created_at: "2026-03-02T15:00:00.000Z",
            updated_at: "2026-03-02T15:00:00.000Z",
          };
          // Lines arrive in any order; the claim lists them by line number.
          const facts: ClaimFacts = {
            organizationId: "o1",
            billingName: null,
            payerName: "Payer",
            practitionerName: null,
            voided,
            sensitive: false,
            lines: lines
              .map((l, i) => ({
                line_number: i + 1,
                procedure_code: "99213",
                modifiers: JSON.stringify(l.modifiers),
                units: l.units,
                charge_cents: l.charge,
                diagnosis_pointers: JSON.stringify(l.pointers),
                date_of_service: "2026-03-02",
                place_of_service: null,
                code_system: "cpt" as const,
                unit_price_cents: null,
              }))
              .reverse(),
          };
          const claim = toClaim(row, facts);
          const sum = lines.reduce((s, l) => s + l.charge, 0);
          expect(claim.total).toEqual(money(sum));
          expect(claim.item?.map((i) => i.sequence)).toEqual(lines.map((_, i) => i + 1));
          for (const [i, item] of (claim.item ?? []).entries()) {
            expect(item.net).toEqual(money(lines[i]!.charge));
            for (const p of item.diagnosisSequence ?? []) {
              expect(claim.diagnosis?.some((d) => d.sequence === p)).toBe(true);
            }
          }
          const draft = DRAFT_CLAIM_STATUSES.includes(status);
          expect(claim.status).toBe(draft ? "draft" : voided ? "cancelled" : "active");
          expect(fhirClaimStatus(status, voided) === "draft").toBe(draft);
        },
      ),
    );
  });

  const day = fc
    .integer({ min: Date.UTC(1999, 0, 1), max: Date.UTC(2031, 11, 31) })
    .map((ms) => new Date(ms).toISOString().slice(0, 10));
  const value = fc
    .tuple(fc.constantFrom("", "eq", "ge", "gt", "le", "lt"), day, fc.constantFrom(4, 7, 10))
    .map(([p, d, len]) => `${p}${d.slice(0, len)}`);
  const within = (x: string, b: { from?: string; to?: string }) =>
    (b.from === undefined || x >= b.from) && (b.to === undefined || x < b.to);

  it("several occurrence values match exactly the dates every one of them matches", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), day, (values, x) => {
        const all = within(x, plainDateBounds("occurrence", values));
        const each = values.every((v) => within(x, plainDateBounds("occurrence", [v])));
        expect(all).toBe(each);
      }),
    );
  });

  it("a date matches its own eq value and not the day before or after", () => {
    fc.assert(
      fc.property(day, (d) => {
        const b = plainDateBounds("occurrence", [d]);
        const shift = (n: number) =>
          new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
        expect(within(d, b)).toBe(true);
        expect(within(shift(-1), b)).toBe(false);
        expect(within(shift(1), b)).toBe(false);
        expect(within(d, plainDateBounds("occurrence", [`gt${d}`]))).toBe(false);
        expect(within(shift(1), plainDateBounds("occurrence", [`gt${d}`]))).toBe(true);
        expect(within(d, plainDateBounds("occurrence", [`lt${d}`]))).toBe(false);
        expect(within(d, plainDateBounds("occurrence", [`le${d.slice(0, 7)}`]))).toBe(true);
      }),
    );
  });

  it("a date that does not exist or another prefix is refused naming the parameter", () => {
    for (const bad of ["2026-02-30", "2026-13", "ne2026-01-01", "2026-1-1", "yesterday", "sa2026"]) {
      try {
        plainDateBounds("occurrence", [bad]);
        expect.unreachable(bad);
      } catch (error) {
        expect(error, bad).toBeInstanceOf(DomainError);
        expect((error as DomainError).details?.[0]?.path, bad).toBe("occurrence");
      }
    }
  });
});
