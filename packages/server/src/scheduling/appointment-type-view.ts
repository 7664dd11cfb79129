import { DomainError, notFound } from "@salus/core";
import { preparedQuery } from "../db/prepared.ts";
import type { AppointmentTypesTable } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import type { AppointmentTypeView } from "./schemas.ts";

export type { AppointmentTypeView } from "./schemas.ts";

/** What a visit takes: how long, which resources, buffers, lead time, daily limit, who may book it. */

export type AppointmentTypeInput = Pick<AppointmentTypeView, "name" | "durationMinutes"> &
  Partial<Omit<AppointmentTypeView, "id" | "name" | "durationMinutes">>;

export function presentAppointmentType(r: AppointmentTypesTable): AppointmentTypeView {
  return {
    id: r.id,
    name: r.name,
    durationMinutes: r.duration_minutes,
    bufferBeforeMinutes: r.buffer_before_minutes,
    bufferAfterMinutes: r.buffer_after_minutes,
    minLeadMinutes: r.min_lead_minutes,
    maxPerDay: r.max_per_day,
    stepMinutes: r.step_minutes,
    patientKind: r.patient_kind,
    practitionerIds: r.practitioner_ids ? (JSON.parse(r.practitioner_ids) as string[]) : null,
    roomRequired: r.room_required === 1,
    roomIds: r.room_ids ? (JSON.parse(r.room_ids) as string[]) : null,
    equipmentKinds: JSON.parse(r.equipment_kinds) as string[],
    bookableByPatient: r.bookable_by_patient === 1,
    color: r.color,
    active: r.active === 1,
  };
}

export function columns(input: Partial<AppointmentTypeInput>): Partial<AppointmentTypesTable> {
  const c: Partial<AppointmentTypesTable> = {};
  if (input.name !== undefined) c.name = input.name;
  if (input.durationMinutes !== undefined) c.duration_minutes = input.durationMinutes;
  if (input.bufferBeforeMinutes !== undefined) c.buffer_before_minutes = input.bufferBeforeMinutes;
  if (input.bufferAfterMinutes !== undefined) c.buffer_after_minutes = input.bufferAfterMinutes;
  if (input.minLeadMinutes !== undefined) c.min_lead_minutes = input.minLeadMinutes;
  if (input.maxPerDay !== undefined) c.max_per_day = input.maxPerDay;
  if (input.stepMinutes !== undefined) c.step_minutes = input.stepMinutes;
  if (input.patientKind !== undefined) c.patient_kind = input.patientKind;
  if (input.practitionerIds !== undefined)
    c.practitioner_ids = input.practitionerIds ? JSON.stringify(input.practitionerIds) : null;
  if (input.roomRequired !== undefined) c.room_required = input.roomRequired ? 1 : 0;
  if (input.roomIds !== undefined) c.room_ids = input.roomIds ? JSON.stringify(input.roomIds) : null;
  if (input.equipmentKinds !== undefined) c.equipment_kinds = JSON.stringify(input.equipmentKinds);
  if (input.bookableByPatient !== undefined) c.bookable_by_patient = input.bookableByPatient ? 1 : 0;
  if (input.color !== undefined) c.color = input.color;
  if (input.active !== undefined) c.active = input.active ? 1 : 0;
  return c;
}

export async function checkReferences(
  trx: Trx,
  actor: Actor,
  input: Partial<AppointmentTypeInput>,
): Promise<void> {
  if (input.practitionerIds?.length) {
    const found = await trx
      .selectFrom("staff_members")
      .select("id")
      .where("organization_id", "=", actor.organizationId)
      .where("kind", "=", "practitioner")
      .where("id", "in", input.practitionerIds)
      .execute();
    if (found.length !== new Set(input.practitionerIds).size) {
      throw new DomainError(
        "invalid_request",
        "Some practitioner ids do not name practitioners of this organization.",
        [{ path: "practitionerIds", message: "must name practitioners of this organization" }],
      );
    }
  }
  if (input.roomIds?.length) {
    const found = await trx
      .selectFrom("rooms")
      .select("id")
      .where("organization_id", "=", actor.organizationId)
      .where("id", "in", input.roomIds)
      .execute();
    if (found.length !== new Set(input.roomIds).size) {
      throw new DomainError("invalid_request", "Some room ids do not name rooms of this organization.", [
        { path: "roomIds", message: "must name rooms of this organization" },
      ]);
    }
  }
}

const selectAppointmentType = preparedQuery((db, a: { org: string; id: string }) =>
  db.selectFrom("appointment_types").selectAll().where("organization_id", "=", a.org).where("id", "=", a.id),
);

export async function loadAppointmentType(trx: Trx, actor: Actor, id: string): Promise<AppointmentTypeView> {
  const row = await selectAppointmentType.first(trx, { org: actor.organizationId, id });
  if (!row) throw notFound("appointment type");
  return presentAppointmentType(row);
}
