// Short names for the permissions of packages/core/src/security/permissions.ts (see docs/api.md, "Roles
// and permissions"), checked against core's list: a permission core does not have is a type error. The web
// app shows only what the session's permissions allow; the server decides.
import { type Permission, ROLE_LABELS, type Role } from "@salus/core/security/permissions";

export type { Permission };

export const P = {
  locationsRead: "locations:read",
  locationsWrite: "locations:write",
  staffRead: "staff:read",
  staffWrite: "staff:write",
  patientsRead: "patients:read",
  patientsWrite: "patients:write",
  orgManage: "org:manage",
  usersManage: "users:manage",
  tokensManage: "tokens:manage",
  auditRead: "audit:read",
  scheduleRead: "schedule:read",
  scheduleWrite: "schedule:write",
  schedulingManage: "scheduling:manage",
  encountersRead: "encounters:read",
  encountersWrite: "encounters:write",
  chartRead: "chart:read",
  chartWrite: "chart:write",
  breakGlass: "break-glass:use",
  privacyManage: "privacy:manage",
  recordsExport: "records:export",
  flowRead: "flow:read",
  reportsRead: "reports:read",
  billingRead: "billing:read",
  billingWrite: "billing:write",
  billingManage: "billing:manage",
} as const satisfies Record<string, Permission>;

/** A requirement: the user needs at least one of these permissions. */
export type Requirement = readonly Permission[];

export const REQUIRE = {
  // Whoever may write a directory area may also read it.
  locations: [P.locationsRead, P.locationsWrite],
  staff: [P.staffRead, P.staffWrite],
  patients: [P.patientsRead, P.patientsWrite],
  organization: [P.orgManage],
  users: [P.usersManage],
  tokens: [P.tokensManage],
  audit: [P.auditRead],
  schedule: [P.scheduleRead, P.scheduleWrite],
  flow: [P.flowRead],
  reports: [P.reportsRead],
  privacy: [P.privacyManage],
  // Every billing page; changing payers, fee schedules and settings also needs billing:manage.
  billing: [P.billingRead, P.billingWrite, P.billingManage],
} as const satisfies Record<string, Requirement>;

export function allows(permissions: readonly string[] | undefined, requirement: Requirement): boolean {
  if (!permissions) return false;
  return requirement.some((permission) => permissions.includes(permission));
}

export function can(permissions: readonly string[] | undefined, permission: Permission): boolean {
  return permissions?.includes(permission) ?? false;
}

/** A role in words (core's labels); an unknown role is shown as it is. */
export function roleLabel(role: string): string {
  return ROLE_LABELS[role as Role] ?? role;
}
