import { DomainError } from "@salus/core";
import { assertFlowStep, type FlowStep } from "@salus/core/flow/flow-states";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadAppointment } from "../scheduling/appointment-view.ts";
import { changeAppointmentStatusIn } from "../scheduling/change-appointment-status.ts";
import { type BoardVisit, loadBoard } from "./board.ts";
import { dayOfAppointment } from "./day-version.ts";
import { publishDayChanged } from "./flow-events.ts";
import { lastStep, upsertFlow } from "./flow-rows.ts";

export interface FlowStepInput {
  step: FlowStep;
  roomId?: string | undefined;
  demographicsConfirmed?: boolean | undefined;
  insuranceConfirmed?: boolean | undefined;
  /** The appointment version the caller saw on the board. */
  version: number;
}

const COLUMN: Record<
  FlowStep,
  "arrived_at" | "checked_in_at" | "roomed_at" | "with_practitioner_at" | "checked_out_at"
> = {
  arrived: "arrived_at",
  "checked-in": "checked_in_at",
  roomed: "roomed_at",
  "with-practitioner": "with_practitioner_at",
  "checked-out": "checked_out_at",
};

export async function loadFlowRow(trx: Trx, organizationId: string, appointmentId: string) {
  return trx
    .selectFrom("visit_flow")
    .selectAll()
    .where("organization_id", "=", organizationId)
    .where("appointment_id", "=", appointmentId)
    .executeTakeFirst();
}

/**
 * Records one step of a visit's day (arrived, checked in, roomed, with the practitioner, checked out) with
 * the time it happened. The order is the core's (`assertFlowStep`); a step out of order, a cancelled or
 * no-show visit, or a stale version answers 409 and nothing is written. Steps that change the
 * appointment's status (arrived, checked in, checked out → fulfilled) go through the scheduling slice's
 * one status path, so the waitlist and reminders react as for any status change; the others bump the
 * appointment's version so two desks cannot both record the same step. Audited with the patient.
 */
export async function recordFlowStep(
  services: Services,
  actor: Actor,
  appointmentId: string,
  input: FlowStepInput,
): Promise<BoardVisit> {
  const result = await audited(
    services,
    actor,
    {
      action: "flow.step",
      resourceType: "Appointment",
      resourceId: appointmentId,
      detail: { step: input.step },
      fromResult: (r: { visit: BoardVisit }) => ({ patientId: r.visit.patientId }),
    },
    async (trx) => {
      const current = await loadAppointment(trx, actor, appointmentId);
      if (current.version !== input.version) {
        throw new DomainError(
          "conflict",
          "Someone else changed this visit meanwhile; the board has been refreshed, try again.",
          [{ path: "version", message: `is ${current.version} now` }],
        );
      }
      const flow = await loadFlowRow(trx, actor.organizationId, appointmentId);
      const status = assertFlowStep({
        status: current.status,
        current: lastStep(flow),
        requested: input.step,
      });
      const now = services.clock().toISOString();
      if (input.roomId !== undefined) {
        if (input.step !== "roomed")
          throw new DomainError("invalid_request", 'A room is given only with the step "roomed".', [
            { path: "roomId", message: "only with roomed" },
          ]);
        const room = await trx
          .selectFrom("rooms")
          .select("id")
          .where("organization_id", "=", actor.organizationId)
          .where("id", "=", input.roomId)
          .where("location_id", "=", current.locationId)
          .where("active", "=", 1)
          .executeTakeFirst();
        if (!room)
          throw new DomainError(
            "invalid_request",
            "That room is not an active room of this visit's location.",
            [{ path: "roomId", message: "is not a room here" }],
          );
      }
      const values = {
        [COLUMN[input.step]]: now,
        ...(input.step === "roomed" ? { room_id: input.roomId ?? current.roomId } : {}),
        ...(input.demographicsConfirmed !== undefined
          ? { demographics_confirmed: input.demographicsConfirmed ? 1 : 0 }
          : {}),
        ...(input.insuranceConfirmed !== undefined
          ? { insurance_confirmed: input.insuranceConfirmed ? 1 : 0 }
          : {}),
      };
      await upsertFlow(trx, actor.organizationId, appointmentId, values, now);
      if (status !== current.status) {
        await changeAppointmentStatusIn(trx, services, actor, appointmentId, status, current.version);
      } else {
        // Rooming and "with the practitioner" keep the status; the version still moves (see above).
        await trx
          .updateTable("appointments")
          .set({ version: current.version + 1, updated_at: now })
          .where("organization_id", "=", actor.organizationId)
          .where("id", "=", appointmentId)
          .execute();
      }
      const day = await dayOfAppointment(trx, actor.organizationId, current);
      const board = await loadBoard(trx, services, actor, day);
      const visit = board.visits.find((v) => v.appointmentId === appointmentId);
      if (!visit) throw new DomainError("internal", "The visit vanished from its own day.");
      return { visit, dayVersion: board.dayVersion, day };
    },
  );
  publishDayChanged(services, {
    organizationId: actor.organizationId,
    locationId: result.day.locationId,
    date: result.day.date,
    dayVersion: result.dayVersion,
  });
  return result.visit;
}
