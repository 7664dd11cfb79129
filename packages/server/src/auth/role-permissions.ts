import { type Permission, permissionsFor, type Role } from "@salus/core";

// The role matrix is a constant, so each combination of roles maps to one permission list for the life
// of the process: computed the first time it is seen, then shared (frozen, so no caller can change it).
// This caches only the pure role→permission function, never who holds which role: that is read from the
// database on every request, so a role change still takes effect on the next one.
const byRoles = new Map<string, Permission[]>();
const sets = new WeakMap<readonly Permission[], ReadonlySet<Permission>>();

/**
 * The permissions the roles grant (the same list `permissionsFor` answers), computed once per
 * combination. The list is frozen: it is shared by every actor with these roles (typed mutable only so
 * it fits `Actor.permissions`; a write throws).
 */
export function permissionsOf(roles: readonly Role[]): Permission[] {
  const key = roles.join(",");
  let list = byRoles.get(key);
  if (!list) {
    list = Object.freeze(permissionsFor(roles)) as Permission[];
    byRoles.set(key, list);
    sets.set(list, new Set(list));
  }
  return list;
}

/** Whether a permission list (as held by an actor) contains `permission`: a set look-up for shared lists. */
export function grants(permissions: readonly Permission[], permission: Permission): boolean {
  const set = sets.get(permissions);
  return set ? set.has(permission) : permissions.includes(permission);
}
