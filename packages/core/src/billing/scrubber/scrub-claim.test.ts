import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProfessionalClaim } from "../claim-model.ts";
import { cleanClaim, FIXTURE_ICD_CODES, fixtureContext } from "./claim-fixture.ts";
import { diagnosisCodeSetOf, type ScrubContext } from "./context.ts";
import { ageOn } from "./diagnosis-edits.ts";
import { SCRUB_RULE_IDS, SCRUB_RULES } from "./rules.ts";
import { scrubClaim } from "./scrub-claim.ts";
import { effectiveRules, type ScrubRuleSetting } from "./settings.ts";

const defaults = effectiveRules([], null);
const scrub = (claim: ProfessionalClaim, ctx: ScrubContext = fixtureContext(), rules = defaults) =>
  scrubClaim(claim, ctx, rules);
const line = (claim: ProfessionalClaim, i: number, patch: object) =>
  claim.lines.map((l, j) => (j === i ? { ...l, ...patch } : l));

describe("the clean fixture", () => {
  it("has no finding at all", () => {
    expect(scrub(cleanClaim())).toEqual({ findings: [], errors: 0, warnings: 0, clean: true });
  });
});

/** One broken field per case: the rule that must say so, and the path it must name. */
const cases: [string, string, (c: ProfessionalClaim) => ProfessionalClaim, Partial<ScrubContext>?][] = [
  [
    "billing-npi",
    "billingProvider.npi",
    (c) => ({ ...c, billingProvider: { ...c.billingProvider, npi: "1234567890" } }),
  ],
  [
    "billing-npi",
    "billingProvider.npi",
    (c) => ({ ...c, billingProvider: { ...c.billingProvider, npi: null } }),
  ],
  [
    "billing-provider-incomplete",
    "billingProvider.taxId",
    (c) => ({ ...c, billingProvider: { ...c.billingProvider, taxId: "12-34" } }),
  ],
  [
    "billing-provider-incomplete",
    "billingProvider.address.city",
    (c) => ({
      ...c,
      billingProvider: { ...c.billingProvider, address: { ...c.billingProvider.address, city: " " } },
    }),
  ],
  [
    "rendering-npi",
    "renderingProvider.npi",
    (c) => ({ ...c, renderingProvider: { ...c.renderingProvider, npi: "1987654321" } }),
  ],
  [
    "rendering-license-expired",
    "renderingProvider",
    (c) => c,
    { renderingLicenses: [{ state: "IL", expiresOn: "2026-02-28" }] },
  ],
  ["rendering-license-expired", "renderingProvider", (c) => c, { renderingLicenses: [] }],
  [
    "diagnosis-missing",
    "diagnosisCodes",
    (c) => ({ ...c, diagnosisCodes: [], lines: c.lines.map((l) => ({ ...l, diagnosisPointers: [] })) }),
  ],
  [
    "diagnosis-too-many",
    "diagnosisCodes",
    (c) => ({ ...c, diagnosisCodes: Array.from({ length: 13 }, () => "I10") }),
  ],
  ["diagnosis-malformed", "diagnosisCodes[1]", (c) => ({ ...c, diagnosisCodes: ["E11.9", "1IO"] })],
  ["diagnosis-not-in-code-set", "diagnosisCodes[1]", (c) => ({ ...c, diagnosisCodes: ["E11.9", "I10.9"] })],
  ["diagnosis-header-code", "diagnosisCodes[0]", (c) => ({ ...c, diagnosisCodes: ["E11", "I10"] })],
  ["diagnosis-header-code", "diagnosisCodes[0]", (c) => ({ ...c, diagnosisCodes: ["E11.6", "I10"] })],
  ["diagnosis-code-set-missing", "diagnosisCodes", (c) => c, { diagnosisCodeSetFor: () => null }],
  [
    "diagnosis-pointer-invalid",
    "lines[1].diagnosisPointers",
    (c) => ({ ...c, lines: line(c, 1, { diagnosisPointers: [3] }) }),
  ],
  [
    "diagnosis-pointer-invalid",
    "lines[1].diagnosisPointers",
    (c) => ({ ...c, lines: line(c, 1, { diagnosisPointers: [] }) }),
  ],
  [
    "diagnosis-pointer-invalid",
    "lines[0].diagnosisPointers",
    (c) => ({ ...c, lines: line(c, 0, { diagnosisPointers: [1, 1] }) }),
  ],
  [
    "diagnosis-sex-inconsistent",
    "diagnosisCodes[0]",
    (c) => ({ ...c, diagnosisCodes: ["Z34.00", "I10"], patient: { ...c.patient, sex: "male" } }),
  ],
  ["diagnosis-sex-inconsistent", "diagnosisCodes[1]", (c) => ({ ...c, diagnosisCodes: ["E11.9", "N40.0"] })],
  ["diagnosis-age-inconsistent", "diagnosisCodes[1]", (c) => ({ ...c, diagnosisCodes: ["E11.9", "P07.00"] })],
  [
    "diagnosis-age-inconsistent",
    "diagnosisCodes[0]",
    (c) => ({
      ...c,
      diagnosisCodes: ["O09.00"],
      patient: { ...c.patient, birthDate: "1950-01-01" },
      lines: c.lines.map((l) => ({ ...l, diagnosisPointers: [1] })),
    }),
  ],
  [
    "procedure-code-malformed",
    "lines[0].procedureCode",
    (c) => ({ ...c, lines: line(c, 0, { procedureCode: "9921" }) }),
  ],
  ["modifier-malformed", "lines[0].modifiers", (c) => ({ ...c, lines: line(c, 0, { modifiers: ["2"] }) })],
  [
    "modifier-malformed",
    "lines[0].modifiers",
    (c) => ({ ...c, lines: line(c, 0, { modifiers: ["25", "LT", "RT", "59", "XU"] }) }),
  ],
  ["units-not-positive", "lines[1].units", (c) => ({ ...c, lines: line(c, 1, { units: 0 }) })],
  ["units-not-positive", "lines[1].units", (c) => ({ ...c, lines: line(c, 1, { units: -2 }) })],
  [
    "charge-not-positive",
    "lines[1].chargeCents",
    (c) => ({ ...c, totalChargeCents: 15_000, lines: line(c, 1, { chargeCents: 0 }) }),
  ],
  ["total-mismatch", "totalChargeCents", (c) => ({ ...c, totalChargeCents: 22_400 })],
  [
    "service-date-invalid",
    "lines[0].serviceDate",
    (c) => ({ ...c, lines: line(c, 0, { serviceDate: "2026-02-30" }) }),
  ],
  [
    "service-date-future",
    "lines[1].serviceDate",
    (c) => ({ ...c, lines: line(c, 1, { serviceDate: "2026-03-21" }) }),
  ],
  [
    "service-before-birth",
    "lines[0].serviceDate",
    (c) => ({ ...c, patient: { ...c.patient, birthDate: "2026-03-10" } }),
  ],
  ["timely-filing", "lines[0].serviceDate", (c) => c, { today: "2026-06-01" }],
  ["timely-filing-near", "lines[0].serviceDate", (c) => c, { today: "2026-05-25" }],
  ["place-of-service-invalid", "placeOfService", (c) => ({ ...c, placeOfService: "00" })],
  [
    "place-of-service-invalid",
    "lines[0].placeOfService",
    (c) => ({ ...c, lines: line(c, 0, { placeOfService: "1" }) }),
  ],
  [
    "coverage-inactive",
    "coverage.effectiveTo",
    (c) => ({ ...c, coverage: { effectiveFrom: "2025-01-01", effectiveTo: "2026-02-28", active: true } }),
  ],
  [
    "coverage-inactive",
    "coverage.effectiveFrom",
    (c) => ({ ...c, coverage: { effectiveFrom: "2026-03-03", effectiveTo: null, active: true } }),
  ],
  ["coverage-inactive", "coverage", (c) => ({ ...c, coverage: null })],
  ["payer-id-missing", "payer.payerId", (c) => ({ ...c, payer: { ...c.payer, payerId: "" } })],
  [
    "member-id-missing",
    "subscriber.memberId",
    (c) => ({ ...c, subscriber: { ...c.subscriber, memberId: null } }),
  ],
  [
    "member-id-format",
    "subscriber.memberId",
    (c) => ({ ...c, subscriber: { ...c.subscriber, memberId: "XY123456789" } }),
  ],
  [
    "member-id-format",
    "payer.memberIdPattern",
    (c) => ({ ...c, payer: { ...c.payer, memberIdPattern: "[A-Z" } }),
  ],
  [
    "patient-demographics-missing",
    "patient.birthDate",
    (c) => ({ ...c, patient: { ...c.patient, birthDate: null } }),
  ],
  ["patient-demographics-missing", "patient.sex", (c) => ({ ...c, patient: { ...c.patient, sex: null } })],
  [
    "patient-demographics-missing",
    "patient.address.line1",
    (c) => ({
      ...c,
      patient: { ...c.patient, address: { line1: null, city: null, state: "IL", postalCode: null } },
    }),
  ],
  [
    "patient-demographics-missing",
    "subscriber.name.given",
    (c) => ({
      ...c,
      subscriber: { memberId: "XYZ123456789", relationship: "01", name: { family: "Rivera", given: null } },
    }),
  ],
  [
    "duplicate-claim",
    "lines[0]",
    (c) => c,
    {
      sentClaims: [
        {
          patientControlNumber: "PCN0000",
          status: "submitted",
          lines: [{ procedureCode: "99213", modifiers: ["25"], serviceDate: "2026-03-02" }],
        },
      ],
    },
  ],
  ["self-pay-restricted", "selfPayRestricted", (c) => ({ ...c, selfPayRestricted: true })],
  ["original-claim-missing", "originalPayerClaimNumber", (c) => ({ ...c, frequency: "7" })],
];

