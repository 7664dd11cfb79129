/**
 * The ids of FHIR Schedules and Slots (all `[A-Za-z0-9-]`, at most 64 characters, stable and decodable
 * without a lookup table; the layout is described in `fhir-scheduling-routes.ts`).
 */
export const APPOINTMENT_TYPE_SYSTEM = "urn:salus:appointment-type";
export const ROOM_SYSTEM = "urn:salus:room";

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPE_KEY_LENGTH = 10;

/** A UUID as 22 base-62 digits, or null when the id is not a UUID. */
export function compactUuid(uuid: string): string | null {
  if (!UUID.test(uuid)) return null;
  let n = BigInt(`0x${uuid.replaceAll("-", "")}`);
  let out = "";
  for (let i = 0; i < 22; i++) {
    out = B62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out;
}

export function expandUuid(compact: string): string | null {
  if (!/^[0-9A-Za-z]{22}$/.test(compact)) return null;
  let n = 0n;
  for (const c of compact) n = n * 62n + BigInt(B62.indexOf(c));
  if (n >= 1n << 128n) return null;
  const hex = n.toString(16).padStart(32, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface ScheduleKey {
  kind: "practitioner" | "room";
  resourceId: string;
  locationId: string;
}

export function scheduleId(k: ScheduleKey): string | null {
  const resource = compactUuid(k.resourceId);
  const location = compactUuid(k.locationId);
  if (!resource || !location) return null;
  return `${k.kind === "practitioner" ? "p" : "r"}${resource}${location}`;
}

export function parseScheduleId(id: string): ScheduleKey | null {
  const m = /^([pr])([0-9A-Za-z]{22})([0-9A-Za-z]{22})$/.exec(id);
  if (!m) return null;
  const resourceId = expandUuid(m[2]!);
  const locationId = expandUuid(m[3]!);
  if (!resourceId || !locationId) return null;
  return { kind: m[1] === "p" ? "practitioner" : "room", resourceId, locationId };
}

export function slotId(schedule: string, start: number, appointmentTypeId: string): string {
  const type = compactUuid(appointmentTypeId) ?? "";
  return `${schedule}-${Math.floor(start / 1000).toString(36)}-${type.slice(0, TYPE_KEY_LENGTH)}`;
}

export function parseSlotId(
  id: string,
): { schedule: ScheduleKey; scheduleId: string; start: number; typeKey: string } | null {
  const m = /^([pr][0-9A-Za-z]{44})-([0-9a-z]{1,9})-([0-9A-Za-z]{10})$/.exec(id);
  if (!m) return null;
  const schedule = parseScheduleId(m[1]!);
  if (!schedule) return null;
  return { schedule, scheduleId: m[1]!, start: Number.parseInt(m[2]!, 36) * 1000, typeKey: m[3]! };
}
