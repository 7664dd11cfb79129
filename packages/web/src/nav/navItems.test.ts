import { describe, expect, it } from "vitest";
import { groupBySection, NAV, type NavItem, navItems } from "./navItems.ts";

// The role matrix of packages/core/src/security/permissions.ts, as the session answer lists it.
const EVERYONE = ["org:read", "locations:read", "staff:read", "fhir:read"];
const ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: [
    ...EVERYONE,
    "org:manage",
    "users:manage",
    "tokens:manage",
    "locations:write",
    "staff:write",
    "scheduling:manage",
  ],
  manager: [
    ...EVERYONE,
    "locations:write",
    "staff:write",
    "patients:read",
    "patients:write",
    "schedule:read",
    "schedule:write",
    "scheduling:manage",
  ],
  "front-desk": [...EVERYONE, "patients:read", "patients:write", "schedule:read", "schedule:write"],
  clinician: [...EVERYONE, "patients:read", "patients:write", "schedule:read", "schedule:write"],
  biller: [...EVERYONE, "patients:read", "schedule:read"],
  hr: [...EVERYONE, "staff:write"],
  "privacy-officer": [...EVERYONE, "patients:read", "audit:read"],
};

const labels = (items: NavItem[]) => items.map((item) => item.label);

describe("navItems", () => {
  it("shows the administrator administration but no patients", () => {
    expect(labels(navItems(ROLE_PERMISSIONS.admin!))).toEqual([
      "Locations",
      "Staff",
      "Organization",
      "Users",
      "API tokens",
    ]);
  });

  it("shows the practice manager the schedule, the directory and patients, no administration or audit", () => {
    expect(labels(navItems(ROLE_PERMISSIONS.manager!))).toEqual([
      "Schedule",
      "Patients",
      "Locations",
      "Staff",
    ]);
  });

  it("shows the schedule to whoever may read it (front desk, clinicians, billers), not to HR or the administrator", () => {
    for (const role of ["front-desk", "clinician", "biller"]) {
      expect(labels(navItems(ROLE_PERMISSIONS[role]!))[0]).toBe("Schedule");
    }
    for (const role of ["hr", "admin", "privacy-officer"]) {
      expect(labels(navItems(ROLE_PERMISSIONS[role]!))).not.toContain("Schedule");
    }
  });

  it("shows the flow board to whoever may read it and reports to the manager only", () => {
    const withFlow = (role: string, extra: string[]) => [...ROLE_PERMISSIONS[role]!, ...extra];
    expect(labels(navItems(withFlow("manager", ["flow:read", "reports:read"]))).slice(0, 3)).toEqual([
      "Schedule",
      "Flow board",
      "Reports",
    ]);
    for (const role of ["front-desk", "clinician"]) {
      const shown = labels(navItems(withFlow(role, ["flow:read"])));
      expect(shown.slice(0, 2)).toEqual(["Schedule", "Flow board"]);
      expect(shown).not.toContain("Reports");
    }
    expect(labels(navItems(ROLE_PERMISSIONS.biller!))).not.toContain("Flow board");
  });

  it("never shows front desk, clinicians, billers or HR the audit trail or users", () => {
    for (const role of ["front-desk", "clinician", "biller", "hr"]) {
      const shown = labels(navItems(ROLE_PERMISSIONS[role]!));
      expect(shown).not.toContain("Audit trail");
      expect(shown).not.toContain("Users");
      expect(shown).toContain("Locations");
    }
    expect(labels(navItems(ROLE_PERMISSIONS.hr!))).toEqual(["Locations", "Staff"]);
  });

  it("shows the privacy officer the audit trail and patients", () => {
    expect(labels(navItems(ROLE_PERMISSIONS["privacy-officer"]!))).toEqual([
      "Patients",
      "Locations",
      "Staff",
      "Audit trail",
    ]);
  });

  it("shows the privacy officer with privacy:manage the break-glass review and amendment queues", () => {
    const shown = labels(navItems([...ROLE_PERMISSIONS["privacy-officer"]!, "privacy:manage"]));
    expect(shown).toEqual([
      "Patients",
      "Locations",
      "Staff",
      "Emergency access review",
      "Amendments",
      "Audit trail",
    ]);
    for (const role of ["front-desk", "clinician", "biller", "manager"]) {
      expect(labels(navItems(ROLE_PERMISSIONS[role]!))).not.toContain("Amendments");
    }
  });

  it("takes the union for several roles, without duplicates", () => {
    const both = [...ROLE_PERMISSIONS.admin!, ...ROLE_PERMISSIONS["privacy-officer"]!];
    const shown = labels(navItems(both));
    expect(shown).toEqual([
      "Patients",
      "Locations",
      "Staff",
      "Organization",
      "Users",
      "API tokens",
      "Audit trail",
    ]);
    expect(new Set(shown).size).toBe(shown.length);
  });

  it("shows nothing without permissions, and a write permission alone is enough to see an area", () => {
    expect(navItems([])).toEqual([]);
    expect(labels(navItems(["patients:write"]))).toEqual(["Patients"]);
  });

  it("orders by section and groups without empty sections", () => {
    const extra: NavItem = {
      to: "/privacy/requests",
      label: "Privacy requests",
      section: "Privacy",
      requires: ["privacy:manage"],
    };
    const items = navItems(
      ["privacy:manage", "schedule:read", "audit:read", "patients:read"],
      [extra, ...NAV],
    );
    expect(labels(items)).toEqual([
      "Schedule",
      "Patients",
      "Privacy requests",
      "Emergency access review",
      "Amendments",
      "Audit trail",
    ]);
    expect(groupBySection(items).map((group) => group.section)).toEqual(["Day", "Records", "Privacy"]);
  });
});
