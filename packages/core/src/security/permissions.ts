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
  ],
  "front-desk": [...EVERYONE, "patients:read", "patients:write", "schedule:read", "schedule:write"],
  clinician: [...EVERYONE, "patients:read", "patients:write", "schedule:read", "schedule:write"],
  biller: [...EVERYONE, "patients:read", "schedule:read"],
  hr: [...EVERYONE, "staff:write"],
  "privacy-officer": [...EVERYONE, "patients:read", "audit:read"],
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
