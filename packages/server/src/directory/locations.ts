import { randomUUID } from "node:crypto";
import { DomainError, isValidTimeZone, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { EquipmentRow, LocationRow, RoomRow } from "../db/schema.ts";
import { organizationDb } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type ListQuery, likePattern, lowerLike, type Page } from "./list-query.ts";
import type { EquipmentView, LocationView, RoomView } from "./schemas.ts";

export type { EquipmentView, LocationView, RoomView } from "./schemas.ts";

/** Locations (each with its IANA time zone), and the rooms and equipment in them. */
/** Input: nullable fields may be omitted (stored as null); `active` defaults to true. */
export type LocationInput = Pick<LocationView, "name" | "timeZone"> &
  Partial<Omit<LocationView, "id" | "name" | "timeZone" | "active">> & { active?: boolean | undefined };

export function presentLocation(r: LocationRow): LocationView {
  return {
    id: r.id,
    name: r.name,
    timeZone: r.time_zone,
    addressLine1: r.address_line1,
    addressLine2: r.address_line2,
    city: r.city,
    state: r.state,
    postalCode: r.postal_code,
    phone: r.phone,
    active: r.active === 1,
  };
}
export function presentRoom(r: RoomRow): RoomView {
  return { id: r.id, locationId: r.location_id, name: r.name, active: r.active === 1 };
}
export function presentEquipment(r: EquipmentRow): EquipmentView {
  return { id: r.id, locationId: r.location_id, name: r.name, kind: r.kind, active: r.active === 1 };
}

function checkZone(zone: string | undefined): void {
  if (zone !== undefined && !isValidTimeZone(zone)) {
    throw new DomainError(
      "invalid_request",
      `"${zone}" is not an IANA time zone (for example America/Chicago).`,
      [{ path: "timeZone", message: "must be an IANA time zone such as America/Chicago" }],
    );
  }
}

export async function listLocations(
  services: Services,
  actor: Actor,
  query: ListQuery,
): Promise<Page<LocationView>> {
  let q = organizationDb(services.db, actor.organizationId)
    .selectFrom("locations")
    .where("organization_id", "=", actor.organizationId);
  if (query.q?.trim()) {
    const p = likePattern(query.q.trim());
    q = q.where((eb) => eb.or([lowerLike("name", p), lowerLike("city", p)]));
  }
  const rows = await q
    .selectAll()
    .orderBy("name")
    .orderBy("id")
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  const count = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return { items: rows.map(presentLocation), total: Number(count.n) };
}

async function loadLocation(trx: Trx, actor: Actor, id: string): Promise<LocationRow> {
  const row = await trx
    .selectFrom("locations")
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound("location");
  return row;
}

export async function getLocation(services: Services, actor: Actor, id: string): Promise<LocationView> {
  return presentLocation(await loadLocation(organizationDb(services.db, actor.organizationId), actor, id));
}

export async function createLocation(
  services: Services,
  actor: Actor,
  input: LocationInput,
): Promise<LocationView> {
  checkZone(input.timeZone);
  const id = randomUUID();
  const at = services.clock().toISOString();
  return audited(
    services,
    actor,
    { action: "location.create", resourceType: "Location", resourceId: id },
    async (trx) => {
      await trx
        .insertInto("locations")
        .values({
          organization_id: actor.organizationId,
          id,
          name: input.name,
          time_zone: input.timeZone,
          address_line1: input.addressLine1 ?? null,
          address_line2: input.addressLine2 ?? null,
          city: input.city ?? null,
          state: input.state ?? null,
          postal_code: input.postalCode ?? null,
          phone: input.phone ?? null,
          active: input.active === false ? 0 : 1,
          created_at: at,
          updated_at: at,
        })
        .execute();
      return presentLocation(await loadLocation(trx, actor, id));
    },
  );
}

export async function updateLocation(
  services: Services,
  actor: Actor,
  id: string,
  changes: Partial<LocationInput>,
): Promise<LocationView> {
  checkZone(changes.timeZone);
  return audited(
    services,
    actor,
    {
      action: "location.update",
      resourceType: "Location",
      resourceId: id,
      detail: { fields: Object.keys(changes).sort() },
    },
    async (trx) => {
      await loadLocation(trx, actor, id);
      const set: Partial<LocationRow> = { updated_at: services.clock().toISOString() };
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.timeZone !== undefined) set.time_zone = changes.timeZone;
      if (changes.addressLine1 !== undefined) set.address_line1 = changes.addressLine1;
      if (changes.addressLine2 !== undefined) set.address_line2 = changes.addressLine2;
      if (changes.city !== undefined) set.city = changes.city;
      if (changes.state !== undefined) set.state = changes.state;
      if (changes.postalCode !== undefined) set.postal_code = changes.postalCode;
      if (changes.phone !== undefined) set.phone = changes.phone;
      if (changes.active !== undefined) set.active = changes.active ? 1 : 0;
      await trx
        .updateTable("locations")
        .set(set)
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return presentLocation(await loadLocation(trx, actor, id));
    },
  );
}

