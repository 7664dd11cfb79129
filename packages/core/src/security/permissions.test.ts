import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  can,
  isRole,
  PERMISSIONS,
  type Permission,
  permissionsFor,
  ROLE_LABELS,
  ROLE_PERMISSIONS,
  ROLES,
  type Role,
} from "./permissions.ts";

const anyRoles = fc.array(fc.constantFrom(...ROLES), { maxLength: 10 });
const anyPermission = fc.constantFrom(...PERMISSIONS);

describe("the role matrix", () => {
  it("has a label and a permission list for every role, and no other keys", () => {
    expect(Object.keys(ROLE_LABELS).sort()).toEqual([...ROLES].sort());
    expect(Object.keys(ROLE_PERMISSIONS).sort()).toEqual([...ROLES].sort());
  });

  it("lists only known permissions, each at most once per role", () => {
    for (const role of ROLES) {
      const list = ROLE_PERMISSIONS[role];
      expect(new Set(list).size, role).toBe(list.length);
      for (const p of list) expect(PERMISSIONS, `${role} ${p}`).toContain(p);
    }
  });

  it("gives every role org:read", () => {
    for (const role of ROLES) expect(can([role], "org:read"), role).toBe(true);
  });

  it("keeps administration apart from health information: admin reads no patients and no audit", () => {
    expect(can(["admin"], "patients:read")).toBe(false);
    expect(can(["admin"], "patients:write")).toBe(false);
    expect(can(["admin"], "audit:read")).toBe(false);
    expect(can(["admin"], "users:manage")).toBe(true);
  });

  it("gives user, token and organization management only to admin", () => {
    for (const p of ["users:manage", "tokens:manage", "org:manage"] as const) {
      expect(
        ROLES.filter((r) => can([r], p)),
        p,
      ).toEqual(["admin"]);
    }
  });

  it("gives the audit trail only to the privacy officer", () => {
    expect(ROLES.filter((r) => can([r], "audit:read"))).toEqual(["privacy-officer"]);
  });

  it("never lets a role write patients without reading them", () => {
    for (const role of ROLES) {
      if (can([role], "patients:write")) expect(can([role], "patients:read"), role).toBe(true);
      if (can([role], "locations:write")) expect(can([role], "locations:read"), role).toBe(true);
      if (can([role], "staff:write")) expect(can([role], "staff:read"), role).toBe(true);
    }
  });

  it("grants every permission to at least one role", () => {
    for (const p of PERMISSIONS)
      expect(
        ROLES.some((r) => can([r], p)),
        p,
      ).toBe(true);
  });
});

describe("isRole", () => {
  it("accepts exactly the roles", () => {
    for (const r of ROLES) expect(isRole(r)).toBe(true);
    for (const r of [
      "",
      "Admin",
      "ADMIN",
      "root",
      "front_desk",
      "admin ",
      "__proto__",
      "constructor",
      "toString",
    ]) {
      expect(isRole(r), r).toBe(false);
    }
  });
});

describe("permissionsFor and can", () => {
  it("gives no permissions to no roles", () => {
    expect(permissionsFor([])).toEqual([]);
    for (const p of PERMISSIONS) expect(can([], p)).toBe(false);
  });

  it("is the union of the roles' permissions, in the canonical order, without duplicates", () => {
    fc.assert(
      fc.property(anyRoles, (roles) => {
        const got = permissionsFor(roles);
        const union = new Set<Permission>(roles.flatMap((r) => [...ROLE_PERMISSIONS[r]]));
        expect(new Set(got)).toEqual(union);
        expect(got).toHaveLength(union.size);
        const indexes = got.map((p) => PERMISSIONS.indexOf(p));
        expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      }),
    );
  });

  it("does not depend on the order or repetition of roles", () => {
    fc.assert(
      fc.property(anyRoles, (roles) => {
        const reversed = [...roles].reverse();
        expect(permissionsFor(reversed)).toEqual(permissionsFor(roles));
        expect(permissionsFor([...roles, ...roles])).toEqual(permissionsFor(roles));
      }),
    );
  });

  it("is monotonic: adding a role never removes a permission", () => {
    fc.assert(
      fc.property(anyRoles, fc.constantFrom(...ROLES), (roles, extra: Role) => {
        const before = permissionsFor(roles);
        const after = permissionsFor([...roles, extra]);
        for (const p of before) expect(after).toContain(p);
      }),
    );
  });

  it("can(roles, p) holds exactly when p is in permissionsFor(roles)", () => {
    fc.assert(
      fc.property(anyRoles, anyPermission, (roles, p) => {
        expect(can(roles, p)).toBe(permissionsFor(roles).includes(p));
      }),
      { numRuns: 1000 },
    );
  });
});
