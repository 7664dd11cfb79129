/**
 * Roles and what each may do, as data (minimum necessary, 45 CFR 164.514(d)). Every route declares one
 * permission from this list; a user's permissions in an organization are the union over their roles.
 * Administration and health information are deliberately separate: an administrator manages users and
 * settings but reads no patient data unless they also hold a clinical or front-office role.
 */
export const ROLES = [
  "admin",
  "manager",
  "front-desk",
  "clinician",
  "biller",
  "hr",
  "privacy-officer",
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: "Administrator",
  manager: "Practice manager",
  "front-desk": "Front desk",
  clinician: "Clinician",
  biller: "Biller",
  hr: "HR",
  "privacy-officer": "Privacy officer",
};

export const PERMISSIONS = [
  "org:read",
  "org:manage",
  "users:manage",
  "tokens:manage",
  "locations:read",
  "locations:write",
  "staff:read",
  "staff:write",
  "patients:read",
  "patients:write",
  "audit:read",
  "fhir:read",
  "schedule:read",
  "schedule:write",
  "scheduling:manage",
  // Records (minimum necessary): encounters with their codes; clinical content (notes, problems,
  // allergies, medications, documents); break-glass; privacy office work; record export.
  "encounters:read",
  "encounters:write",
  "chart:read",
  "chart:write",
  "break-glass:use",
  "privacy:manage",
  "records:export",
  // Day-of flow: the flow board (reading) and the manager's reports and what-if page.
  "flow:read",
  "reports:read",
  // Billing (issue 13): charges, claims, the ledger and acknowledgements (read, work); payers, fee
  // schedules, scrubber rules, billing identity and closing a month (manage).
  "billing:read",
  "billing:write",
  "billing:manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const EVERYONE: Permission[] = ["org:read", "locations:read", "staff:read", "fhir:read"];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
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
    "flow:read",
    "reports:read",
    "billing:read",
    "billing:manage",
  ],
  "front-desk": [
    ...EVERYONE,
    "patients:read",
    "patients:write",
    "schedule:read",
    "schedule:write",
    "flow:read",
  ],
  clinician: [
    ...EVERYONE,
    "patients:read",
    "patients:write",
    "schedule:read",
    "schedule:write",
    "flow:read",
    "encounters:read",
    "encounters:write",
    "chart:read",
    "chart:write",
    "break-glass:use",
    "records:export",
  ],
  biller: [
    ...EVERYONE,
    "patients:read",
    "schedule:read",
    "encounters:read",
    "billing:read",
    "billing:write",
    "billing:manage",
  ],
  hr: [...EVERYONE, "staff:write"],
  "privacy-officer": [...EVERYONE, "patients:read", "audit:read", "privacy:manage", "records:export"],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The union of the permissions of the given roles, in the canonical order of PERMISSIONS. */
export function permissionsFor(roles: readonly Role[]): Permission[] {
  const granted = new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r]));
  return PERMISSIONS.filter((p) => granted.has(p));
}

export function can(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((r) => ROLE_PERMISSIONS[r].includes(permission));
}