describe("each rule catches what it is for", () => {
  it.each(cases)("%s at %s", (ruleId, path, breakIt, ctx) => {
    const result = scrub(breakIt(cleanClaim()), fixtureContext(ctx));
    const mine = result.findings.filter((f) => f.ruleId === ruleId);
    expect(mine.map((f) => f.path)).toContain(path);
    for (const f of mine) {
      expect(f.message.length).toBeGreaterThan(20);
      expect(f.severity).toBe(SCRUB_RULES.find((r) => r.id === ruleId)?.defaultSeverity);
    }
  });

  it("covers every rule of the catalogue", () => {
    const tested = new Set([...cases.map((c) => c[0]), "rendering-not-credentialed"]);
    expect(SCRUB_RULE_IDS.filter((id) => !tested.has(id))).toEqual([]);
  });

  it("names the line and the diagnoses in a pointer message", () => {
    const c = cleanClaim();
    const [f] = scrub({ ...c, lines: line(c, 1, { diagnosisPointers: [3] }) }).findings;
    expect(f?.message).toBe(
      "Line 2 (82947) points to diagnosis 3, but the claim has diagnoses 1 to 2; point it to one that is there.",
    );
  });

  it("does not call the adult patient's well-formed FY2026 codes wrong in FY2027 without a list: warns once", () => {
    const c = cleanClaim({ lines: cleanClaim().lines.map((l) => ({ ...l, serviceDate: "2026-10-02" })) });
    const result = scrub(c, fixtureContext({ today: "2026-10-05", renderingLicenses: null }));
    expect(result.findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ["diagnosis-code-set-missing", "warning"],
    ]);
    expect(result.clean).toBe(true);
  });
});

