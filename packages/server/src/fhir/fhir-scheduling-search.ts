import { DomainError } from "@salus/core";
import { DateTime } from "luxon";
import { z } from "zod";
import { text } from "../http/schemas.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadAppointmentType } from "../scheduling/appointment-type-view.ts";
import { APPOINTMENT_TYPE_SYSTEM } from "./fhir-scheduling-ids.ts";

export function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", message, [{ path, message }]);
}

/** `Type/{id}` (or a bare id when `bare` allows it) → the id; anything else is a 400. */
export function referenceId(param: string, value: string, type: string, bare = true): string {
  const m = new RegExp(`^(?:${type}/)${bare ? "?" : ""}([A-Za-z0-9-]{1,64})$`).exec(value);
  if (!m) throw invalid(param, `${param} must be ${type}/{id}${bare ? " or an id" : ""}.`);
  return m[1]!;
}

type DateBound = { from: number; to: number };

/** The UTC instants [lo, hi) a FHIR date or dateTime value covers; values without an offset are read in `zone`. */
function dateRange(param: string, value: string, zone: string): DateBound {
  const m =
    /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(
      value,
    );
  if (!m)
    throw invalid(
      param,
      `${param} must be a FHIR date or dateTime such as 2026-03-03 or 2026-03-03T09:00:00Z.`,
    );
  const offset = m[8];
  const parsed = DateTime.fromISO(value, offset ? { setZone: true } : { zone });
  if (!parsed.isValid) throw invalid(param, `${param} is not a valid date: ${value}.`);
  const unit = m[7]
    ? "millisecond"
    : m[6]
      ? "second"
      : m[4]
        ? "minute"
        : m[3]
          ? "day"
          : m[2]
            ? "month"
            : "year";
  return { from: parsed.toMillis(), to: parsed.plus({ [`${unit}s`]: 1 }).toMillis() };
}

/** Intersects every `date`/`start` value (prefixes eq, ge, gt, le, lt) into one [from, to) range. */
export function dateBounds(param: string, values: string[], zone: string): { from?: number; to?: number } {
  let from: number | undefined;
  let to: number | undefined;
  const lower = (v: number) => {
    from = from === undefined ? v : Math.max(from, v);
  };
  const upper = (v: number) => {
    to = to === undefined ? v : Math.min(to, v);
  };
  for (const raw of values) {
    const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/.exec(raw)!;
    const prefix = m[1] ?? "eq";
    const r = dateRange(param, m[2]!, zone);
    switch (prefix) {
      case "eq":
        lower(r.from);
        upper(r.to);
        break;
      case "ge":
        lower(r.from);
        break;
      case "gt":
        lower(r.to);
        break;
      case "le":
        upper(r.to);
        break;
      case "lt":
        upper(r.from);
        break;
      default:
        throw invalid(param, `${param}: the prefix ${prefix} is not supported; use eq, ge, gt, le or lt.`);
    }
  }
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

export function listOf(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A token `system|code` or `code` for our appointment type system: the code, or null (another system). */
export function typeToken(value: string): string | null {
  const bar = value.indexOf("|");
  if (bar < 0) return value;
  const system = value.slice(0, bar);
  return system === "" || system === APPOINTMENT_TYPE_SYSTEM ? value.slice(bar + 1) : null;
}

export async function requireType(services: Services, actor: Actor, path: string, typeId: string) {
  try {
    return await loadAppointmentType(services.systemDb, actor, typeId);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found")
      throw invalid(path, `${path}: no appointment type with the id ${typeId}.`);
    throw error;
  }
}

export async function locationZone(
  services: Services,
  actor: Actor,
  locationId: string,
): Promise<string | null> {
  const row = await services.systemDb
    .selectFrom("locations")
    .select("time_zone")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", locationId)
    .executeTakeFirst();
  return row?.time_zone ?? null;
}

/** The practice's zone for dates without an offset: the only zone its locations use, else UTC. */
export async function practiceZone(services: Services, actor: Actor): Promise<string> {
  const rows = await services.systemDb
    .selectFrom("locations")
    .select("time_zone")
    .distinct()
    .where("organization_id", "=", actor.organizationId)
    .execute();
  return rows.length === 1 ? rows[0]!.time_zone : "UTC";
}

export const query = (max: number) => z.union([text(max), z.array(text(max)).max(6)]).optional();

export function single(param: string, v: string | string[] | undefined): string | undefined {
  if (Array.isArray(v)) {
    if (v.length > 1) throw invalid(param, `Give ${param} once.`);
    return v[0];
  }
  return v;
}
