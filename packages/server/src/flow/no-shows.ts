import { randomUUID } from "node:crypto";
import { DomainError, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "../records/patient-access.ts";
import type { AppointmentView } from "../scheduling/appointment-view.ts";
import { changeAppointmentStatusIn } from "../scheduling/change-appointment-status.ts";
import { reinstateNoShowIn } from "../scheduling/reinstate-no-show.ts";
import { computeDayVersion, dayOfAppointment } from "./day-version.ts";
import { publishDayChanged } from "./flow-events.ts";
import { loadFlowSettings } from "./flow-settings.ts";

const MINUTE = 60_000;
/** Booked visits older than this are left alone (a server that was down for a week does not sweep a month). */
const LOOKBACK_MS = 3 * 86_400_000;

/** The actor of the no-show job for one organization (recorded in the audit trail as `job:no-shows`). */
export function jobActor(organizationId: string, name: string): Actor {
  return {
    organizationId,
    userId: null,
    label: `job:${name}`,
    roles: [],
    permissions: [],
    via: "cli",
    ip: null,
    requestId: null,
  };
}

export interface NoShowRun {
  marked: number;
  fees: number;
}

/**
 * Marks as no-show every booked visit of the organization whose patient has not arrived
 * `noShowAfterMinutes` after its start (or after the arrival they announced when they called to say they
 * were late). Each goes through the scheduling slice's status path, so its time is released and offered
 * to the waitlist in the same transaction, and gets a no-show fee per the practice's policy (integer
 * cents, `pending` for billing). Idempotent: only booked visits are picked, and the fee table's unique
 * key allows one fee per appointment, so a second run (or two servers running the job) changes nothing.
 */
export async function markNoShows(services: Services, actor: Actor): Promise<NoShowRun> {
  const org = actor.organizationId;
  const db = services.systemDb;
  const now = services.clock().getTime();
  const settings = await loadFlowSettings(db, org);
  const due = await db
    .selectFrom("appointments as a")
    .leftJoin("visit_flow as f", (j) =>
      j.onRef("f.organization_id", "=", "a.organization_id").onRef("f.appointment_id", "=", "a.id"),
    )
    .select(["a.id", "a.start_at", "a.updated_at", "f.expected_arrival", "f.arrived_at", "f.checked_in_at"])
    .where("a.organization_id", "=", org)
    .where("a.status", "=", "booked")
    .where("a.start_at", "<=", new Date(now - settings.noShowAfterMinutes * MINUTE).toISOString())
    .where("a.start_at", ">=", new Date(now - LOOKBACK_MS).toISOString())
    .orderBy("a.start_at")
    .execute();
  const run: NoShowRun = { marked: 0, fees: 0 };
  for (const row of due) {
    if (row.arrived_at || row.checked_in_at) continue;
    const from = Math.max(
      Date.parse(row.start_at),
      row.expected_arrival ? Date.parse(row.expected_arrival) : 0,
    );
    // Never before the grace period either: a manual no-show is refused until then (issue 10, item 4).
    const due = from + Math.max(settings.noShowAfterMinutes, settings.graceMinutes) * MINUTE;
    if (due > now) continue;
    // A booked visit changed after it fell due was reinstated by a person (undo no-show): the job never
    // marks it again; the front desk marks it arrived or no-show themselves.
    if (Date.parse(row.updated_at) >= due) continue;
    const result = await audited(
      services,
      actor,
      {
        action: "flow.no-show",
        resourceType: "Appointment",
        resourceId: row.id,
        fromResult: (r: { patientId: string; fee: boolean } | null) => ({
          patientId: r?.patientId ?? null,
          detail: { marked: r !== null, feeCents: r?.fee ? settings.noShowFeeCents : 0 },
        }),
      },
      async (trx) => {
        // Re-read under the write lock: the patient may have arrived since the list was read.
        const current = await trx
          .selectFrom("appointments")
          .select(["status", "version"])
          .where("organization_id", "=", org)
          .where("id", "=", row.id)
          .executeTakeFirstOrThrow();
        if (current.status !== "booked") return null;
        const a = await changeAppointmentStatusIn(trx, services, actor, row.id, "noshow", current.version);
        const fee =
          settings.noShowFeeCents > 0
            ? await recordFee(
                trx,
                org,
                a.id,
                a.patientId,
                settings.noShowFeeCents,
                services.clock().toISOString(),
              )
            : false;
        const day = await dayOfAppointment(trx, org, a);
        return { patientId: a.patientId, fee, day, dayVersion: await computeDayVersion(trx, org, day) };
      },
    );
    if (!result) continue;
    run.marked++;
    if (result.fee) run.fees++;
    publishDayChanged(services, {
      organizationId: org,
      locationId: result.day.locationId,
      date: result.day.date,
      dayVersion: result.dayVersion,
    });
  }
  return run;
}

async function recordFee(
  trx: Trx,
  org: string,
  appointmentId: string,
  patientId: string,
  cents: number,
  at: string,
): Promise<boolean> {
  const r = await trx
    .insertInto("no_show_fees")
    .values({
      organization_id: org,
      id: randomUUID(),
      appointment_id: appointmentId,
      patient_id: patientId,
      amount_cents: cents,
      status: "pending",
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.columns(["organization_id", "appointment_id"]).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export interface UndoNoShowResult {
  appointment: AppointmentView;
  /** The no-show fee that was reversed (removed), if one had been recorded. */
  reversedFee: { id: string; amountCents: number; status: "pending" | "waived" } | null;
}

/**
 * Undoes a no-show marked by mistake (issue 10, item 4): the visit is booked again if its time is still
 * free (409 otherwise), and any no-show fee recorded for it is reversed (removed, so a later real no-show
 * of this visit can be charged again). Audited with the patient, the reason and the fee reversed.
 */
export async function undoNoShow(
  services: Services,
  actor: Actor,
  appointmentId: string,
  input: { reason?: string | undefined; expectedVersion?: number | undefined } = {},
): Promise<UndoNoShowResult> {
  const done = await audited(
    services,
    actor,
    {
      action: "flow.no-show.undo",
      resourceType: "Appointment",
      resourceId: appointmentId,
      detail: { reason: input.reason ?? null },
      fromResult: (r: UndoNoShowResult) => ({
        patientId: r.appointment.patientId,
        detail: {
          reversedFeeId: r.reversedFee?.id ?? null,
          reversedFeeCents: r.reversedFee?.amountCents ?? 0,
          reversedFeeStatus: r.reversedFee?.status ?? null,
        },
      }),
    },
    async (trx) => {
      const org = actor.organizationId;
      const appointment = await reinstateNoShowIn(trx, services, actor, appointmentId, input.expectedVersion);
      const fee = await trx
        .selectFrom("no_show_fees")
        .select(["id", "amount_cents", "status"])
        .where("organization_id", "=", org)
        .where("appointment_id", "=", appointmentId)
        .executeTakeFirst();
      if (fee)
        await trx
          .deleteFrom("no_show_fees")
          .where("organization_id", "=", org)
          .where("id", "=", fee.id)
          .execute();
      const day = await dayOfAppointment(trx, org, appointment);
      const dayVersion = await computeDayVersion(trx, org, day);
      return {
        day,
        dayVersion,
        appointment,
        reversedFee: fee
          ? {
              id: fee.id,
              amountCents: Number(fee.amount_cents),
              status: fee.status as "pending" | "waived",
            }
          : null,
      };
    },
  );
  // The boards of that day learn of it once it is committed.
  publishDayChanged(services, {
    organizationId: actor.organizationId,
    locationId: done.day.locationId,
    date: done.day.date,
    dayVersion: done.dayVersion,
  });
  return { appointment: done.appointment, reversedFee: done.reversedFee };
}

/** Runs the no-show job for every organization (the background job of `salus serve`). */
export async function markNoShowsEverywhere(services: Services): Promise<NoShowRun> {
  const orgs = await services.systemDb.selectFrom("organizations").select("id").execute();
  const total: NoShowRun = { marked: 0, fees: 0 };
  for (const o of orgs) {
    const r = await markNoShows(services, jobActor(o.id, "no-shows"));
    total.marked += r.marked;
    total.fees += r.fees;
  }
  return total;
}

export interface NoShowHistoryItem {
  appointmentId: string;
  start: string;
  locationId: string;
  practitionerId: string;
  appointmentTypeId: string;
  typeName: string;
  fee: { id: string; amountCents: number; status: "pending" | "waived" } | null;
}

/** A patient's no-shows, newest first, with the fee of each. Audited with the patient. */
export async function patientNoShows(
  services: Services,
  actor: Actor,
  patientId: string,
): Promise<{ items: NoShowHistoryItem[]; total: number }> {
  return audited(
    services,
    actor,
    { action: "flow.no-show.history", resourceType: "Patient", resourceId: patientId, patientId },
    async (trx) => {
      // Same answer as a missing id for a patient the caller may not see (records access policy).
      await requirePatientAccess(trx, services, actor, patientId, "schedule");
      const rows = await trx
        .selectFrom("appointments as a")
        .innerJoin("appointment_types as t", (j) =>
          j.onRef("t.organization_id", "=", "a.organization_id").onRef("t.id", "=", "a.appointment_type_id"),
        )
        .leftJoin("no_show_fees as f", (j) =>
          j.onRef("f.organization_id", "=", "a.organization_id").onRef("f.appointment_id", "=", "a.id"),
        )
        .select([
          "a.id",
          "a.start_at",
          "a.location_id",
          "a.practitioner_id",
          "a.appointment_type_id",
          "t.name",
          "f.id as fee_id",
          "f.amount_cents",
          "f.status as fee_status",
        ])
        .where("a.organization_id", "=", actor.organizationId)
        .where("a.patient_id", "=", patientId)
        .where("a.status", "=", "noshow")
        .orderBy("a.start_at", "desc")
        .limit(500)
        .execute();
      const items = rows.map((r) => ({
        appointmentId: r.id,
        start: r.start_at,
        locationId: r.location_id,
        practitionerId: r.practitioner_id,
        appointmentTypeId: r.appointment_type_id,
        typeName: r.name,
        fee: r.fee_id
          ? {
              id: r.fee_id,
              amountCents: Number(r.amount_cents),
              status: r.fee_status as "pending" | "waived",
            }
          : null,
      }));
      return { items, total: items.length };
    },
  );
}

/** Waives a pending no-show fee (a good reason, a first miss); audited with the patient and the reason. */
export async function waiveNoShowFee(
  services: Services,
  actor: Actor,
  feeId: string,
  reason: string,
): Promise<{ id: string; appointmentId: string; amountCents: number; status: "waived" }> {
  return audited(
    services,
    actor,
    {
      action: "flow.no-show-fee.waive",
      resourceType: "NoShowFee",
      resourceId: feeId,
      detail: { reason },
      fromResult: (r: { patientId: string }) => ({ patientId: r.patientId }),
    },
    async (trx) => {
      const fee = await trx
        .selectFrom("no_show_fees")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", feeId)
        .executeTakeFirst();
      if (!fee) throw notFound("no-show fee");
      if (fee.status !== "pending") throw new DomainError("conflict", "This fee was already waived.");
      await trx
        .updateTable("no_show_fees")
        .set({ status: "waived", updated_at: services.clock().toISOString() })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", feeId)
        .execute();
      return {
        id: fee.id,
        appointmentId: fee.appointment_id,
        amountCents: Number(fee.amount_cents),
        status: "waived" as const,
        patientId: fee.patient_id,
      };
    },
  );
}