describe("a patient who is not the subscriber", () => {
  it("needs the subscriber's name (the 837P writer's 2010BA), not their address or birth date (situational in 5010)", () => {
    const address = { line1: "22 Oak Ave", city: "Springfield", state: "IL", postalCode: "62704" };
    const dependant = cleanClaim({
      subscriber: {
        memberId: "XYZ123456789",
        relationship: "19",
        name: { family: "Rivera", given: "Juan" },
        address,
      },
    });
    expect(scrub(dependant).findings).toEqual([]);
    const noAddress = { ...dependant, subscriber: { ...dependant.subscriber, address: null } };
    expect(scrub(noAddress).findings).toEqual([]);
    const without = { ...dependant, subscriber: { ...dependant.subscriber, name: null, address: null } };
    expect(scrub(without).findings.map((f) => f.path)).toEqual(["subscriber.name"]);
  });
});

describe("names a claim can carry", () => {
  it("stops a name written only in a script the claim cannot carry, and lets accents through (the writer drops them)", () => {
    const cyrillic = cleanClaim({
      patient: { ...cleanClaim().patient, name: { family: "Иванова", given: "Anna" } },
    });
    expect(scrub(cyrillic).findings.map((f) => [f.ruleId, f.path])).toEqual([
      ["patient-demographics-missing", "patient.name.family"],
    ]);
    const accented = cleanClaim({
      patient: { ...cleanClaim().patient, name: { family: "Müller", given: "José" } },
    });
    expect(scrub(accented).findings).toEqual([]);
  });
});

