import { allows, REQUIRE, type Requirement } from "../auth/permissions.ts";

export type NavSection =
  | "Day"
  | "Records"
  | "Directory"
  | "Billing"
  | "Finance"
  | "People"
  | "Administration"
  | "Privacy";

/** Sections in the order the navbar shows them. */
export const NAV_SECTIONS: readonly NavSection[] = [
  "Day",
  "Records",
  "Directory",
  "Billing",
  "Finance",
  "People",
  "Administration",
  "Privacy",
];

export interface NavItem {
  to: string;
  label: string;
  section: NavSection;
  requires: Requirement;
}

// One line per page. Add an area (Schedule, Flow board, Billing, Finance, HR) by adding its line here
// once its page exists, e.g.
//   { to: "/schedule", label: "Schedule", section: "Day", requires: ["schedule:read"] },
//   { to: "/flow", label: "Flow board", section: "Day", requires: ["flow:read"] },
export const NAV: readonly NavItem[] = [
  { to: "/schedule", label: "Schedule", section: "Day", requires: REQUIRE.schedule },
  { to: "/flow", label: "Flow board", section: "Day", requires: REQUIRE.flow },
  { to: "/reports", label: "Reports", section: "Day", requires: REQUIRE.reports },
  { to: "/patients", label: "Patients", section: "Records", requires: REQUIRE.patients },
  { to: "/locations", label: "Locations", section: "Directory", requires: REQUIRE.locations },
  { to: "/staff", label: "Staff", section: "Directory", requires: REQUIRE.staff },
  { to: "/billing", label: "Billing home", section: "Billing", requires: REQUIRE.billing },
  { to: "/billing/charges", label: "Charges", section: "Billing", requires: REQUIRE.billing },
  { to: "/billing/claims", label: "Claims", section: "Billing", requires: REQUIRE.billing },
  { to: "/billing/scrubber", label: "Claim scrubber", section: "Billing", requires: REQUIRE.billing },
  { to: "/billing/batches", label: "Claim batches", section: "Billing", requires: REQUIRE.billing },
  {
    to: "/billing/acknowledgements",
    label: "Acknowledgements",
    section: "Billing",
    requires: REQUIRE.billing,
  },
  { to: "/billing/rejections", label: "Rejections", section: "Billing", requires: REQUIRE.billing },
  { to: "/billing/payers", label: "Payers", section: "Billing", requires: REQUIRE.billing },
  { to: "/billing/fee-schedules", label: "Fee schedules", section: "Billing", requires: REQUIRE.billing },
  { to: "/billing/settings", label: "Billing settings", section: "Billing", requires: REQUIRE.billing },
  {
    to: "/settings/organization",
    label: "Organization",
    section: "Administration",
    requires: REQUIRE.organization,
  },
  { to: "/settings/users", label: "Users", section: "Administration", requires: REQUIRE.users },
  { to: "/settings/tokens", label: "API tokens", section: "Administration", requires: REQUIRE.tokens },
  {
    to: "/privacy/break-glass",
    label: "Emergency access review",
    section: "Privacy",
    requires: REQUIRE.privacy,
  },
  { to: "/privacy/amendments", label: "Amendments", section: "Privacy", requires: REQUIRE.privacy },
  { to: "/audit", label: "Audit trail", section: "Privacy", requires: REQUIRE.audit },
];

/** The navigation items the given permissions allow, in navbar order. */
export function navItems(permissions: readonly string[], nav: readonly NavItem[] = NAV): NavItem[] {
  const allowed = nav.filter((item) => allows(permissions, item.requires));
  return NAV_SECTIONS.flatMap((section) => allowed.filter((item) => item.section === section));
}

/** Groups items by section, keeping section order and leaving out empty sections. */
export function groupBySection(items: readonly NavItem[]): { section: NavSection; items: NavItem[] }[] {
  return NAV_SECTIONS.map((section) => ({
    section,
    items: items.filter((item) => item.section === section),
  })).filter((group) => group.items.length > 0);
}
