import { randomUUID } from "node:crypto";
import { DomainError, notFound } from "@salus/core";
import {
  type AvailabilityException,
  type AvailabilityInput,
  type LocationClosure,
  validateAvailabilityInput,
  type WeeklyTemplate,
} from "@salus/core/scheduling/availability";
import type { TimeInterval } from "@salus/core/scheduling/intervals";
import type { IsoWeekday } from "@salus/core/scheduling/zoned-time";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * Availability as the practice enters it: weekly templates per practitioner, room or equipment at a
 * location, dated exceptions (extra hours, a day off), blocks (a meeting, a vacation) and location
 * closures (holidays). Stored as entered (local wall times and dates) and expanded per request in the
 * location's zone by the core, so a DST change never shifts anyone's hours.
 */
export type ResourceKind = "practitioner" | "room" | "equipment";

export interface TemplateView {
  id: string;
  resourceKind: ResourceKind;
  resourceId: string;
  locationId: string;
  weekday: number;
  start: string;
  end: string;
  effectiveFrom: string;
  effectiveTo: string | null;
}
export type TemplateInput = Omit<TemplateView, "id">;

export interface ExceptionView {
  id: string;
  kind: "extra" | "unavailable" | "closure";
  resourceKind: ResourceKind | null;
  resourceId: string | null;
  locationId: string;
  date: string;
  start: string | null;
  end: string | null;
  reason: string | null;
}
export type ExceptionInput = Omit<ExceptionView, "id">;

export interface BlockView {
  id: string;
  resourceKind: ResourceKind;
  resourceId: string;
  start: string;
  end: string;
  reason: string | null;
}
export type BlockInput = Omit<BlockView, "id">;

async function locationZone(trx: Trx, actor: Actor, locationId: string): Promise<string> {
  const row = await trx
    .selectFrom("locations")
    .select("time_zone")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", locationId)
    .executeTakeFirst();
  if (!row) {
    throw new DomainError("invalid_request", "No location with that id.", [
      { path: "locationId", message: "does not name a location of this organization" },
    ]);
  }
  return row.time_zone;
}

/** Checks that a resource id names a resource of that kind in this organization. */
export async function requireResource(trx: Trx, actor: Actor, kind: ResourceKind, id: string): Promise<void> {
  const table = kind === "practitioner" ? "staff_members" : kind === "room" ? "rooms" : "equipment";
  let q = trx
    .selectFrom(table)
    .select("id")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id);
  if (kind === "practitioner") q = q.where("kind" as never, "=", "practitioner" as never);
  if (!(await q.executeTakeFirst())) {
    throw new DomainError("invalid_request", `No ${kind} with that id.`, [
      { path: "resourceId", message: `does not name a ${kind} of this organization` },
    ]);
  }
}

export async function listTemplates(
  services: Services,
  actor: Actor,
  filter: { resourceId?: string | undefined; locationId?: string | undefined },
) {
  let q = services.db.kysely
    .selectFrom("availability_templates")
    .selectAll()
    .where("organization_id", "=", actor.organizationId);
  if (filter.resourceId) q = q.where("resource_id", "=", filter.resourceId);
  if (filter.locationId) q = q.where("location_id", "=", filter.locationId);
  const rows = await q.orderBy("resource_id").orderBy("weekday").orderBy("start_time").execute();
  return rows.map(
    (r): TemplateView => ({
      id: r.id,
      resourceKind: r.resource_kind,
      resourceId: r.resource_id,
      locationId: r.location_id,
      weekday: r.weekday,
      start: r.start_time,
      end: r.end_time,
      effectiveFrom: r.effective_from,
      effectiveTo: r.effective_to,
    }),
  );
}

export async function createTemplate(
  services: Services,
  actor: Actor,
  input: TemplateInput,
): Promise<TemplateView> {
  const id = randomUUID();
  return audited(
    services,
    actor,
    { action: "availability.template.create", resourceType: "AvailabilityTemplate", resourceId: id },
    async (trx) => {
      const zone = await locationZone(trx, actor, input.locationId);
      await requireResource(trx, actor, input.resourceKind, input.resourceId);
      validateAvailabilityInput({
        templates: [{ ...input, weekday: input.weekday as IsoWeekday, locationZone: zone }],
        exceptions: [],
        blocks: [],
        closures: [],
      });
      await trx
        .insertInto("availability_templates")
        .values({
          organization_id: actor.organizationId,
          id,
          resource_kind: input.resourceKind,
          resource_id: input.resourceId,
          location_id: input.locationId,
          weekday: input.weekday,
          start_time: input.start,
          end_time: input.end,
          effective_from: input.effectiveFrom,
          effective_to: input.effectiveTo,
          created_at: services.clock().toISOString(),
        })
        .execute();
      return { id, ...input };
    },
  );
}