describe("per-payer settings", () => {
  const broken = cleanClaim({ subscriber: { memberId: "12345", relationship: "18" } });
  const set = (s: Partial<ScrubRuleSetting>): ScrubRuleSetting => ({
    payerRef: "",
    ruleId: "member-id-format",
    enabled: true,
    severity: null,
    params: null,
    ...s,
  });

  it("switches a rule off for one payer only", () => {
    const settings = [set({ payerRef: "payer-1", enabled: false })];
    expect(scrub(broken, undefined, effectiveRules(settings, "payer-1")).clean).toBe(true);
    expect(
      scrub(
        { ...broken, payer: { ...broken.payer, ref: "payer-2" } },
        undefined,
        effectiveRules(settings, "payer-2"),
      ).clean,
    ).toBe(false);
  });

  it("lets the payer's setting win over the practice's, and keeps the severity it sets", () => {
    const settings = [set({ enabled: false }), set({ payerRef: "payer-1", severity: "warning" })];
    const result = scrub(broken, undefined, effectiveRules(settings, "payer-1"));
    expect(result.findings.map((f) => [f.ruleId, f.severity])).toEqual([["member-id-format", "warning"]]);
    expect(result.clean).toBe(true);
    expect(scrub(broken, undefined, effectiveRules(settings, "payer-9")).findings).toEqual([]);
  });

  it("tunes parameters: a member-id pattern, a filing limit, the credentialed list", () => {
    const pattern = effectiveRules([set({ params: { pattern: "\\d{5}" } })], "payer-1");
    expect(scrub(broken, undefined, pattern).clean).toBe(true);
    const limit = effectiveRules([set({ ruleId: "timely-filing", params: { limitDays: 365 } })], "payer-1");
    expect(scrub(cleanClaim(), fixtureContext({ today: "2026-06-01" }), limit).findings).toEqual([]);
    const credentialed = (npis: string[]) =>
      effectiveRules(
        [
          set({
            ruleId: "rendering-not-credentialed",
            payerRef: "payer-1",
            params: { credentialedNpis: npis },
          }),
        ],
        "payer-1",
      );
    const claim = cleanClaim();
    expect(scrub(claim, undefined, credentialed([claim.renderingProvider.npi!])).findings).toEqual([]);
    expect(scrub(claim, undefined, credentialed(["1234567893"])).findings.map((f) => f.path)).toEqual([
      "renderingProvider.npi",
    ]);
  });

  it("resolves each rule as the payer's setting, else the practice's, else the default (property)", () => {
    const settingArb = fc.record({
      payerRef: fc.constantFrom("", "payer-1", "payer-2"),
      ruleId: fc.constantFrom("units-not-positive", "timely-filing", "member-id-format"),
      enabled: fc.boolean(),
      severity: fc.constantFrom("error", "warning", null) as fc.Arbitrary<"error" | "warning" | null>,
      params: fc.constant(null),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(settingArb, { selector: (x) => `${x.payerRef}|${x.ruleId}` }),
        (settings) => {
          const rules = effectiveRules(settings, "payer-1");
          for (const def of SCRUB_RULES) {
            const mine = settings.find((x) => x.ruleId === def.id && x.payerRef === "payer-1");
            const practice = settings.find((x) => x.ruleId === def.id && x.payerRef === "");
            const got = rules.get(def.id)!;
            expect(got.enabled).toBe(mine?.enabled ?? practice?.enabled ?? true);
            expect(got.severity).toBe(mine?.severity ?? practice?.severity ?? def.defaultSeverity);
          }
        },
      ),
    );
  });

  it("ignores a stored setting of a rule that no longer exists", () => {
    const rules = effectiveRules([set({ ruleId: "retired-rule", enabled: false })], null);
    expect([...rules.keys()]).toEqual(SCRUB_RULE_IDS);
  });
});

