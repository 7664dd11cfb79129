import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accountingStart,
  actionInWords,
  addDays,
  amendmentDueOn,
  amendmentOverdue,
  checkAmendmentDecision,
  DISCLOSURE_CATEGORY_CODES,
  extendAmendment,
  inAccounting,
} from "./patient-rights.ts";

const plainDates = fc
  .date({ min: new Date("1990-01-01T00:00:00Z"), max: new Date("2090-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe("amendment deadlines (45 CFR 164.526)", () => {
  it("due 60 days after receipt, across month and leap-year ends", () => {
    expect(amendmentDueOn({ receivedOn: "2026-01-01", extendedDueOn: null })).toBe("2026-03-02");
    expect(amendmentDueOn({ receivedOn: "2028-01-01", extendedDueOn: null })).toBe("2028-03-01");
    expect(amendmentDueOn({ receivedOn: "2026-11-15", extendedDueOn: null })).toBe("2027-01-14");
  });

  it("overdue only when pending and after the due day", () => {
    const a = { receivedOn: "2026-01-01", extendedDueOn: null, status: "pending" as const };
    expect(amendmentOverdue(a, "2026-03-02")).toBe(false);
    expect(amendmentOverdue(a, "2026-03-03")).toBe(true);
    expect(amendmentOverdue({ ...a, status: "accepted" }, "2027-01-01")).toBe(false);
  });

  it("one 30-day extension, given before the deadline, while pending", () => {
    const a = { receivedOn: "2026-01-01", extendedDueOn: null, status: "pending" as const };
    expect(extendAmendment(a, "2026-02-20")).toBe("2026-04-01");
    expect(() => extendAmendment({ ...a, extendedDueOn: "2026-04-01" }, "2026-02-20")).toThrow(/already/);
    expect(() => extendAmendment(a, "2026-03-03")).toThrow(/passed/);
    expect(() => extendAmendment({ ...a, status: "denied" }, "2026-02-01")).toThrow(/pending/);
  });

  it("a denial needs a reason; a decided request cannot be decided again", () => {
    const a = { receivedOn: "2026-01-01", extendedDueOn: null, status: "pending" as const };
    expect(() => checkAmendmentDecision(a, { outcome: "denied", reason: "  " })).toThrow(/reason/);
    expect(() => checkAmendmentDecision(a, { outcome: "accepted", reason: null })).not.toThrow();
    expect(() =>
      checkAmendmentDecision({ ...a, status: "accepted" }, { outcome: "denied", reason: "x" }),
    ).toThrow(/already accepted/);
  });

  it("property: the due date is 60 days on, never earlier, and the extension adds exactly 30", () => {
    fc.assert(
      fc.property(plainDates, (received) => {
        const due = amendmentDueOn({ receivedOn: received, extendedDueOn: null });
        expect(due > received).toBe(true);
        expect(addDays(due, -60)).toBe(received);
        const extended = extendAmendment(
          { receivedOn: received, extendedDueOn: null, status: "pending" },
          received,
        );
        expect(addDays(extended, -30)).toBe(due);
      }),
    );
  });
});

describe("accounting of disclosures (45 CFR 164.528)", () => {
  const today = "2026-03-02";
  const d = (over: Partial<Parameters<typeof inAccounting>[0]>) => ({
    disclosedOn: "2025-06-01",
    category: "public-health" as const,
    suspendedUntil: null,
    ...over,
  });

  it("six years back, inclusive of the first day; 29 February starts on 1 March", () => {
    expect(accountingStart(today)).toBe("2020-03-02");
    expect(accountingStart("2032-02-29")).toBe("2026-03-01");
    expect(inAccounting(d({ disclosedOn: "2020-03-02" }), today)).toBe(true);
    expect(inAccounting(d({ disclosedOn: "2020-03-01" }), today)).toBe(false);
    expect(inAccounting(d({ disclosedOn: "2026-03-03" }), today)).toBe(false);
  });

  it("treatment, payment, operations, to the patient and under authorization are excluded", () => {
    for (const category of ["treatment", "payment", "operations", "to-patient", "authorization"] as const) {
      expect(inAccounting(d({ category }), today), category).toBe(false);
    }
    for (const category of ["law-enforcement", "judicial", "research", "public-health", "other"] as const) {
      expect(inAccounting(d({ category }), today), category).toBe(true);
    }
  });

  it("a suspension hides a disclosure until its end date, then it appears", () => {
    expect(inAccounting(d({ suspendedUntil: "2026-04-01" }), today)).toBe(false);
    expect(inAccounting(d({ suspendedUntil: "2026-04-01" }), "2026-04-01")).toBe(true);
  });

  it("property: never lists a non-accountable category or anything older than six years", () => {
    fc.assert(
      fc.property(
        plainDates,
        plainDates,
        fc.constantFrom(...DISCLOSURE_CATEGORY_CODES),
        (on, now, category) => {
          const listed = inAccounting({ disclosedOn: on, category, suspendedUntil: null }, now);
          if (listed) {
            expect(on >= accountingStart(now) && on <= now).toBe(true);
            expect(["treatment", "payment", "operations", "to-patient"]).not.toContain(category);
          }
        },
      ),
    );
  });
});

describe("audit actions in plain words", () => {
  it("known actions read as sentences; others are derived or shown as they are", () => {
    expect(actionInWords("patient.read")).toBe("Opened the patient's demographics");
    expect(actionInWords("allergy.list")).toBe("Listed allergy");
    expect(actionInWords("weird")).toBe("weird");
  });
});