export async function deleteTemplate(services: Services, actor: Actor, id: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "availability.template.delete", resourceType: "AvailabilityTemplate", resourceId: id },
    async (trx) => {
      const r = await trx
        .deleteFrom("availability_templates")
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw notFound("availability template");
    },
  );
}

export async function listExceptions(
  services: Services,
  actor: Actor,
  filter: { from?: string | undefined; to?: string | undefined; locationId?: string | undefined },
) {
  let q = services.db.kysely
    .selectFrom("availability_exceptions")
    .selectAll()
    .where("organization_id", "=", actor.organizationId);
  if (filter.from) q = q.where("date", ">=", filter.from);
  if (filter.to) q = q.where("date", "<=", filter.to);
  if (filter.locationId) q = q.where("location_id", "=", filter.locationId);
  const rows = await q.orderBy("date").execute();
  return rows.map(
    (r): ExceptionView => ({
      id: r.id,
      kind: r.kind,
      resourceKind: r.resource_kind,
      resourceId: r.resource_id,
      locationId: r.location_id,
      date: r.date,
      start: r.start_time,
      end: r.end_time,
      reason: r.reason,
    }),
  );
}

export async function createException(
  services: Services,
  actor: Actor,
  input: ExceptionInput,
): Promise<ExceptionView> {
  const id = randomUUID();
  return audited(
    services,
    actor,
    { action: "availability.exception.create", resourceType: "AvailabilityException", resourceId: id },
    async (trx) => {
      const zone = await locationZone(trx, actor, input.locationId);
      if (input.kind === "closure") {
        if (input.resourceId)
          throw new DomainError(
            "invalid_request",
            "A closure applies to the whole location; leave the resource empty.",
            [{ path: "resourceId", message: "must be empty for a closure" }],
          );
      } else {
        if (!input.resourceKind || !input.resourceId) {
          throw new DomainError(
            "invalid_request",
            "Name the practitioner, room or equipment this exception applies to.",
            [{ path: "resourceId", message: "is required" }],
          );
        }
        await requireResource(trx, actor, input.resourceKind, input.resourceId);
        if (input.kind === "extra" && (!input.start || !input.end)) {
          throw new DomainError("invalid_request", "Extra hours need a start and an end time.", [
            { path: "start", message: "is required for extra hours" },
          ]);
        }
        validateAvailabilityInput({
          templates: [],
          exceptions: [toCoreException(input, zone)],
          blocks: [],
          closures: [],
        });
      }
      await trx
        .insertInto("availability_exceptions")
        .values({
          organization_id: actor.organizationId,
          id,
          kind: input.kind,
          resource_kind: input.kind === "closure" ? null : input.resourceKind,
          resource_id: input.kind === "closure" ? null : input.resourceId,
          location_id: input.locationId,
          date: input.date,
          start_time: input.start,
          end_time: input.end,
          reason: input.reason,
          created_at: services.clock().toISOString(),
        })
        .execute();
      return { id, ...input };
    },
  );
}

export async function deleteException(services: Services, actor: Actor, id: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "availability.exception.delete", resourceType: "AvailabilityException", resourceId: id },
    async (trx) => {
      const r = await trx
        .deleteFrom("availability_exceptions")
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw notFound("availability exception");
    },
  );
}

export async function createBlock(services: Services, actor: Actor, input: BlockInput): Promise<BlockView> {
  const id = randomUUID();
  if (Date.parse(input.end) <= Date.parse(input.start)) {
    throw new DomainError("invalid_request", "A block must end after it starts.", [
      { path: "end", message: "must be after start" },
    ]);
  }
  return audited(
    services,
    actor,
    { action: "availability.block.create", resourceType: "AvailabilityBlock", resourceId: id },
    async (trx) => {
      await requireResource(trx, actor, input.resourceKind, input.resourceId);
      await trx
        .insertInto("availability_blocks")
        .values({
          organization_id: actor.organizationId,
          id,
          resource_kind: input.resourceKind,
          resource_id: input.resourceId,
          start_at: new Date(input.start).toISOString(),
          end_at: new Date(input.end).toISOString(),
          reason: input.reason,
          created_at: services.clock().toISOString(),
        })
        .execute();
      return { id, ...input };
    },
  );
}

