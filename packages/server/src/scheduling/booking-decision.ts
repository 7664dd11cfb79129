import { overlappingPatientVisits } from "@salus/core/scheduling/patient-overlap";
import {
  type BookingCheck,
  type BookingProposal,
  checkBooking,
  findSlots,
  type SlotRequest,
} from "@salus/core/scheduling/slots";
import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import { MINUTE } from "./appointment-writes.ts";
import { loadPatientVisits, type PatientVisitRow, refusalError } from "./booking-refusals.ts";
import type { SlotContext, SlotContextQuery, VisitDay } from "./slot-context.ts";

/** A start given as an instant (ISO) or as the location's wall-clock time. */
export type StartInput =
  | { start: string }
  | { localDate: string; localTime: string; utcOffsetMinutes?: number | undefined };

export interface BookInput {
  patientId: string;
  appointmentTypeId: string;
  locationId: string;
  practitionerId: string;
  /** Omitted: the first free suitable room (and equipment) is chosen. */
  roomId?: string | null | undefined;
  equipmentIds?: string[] | undefined;
  when: StartInput;
  /** A longer or shorter visit than the type's duration. */
  end?: string | undefined;
  note?: string | null | undefined;
  status?: "booked" | "pending" | "proposed" | undefined;
  /** Staff ask explicitly to overbook; it happens only if the practice's policy allows it. */
  allowOverbook?: boolean | undefined;
  /** Staff ask explicitly to book over another visit of the same patient (audited); refused otherwise. */
  allowPatientOverlap?: boolean | undefined;
  /** Staff ask explicitly for a custom end past the type's bound (audited); refused otherwise. */
  allowLongVisit?: boolean | undefined;
}

export function approximateStart(when: StartInput): number {
  if ("start" in when) return Date.parse(when.start);
  return Date.parse(`${when.localDate}T${when.localTime}:00Z`);
}

/**
 * What the slot context reads to check this one visit: its local day (issue 11, item 7) and only the
 * practitioner, room and equipment it names (all candidates for a room or equipment left open). The
 * check itself is the same `checkBooking` the slot finder's rules are written in.
 */
export function visitScope(
  input: Pick<BookInput, "when" | "end" | "practitionerId" | "roomId" | "equipmentIds">,
): Pick<SlotContextQuery, "practitionerId" | "roomId" | "equipmentIds"> & { visit: VisitDay } {
  const end = input.end ? { end: Date.parse(input.end) } : {};
  return {
    visit:
      "start" in input.when
        ? { start: Date.parse(input.when.start), ...end }
        : { localDate: input.when.localDate, ...end },
    practitionerId: input.practitionerId,
    roomId: input.roomId,
    equipmentIds: input.equipmentIds,
  };
}

function proposalStart(when: StartInput): BookingProposal["start"] {
  if ("start" in when) return Date.parse(when.start);
  return {
    localDate: when.localDate,
    localTime: when.localTime,
    ...(when.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: when.utcOffsetMinutes } : {}),
  };
}

/**
 * Finds resources for a proposal that leaves room or equipment open: tries the slot finder on a one-minute
 * grid at exactly that start for the chosen practitioner, so the choice follows the same rules as search.
 */
function completeProposal(req: SlotRequest, input: BookInput, start: number): BookingProposal | null {
  // Fix (scheduling tests): an ineligible practitioner (inactive, not allowed for the type) used to reach
  // findSlots with an empty practitioner list, which throws "The slot search is invalid." instead of the
  // booking's own refusal ("cannot be used for this visit type"). Nothing to complete then.
  if (!req.practitionerIds.includes(input.practitionerId)) return null;
  const roomIds = input.roomId ? [input.roomId] : req.roomIds;
  const slots = findSlots({
    ...req,
    appointmentType: { ...req.appointmentType, stepMinutes: 1 },
    practitionerIds: [input.practitionerId],
    roomIds,
    range: { start, end: start + MINUTE },
    limit: 1,
  });
  const slot = slots[0];
  if (!slot || slot.start !== start) return null;
  return { start, practitionerId: slot.practitionerId, roomId: slot.roomId, equipmentIds: slot.equipmentIds };
}

async function decide(
  ctx: SlotContext,
  input: BookInput,
): Promise<{ check: BookingCheck; proposal: BookingProposal }> {
  const base: BookingProposal = {
    start: proposalStart(input.when),
    ...(input.end ? { end: Date.parse(input.end) } : {}),
    practitionerId: input.practitionerId,
    roomId: input.roomId ?? null,
    equipmentIds: input.equipmentIds ?? [],
    allowPatientOverlap: input.allowPatientOverlap === true,
    allowLongVisit: input.allowLongVisit === true,
  };
  let check = checkBooking(ctx.request, base);
  let proposal = base;
  const needsChoice =
    (input.roomId === undefined && ctx.request.roomIds !== null) ||
    (input.equipmentIds === undefined && ctx.request.equipment.length > 0);
  if (!check.ok && needsChoice && check.start !== null && !input.end) {
    const found = completeProposal(ctx.request, input, check.start);
    if (found) {
      const completed = {
        ...found,
        allowPatientOverlap: base.allowPatientOverlap ?? false,
        allowLongVisit: base.allowLongVisit ?? false,
      };
      proposal = completed;
      check = checkBooking(ctx.request, completed);
    }
  }
  return { check, proposal };
}

/**
 * Decides a booking of `patientId` with the patient's own other visits in view (issue 10, item 3), and
 * throws the refusal in words. `overlapWith` lists the patient's visits the override was used against
 * (empty when none was in the way), so only a visit that really overlaps is stored as allowed to.
 */
export async function decideForPatient(
  trx: Trx,
  actor: Actor,
  ctx: SlotContext,
  input: BookInput,
  ignoreIds: readonly string[],
): Promise<{
  check: BookingCheck & { start: number; end: number };
  proposal: BookingProposal;
  overlapWith: string[];
}> {
  const approx = approximateStart(input.when);
  const end = input.end ? Date.parse(input.end) : Number.NaN;
  const visits: PatientVisitRow[] = await loadPatientVisits(trx, actor, input.patientId, {
    start: approx - 2 * 86_400_000,
    end: Math.max(approx + 2 * 86_400_000, Number.isNaN(end) ? 0 : end),
  });
  ctx.request = { ...ctx.request, patientVisits: visits };
  const { check, proposal } = await decide(ctx, input);
  if (!check.ok || check.start === null || check.end === null) {
    const offset = "utcOffsetMinutes" in input.when ? input.when.utcOffsetMinutes : undefined;
    throw await refusalError(trx, actor, ctx, check, visits, offset);
  }
  const overlapWith = input.allowPatientOverlap
    ? overlappingPatientVisits(visits, { start: check.start, end: check.end }, ignoreIds).map((v) => v.id)
    : [];
  return { check: check as BookingCheck & { start: number; end: number }, proposal, overlapWith };
}