describe("the ICD-10-CM code set view", () => {
  it("answers billable, header (a category with codes under it) and unknown", () => {
    const set = diagnosisCodeSetOf(
      { version: "t", validFrom: "2025-10-01", validTo: "2026-09-30" },
      FIXTURE_ICD_CODES,
    );
    expect(["E119", "E11", "E116", "E1164", "I10", "I1", "E12", "Z99"].map((c) => set.status(c))).toEqual([
      "billable",
      "header",
      "header",
      "header",
      "billable",
      "header",
      "unknown",
      "unknown",
    ]);
    // A list that includes its headers (the "order" file) marks them too.
    const withHeaders = diagnosisCodeSetOf({ version: "t", validFrom: "", validTo: "" }, [
      "E11",
      "E119",
      "I10",
    ]);
    expect([withHeaders.status("E11"), withHeaders.status("I10")]).toEqual(["header", "billable"]);
  });

  it("agrees with the definition for any list and code (property)", () => {
    const code = fc.stringMatching(/^[A-C][0-2][0-2][0-2]{0,3}$/);
    fc.assert(
      fc.property(fc.array(code, { maxLength: 40 }), code, (codes, q) => {
        const set = diagnosisCodeSetOf({ version: "p", validFrom: "", validTo: "" }, codes);
        const longer = codes.some((c) => c.length > q.length && c.startsWith(q));
        const expected = longer ? "header" : codes.includes(q) ? "billable" : "unknown";
        expect(set.status(q)).toBe(expected);
      }),
    );
  });
});