export async function listBlocks(
  services: Services,
  actor: Actor,
  filter: { from?: string | undefined; to?: string | undefined; resourceId?: string | undefined },
) {
  let q = services.db.kysely
    .selectFrom("availability_blocks")
    .selectAll()
    .where("organization_id", "=", actor.organizationId);
  if (filter.from) q = q.where("end_at", ">", new Date(filter.from).toISOString());
  if (filter.to) q = q.where("start_at", "<", new Date(filter.to).toISOString());
  if (filter.resourceId) q = q.where("resource_id", "=", filter.resourceId);
  const rows = await q.orderBy("start_at").execute();
  return rows.map(
    (r): BlockView => ({
      id: r.id,
      resourceKind: r.resource_kind,
      resourceId: r.resource_id,
      start: r.start_at,
      end: r.end_at,
      reason: r.reason,
    }),
  );
}

export async function deleteBlock(services: Services, actor: Actor, id: string): Promise<void> {
  await audited(
    services,
    actor,
    { action: "availability.block.delete", resourceType: "AvailabilityBlock", resourceId: id },
    async (trx) => {
      const r = await trx
        .deleteFrom("availability_blocks")
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) throw notFound("availability block");
    },
  );
}

function toCoreException(r: ExceptionInput, zone: string): AvailabilityException {
  if (r.kind === "extra") {
    return {
      kind: "extra",
      resourceKind: r.resourceKind!,
      resourceId: r.resourceId!,
      locationId: r.locationId,
      locationZone: zone,
      date: r.date,
      start: r.start!,
      end: r.end!,
    };
  }
  return {
    kind: "unavailable",
    resourceKind: r.resourceKind!,
    resourceId: r.resourceId!,
    locationZone: zone,
    date: r.date,
    start: r.start,
    end: r.end,
  };
}

/**
 * Loads what `expandAvailability` needs for the given resources at one location over a range (dates are
 * padded by a day each side, so local days that straddle the UTC range are complete).
 */
export async function loadAvailabilityInput(
  trx: Trx,
  organizationId: string,
  location: { id: string; zone: string },
  resourceIds: readonly string[],
  range: TimeInterval,
): Promise<AvailabilityInput> {
  if (resourceIds.length === 0) return { templates: [], exceptions: [], blocks: [], closures: [] };
  const fromDate = new Date(range.start - 2 * 86_400_000).toISOString().slice(0, 10);
  const toDate = new Date(range.end + 2 * 86_400_000).toISOString().slice(0, 10);
  const [templates, exceptions, blocks] = await Promise.all([
    trx
      .selectFrom("availability_templates")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("location_id", "=", location.id)
      .where("resource_id", "in", resourceIds)
      .where("effective_from", "<=", toDate)
      .where((eb) => eb.or([eb("effective_to", "is", null), eb("effective_to", ">=", fromDate)]))
      .execute(),
    trx
      .selectFrom("availability_exceptions")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("location_id", "=", location.id)
      .where("date", ">=", fromDate)
      .where("date", "<=", toDate)
      .execute(),
    trx
      .selectFrom("availability_blocks")
      .selectAll()
      .where("organization_id", "=", organizationId)
      .where("resource_id", "in", resourceIds)
      .where("end_at", ">", new Date(range.start - 86_400_000).toISOString())
      .where("start_at", "<", new Date(range.end + 86_400_000).toISOString())
      .execute(),
  ]);
  const closures: LocationClosure[] = exceptions
    .filter((e) => e.kind === "closure")
    .map((e) => ({ locationId: location.id, date: e.date }));
  return {
    templates: templates.map(
      (t): WeeklyTemplate => ({
        resourceKind: t.resource_kind,
        resourceId: t.resource_id,
        locationId: t.location_id,
        locationZone: location.zone,
        weekday: t.weekday as IsoWeekday,
        start: t.start_time,
        end: t.end_time,
        effectiveFrom: t.effective_from,
        effectiveTo: t.effective_to,
      }),
    ),
    exceptions: exceptions
      .filter((e) => e.kind !== "closure" && e.resource_id && resourceIds.includes(e.resource_id))
      .map((e) =>
        toCoreException(
          {
            kind: e.kind,
            resourceKind: e.resource_kind,
            resourceId: e.resource_id,
            locationId: e.location_id,
            date: e.date,
            start: e.start_time,
            end: e.end_time,
            reason: e.reason,
          },
          location.zone,
        ),
      ),
    blocks: blocks.map((b) => ({
      resourceKind: b.resource_kind,
      resourceId: b.resource_id,
      start: Date.parse(b.start_at),
      end: Date.parse(b.end_at),
    })),
    closures,
  };
}