type ResourceTable = "rooms" | "equipment";

/** Rooms and equipment share one shape (equipment adds `kind`), so they share these use cases. */
export async function listResources(
  services: Services,
  actor: Actor,
  table: ResourceTable,
  query: ListQuery & { locationId?: string | undefined },
): Promise<Page<RoomView | EquipmentView>> {
  let q = organizationDb(services.db, actor.organizationId)
    .selectFrom(table)
    .where("organization_id", "=", actor.organizationId);
  if (query.locationId) q = q.where("location_id", "=", query.locationId);
  if (query.q?.trim()) q = q.where(lowerLike("name", likePattern(query.q!.trim())));
  const rows = await q
    .selectAll()
    .orderBy("name")
    .orderBy("id")
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  const count = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return { items: rows.map((r) => presentResource(table, r)), total: Number(count.n) };
}

function presentResource(table: ResourceTable, row: RoomRow | EquipmentRow): RoomView | EquipmentView {
  return table === "rooms" ? presentRoom(row as RoomRow) : presentEquipment(row as EquipmentRow);
}

async function loadResource(trx: Trx, actor: Actor, table: ResourceTable, id: string) {
  const row = await trx
    .selectFrom(table)
    .selectAll()
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw notFound(table === "rooms" ? "room" : "equipment");
  return row as RoomRow | EquipmentRow;
}

export async function getResource(services: Services, actor: Actor, table: ResourceTable, id: string) {
  return presentResource(
    table,
    await loadResource(organizationDb(services.db, actor.organizationId), actor, table, id),
  );
}

export interface ResourceInput {
  locationId: string;
  name: string;
  kind?: string | undefined;
  active?: boolean | undefined;
}

export async function createResource(
  services: Services,
  actor: Actor,
  table: ResourceTable,
  input: ResourceInput,
) {
  const id = randomUUID();
  const at = services.clock().toISOString();
  const type = table === "rooms" ? "Room" : "Equipment";
  return audited(
    services,
    actor,
    { action: `${table === "rooms" ? "room" : "equipment"}.create`, resourceType: type, resourceId: id },
    async (trx) => {
      await requireLocation(trx, actor, input.locationId);
      const base = {
        organization_id: actor.organizationId,
        id,
        location_id: input.locationId,
        name: input.name,
        active: input.active === false ? 0 : 1,
        created_at: at,
        updated_at: at,
      };
      if (table === "rooms") await trx.insertInto("rooms").values(base).execute();
      else
        await trx
          .insertInto("equipment")
          .values({ ...base, kind: input.kind ?? "general" })
          .execute();
      return presentResource(table, await loadResource(trx, actor, table, id));
    },
  );
}

export async function updateResource(
  services: Services,
  actor: Actor,
  table: ResourceTable,
  id: string,
  changes: Partial<ResourceInput>,
) {
  const type = table === "rooms" ? "Room" : "Equipment";
  return audited(
    services,
    actor,
    { action: `${table === "rooms" ? "room" : "equipment"}.update`, resourceType: type, resourceId: id },
    async (trx) => {
      await loadResource(trx, actor, table, id);
      if (changes.locationId !== undefined) await requireLocation(trx, actor, changes.locationId);
      const set: Record<string, unknown> = { updated_at: services.clock().toISOString() };
      if (changes.locationId !== undefined) set.location_id = changes.locationId;
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.active !== undefined) set.active = changes.active ? 1 : 0;
      if (table === "equipment" && changes.kind !== undefined) set.kind = changes.kind;
      await trx
        .updateTable(table)
        .set(set)
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return presentResource(table, await loadResource(trx, actor, table, id));
    },
  );
}

async function requireLocation(trx: Trx, actor: Actor, locationId: string): Promise<void> {
  const found = await trx
    .selectFrom("locations")
    .select("id")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", locationId)
    .executeTakeFirst();
  if (!found) {
    throw new DomainError("invalid_request", "No location with that id.", [
      { path: "locationId", message: "does not name a location of this organization" },
    ]);
  }
}