describe("properties", () => {
  const cents = fc.integer({ min: -50_000, max: 500_000 });
  const lineArb = fc.record({
    procedureCode: fc.constantFrom("99213", "99214", "82947", "J1100", "9921", "0001F"),
    modifiers: fc.array(fc.constantFrom("25", "59", "LT", "X"), { maxLength: 5 }),
    units: fc.integer({ min: -2, max: 5 }),
    chargeCents: cents,
    diagnosisPointers: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 5 }),
    serviceDate: fc.constantFrom("2026-03-02", "2026-03-25", "2025-11-30", "2026-02-30"),
  });
  const claimArb = fc
    .record({
      lines: fc.array(lineArb, { minLength: 0, maxLength: 6 }),
      diagnosisCodes: fc.array(fc.constantFrom("E11.9", "E11", "I10", "Z34.00", "P07.00", "XX", "N40.0"), {
        maxLength: 4,
      }),
      total: fc.option(cents, { nil: undefined }),
      sex: fc.constantFrom("female", "male", null, "unknown") as fc.Arbitrary<
        "female" | "male" | null | "unknown"
      >,
    })
    .map(({ lines, diagnosisCodes, total, sex }) => {
      const ls = lines.map((l, i) => ({ ...l, lineNumber: i + 1 }));
      return cleanClaim({
        lines: ls,
        diagnosisCodes,
        patient: { ...cleanClaim().patient, sex },
        totalChargeCents: total ?? ls.reduce((s, l) => s + l.chargeCents, 0),
      });
    });

  it("every finding names a rule of the catalogue and a path into the claim; clean means no error", () => {
    fc.assert(
      fc.property(claimArb, (claim) => {
        const result = scrub(claim);
        for (const f of result.findings) {
          expect(SCRUB_RULE_IDS).toContain(f.ruleId);
          expect(resolves(claim, f.path)).toBe(true);
        }
        expect(result.clean).toBe(result.findings.every((f) => f.severity !== "error"));
        expect(result.errors + result.warnings).toBe(result.findings.length);
      }),
    );
  });

  it("switching a rule off removes exactly its findings and nothing else", () => {
    fc.assert(
      fc.property(claimArb, fc.constantFrom(...SCRUB_RULE_IDS), (claim, ruleId) => {
        const all = scrub(claim).findings;
        const off = effectiveRules(
          [{ payerRef: "", ruleId, enabled: false, severity: null, params: null }],
          null,
        );
        expect(scrub(claim, undefined, off).findings).toEqual(all.filter((f) => f.ruleId !== ruleId));
      }),
    );
  });

  it("total-mismatch fires exactly when the lines do not add up to the total", () => {
    fc.assert(
      fc.property(claimArb, (claim) => {
        const sum = claim.lines.reduce((s, l) => s + l.chargeCents, 0);
        const fired = scrub(claim).findings.some((f) => f.ruleId === "total-mismatch");
        expect(fired).toBe(sum !== claim.totalChargeCents);
      }),
    );
  });

  it("a pointer finding exactly when some line points outside the diagnoses or nowhere", () => {
    fc.assert(
      fc.property(claimArb, (claim) => {
        const n = claim.diagnosisCodes.length;
        const expected = claim.lines
          .map((l, i) => ({ l, i }))
          .filter(
            ({ l }) =>
              l.diagnosisPointers.length === 0 ||
              l.diagnosisPointers.length > 4 ||
              l.diagnosisPointers.some((p) => p < 1 || p > n) ||
              new Set(l.diagnosisPointers).size !== l.diagnosisPointers.length,
          )
          .map(({ i }) => `lines[${i}].diagnosisPointers`);
        const got = [
          ...new Set(
            scrub(claim)
              .findings.filter((f) => f.ruleId === "diagnosis-pointer-invalid")
              .map((f) => f.path),
          ),
        ];
        expect(got).toEqual(expected);
      }),
    );
  });

  it("age on a date: a birthday counts from the day itself, 29 February from 1 March", () => {
    expect([ageOn("2000-03-02", "2026-03-01"), ageOn("2000-03-02", "2026-03-02")]).toEqual([25, 26]);
    expect([ageOn("2004-02-29", "2025-02-28"), ageOn("2004-02-29", "2025-03-01")]).toEqual([20, 21]);
  });
});

/** Whether a finding's path ("lines[1].diagnosisPointers", "patient.address.line1") names a place in the claim. */
function resolves(claim: ProfessionalClaim, path: string): boolean {
  const parts = path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== "");
  const top = parts[0]!;
  if (!(top in claim) && !["coverage", "originalPayerClaimNumber", "selfPayRestricted"].includes(top))
    return false;
  // biome-ignore lint/suspicious/noExplicitAny: walking a path through arbitrary objects
  let at: any = claim;
  for (const [i, p] of parts.entries()) {
    if (i === parts.length - 1) return at == null || typeof at !== "object" || p in at || Array.isArray(at);
    at = at?.[p];
  }
  return true;
}
