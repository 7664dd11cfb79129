import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROLES, type Role } from "../security/permissions.ts";
import {
  canSeeEncounterSection,
  decideAccess,
  RECORD_SECTIONS,
  RELATIONS,
  type RecordSection,
  type Relation,
} from "./access-policy.ts";

const role = fc.constantFrom(...ROLES);
const roles = fc.uniqueArray(role, { minLength: 0, maxLength: ROLES.length });
const section = fc.constantFrom(...RECORD_SECTIONS);
const relations = fc.uniqueArray(fc.constantFrom(...RELATIONS), { maxLength: 3 });

function sees(rs: Role[], s: RecordSection, rel: Relation[]): boolean {
  return decideAccess(rs, s, rel) !== null;
}

describe("decideAccess (the minimum-necessary matrix)", () => {
  it("gives each single role exactly its sections, without a relation", () => {
    const expected: Record<Role, RecordSection[]> = {
      admin: [],
      hr: [],
      manager: ["demographics", "coverage", "schedule"],
      "front-desk": ["demographics", "coverage", "schedule"],
      biller: ["demographics", "coverage", "schedule", "codes"],
      "privacy-officer": ["demographics", "privacy"],
      clinician: [],
    };
    for (const r of ROLES) {
      expect(
        RECORD_SECTIONS.filter((s) => sees([r], s, [])),
        r,
      ).toEqual(expected[r]);
    }
  });

  it("opens every section but privacy to a clinician with any relation, and names the strongest", () => {
    for (const rel of RELATIONS) {
      for (const s of RECORD_SECTIONS) {
        expect(decideAccess(["clinician"], s, [rel]), `${rel} ${s}`).toBe(s === "privacy" ? null : rel);
      }
    }
    expect(decideAccess(["clinician"], "clinical", ["break-glass", "care-team"])).toBe("care-team");
    expect(decideAccess(["clinician"], "clinical", ["break-glass", "treating"])).toBe("treating");
    expect(decideAccess(["clinician"], "clinical", ["break-glass"])).toBe("break-glass");
  });

  it("never lets a relation open anything for roles other than clinician", () => {
    for (const r of ROLES.filter((x) => x !== "clinician")) {
      for (const s of RECORD_SECTIONS) {
        expect(sees([r], s, [...RELATIONS]), `${r} ${s}`).toBe(sees([r], s, []));
      }
    }
  });

  it("says 'practice' when a role opens the section practice-wide, even with a relation", () => {
    expect(decideAccess(["clinician", "front-desk"], "demographics", ["break-glass"])).toBe("practice");
    expect(decideAccess(["clinician", "front-desk"], "clinical", ["break-glass"])).toBe("break-glass");
  });

  it("several roles see the union of what each sees (property)", () => {
    fc.assert(
      fc.property(roles, section, relations, (rs, s, rel) => {
        expect(sees(rs, s, rel)).toBe(rs.some((r) => sees([r], s, rel)));
      }),
    );
  });

  it("no relation, no clinical content, whatever the roles (property)", () => {
    fc.assert(
      fc.property(roles, (rs) => {
        expect(sees(rs, "clinical", [])).toBe(false);
      }),
    );
  });

  it("more relations never take access away, and no role can read the privacy file by relation (property)", () => {
    fc.assert(
      fc.property(roles, section, relations, relations, (rs, s, a, b) => {
        if (sees(rs, s, a)) expect(sees(rs, s, [...new Set([...a, ...b])])).toBe(true);
        expect(sees(rs, "privacy", a)).toBe(rs.includes("privacy-officer"));
      }),
    );
  });
});

describe("canSeeEncounterSection (sensitive encounters)", () => {
  const plain = { sensitive: false, actorIsPractitioner: false };
  const sensitive = { sensitive: true, actorIsPractitioner: false };
  const ownSensitive = { sensitive: true, actorIsPractitioner: true };

  it("shows a sensitive encounter's clinical content only to its practitioner or under break-glass", () => {
    expect(canSeeEncounterSection(["clinician"], "clinical", ["treating"], sensitive)).toBe(false);
    expect(canSeeEncounterSection(["clinician"], "clinical", ["care-team"], sensitive)).toBe(false);
    expect(canSeeEncounterSection(["clinician"], "clinical", ["treating"], ownSensitive)).toBe(true);
    expect(canSeeEncounterSection(["clinician"], "clinical", ["break-glass"], sensitive)).toBe(true);
    expect(canSeeEncounterSection(["clinician"], "clinical", ["treating"], plain)).toBe(true);
  });

  it("keeps a sensitive encounter's codes for billers, never for front desk or manager", () => {
    expect(canSeeEncounterSection(["biller"], "codes", [], sensitive)).toBe(true);
    expect(canSeeEncounterSection(["biller"], "clinical", [], sensitive)).toBe(false);
    expect(canSeeEncounterSection(["front-desk"], "codes", [], plain)).toBe(false);
    expect(canSeeEncounterSection(["manager"], "codes", [...RELATIONS], sensitive)).toBe(false);
    expect(canSeeEncounterSection(["clinician"], "codes", ["care-team"], sensitive)).toBe(false);
  });

  it("sensitivity never widens access (property)", () => {
    fc.assert(
      fc.property(
        roles,
        fc.constantFrom("codes" as const, "clinical" as const),
        relations,
        fc.boolean(),
        (rs, s, rel, own) => {
          const restricted = canSeeEncounterSection(rs, s, rel, {
            sensitive: true,
            actorIsPractitioner: own,
          });
          const open = canSeeEncounterSection(rs, s, rel, { sensitive: false, actorIsPractitioner: own });
          if (restricted) expect(open).toBe(true);
          // And an encounter is never shown where the patient's section itself is closed.
          if (open) expect(sees(rs, s, rel)).toBe(true);
        },
      ),
    );
  });
});
