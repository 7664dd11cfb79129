import type { FlowAppointmentStatus, FlowStep } from "@salus/core/flow/flow-states";
import { type DurationTable, type FlowVisit, projectDay } from "@salus/core/flow/projection";
import { maxLateMinutes, practitionerDayEnds } from "@salus/core/flow/replan";
import { audited } from "../audit/audited.ts";
import type { AppointmentStatus } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { visiblePatients } from "../records/patient-access.ts";
import { computeDayVersion, type LocationDay, locationDay } from "./day-version.ts";
import { loadPractitioners } from "./flow-practitioners.ts";
import { lastStep } from "./flow-rows.ts";
import { loadFlowSettings } from "./flow-settings.ts";
import { loadDurationTable } from "./observed-durations.ts";

const MINUTE = 60_000;

/** One visit as the flow board shows it (see docs/api.md, "Day-of flow"). */
export interface BoardVisit {
  appointmentId: string;
  version: number;
  patientId: string;
  patientName: string;
  practitionerId: string;
  appointmentTypeId: string;
  typeName: string;
  start: string;
  end: string;
  status: AppointmentStatus;
  flowStep: FlowStep | null;
  arrivedAt: string | null;
  checkedInAt: string | null;
  roomedAt: string | null;
  roomId: string | null;
  roomName: string | null;
  withPractitionerAt: string | null;
  checkedOutAt: string | null;
  /** When the patient became present (arrival, else check-in), while not yet with the practitioner. */
  waitingSince: string | null;
  waitingMinutes: number | null;
  lateMinutes: number;
  expectedStart: string | null;
  expectedEnd: string | null;
  /**
   * For a booked visit not yet here: the most minutes it can be marked late and still end by its
   * practitioner's end of day plus the practice's overtime limit (below 1: it cannot be late today).
   */
  maxMinutesLate: number | null;
  noShowRisk: { probability: number; reasons: string[] } | null;
}

export interface Board {
  locationId: string;
  date: string;
  timeZone: string;
  dayVersion: string;
  now: string;
  thresholds: { waitWarnMinutes: number; waitAlertMinutes: number };
  practitioners: { id: string; name: string; expectedEndOfDay: string; overtimeMinutes: number }[];
  visits: BoardVisit[];
}

/** Statuses shown on the board (cancelled, entered-in-error and unconfirmed requests are not). */
export const BOARD_STATUSES: AppointmentStatus[] = ["booked", "arrived", "checked-in", "fulfilled", "noshow"];

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
const ms = (s: string | null | undefined) => (s ? Date.parse(s) : null);

/** The rows of a location-day the board, the projection and the re-plan read. */
export async function loadDayRows(trx: Trx, organizationId: string, day: LocationDay) {
  return trx
    .selectFrom("appointments as a")
    .innerJoin("patients as p", (j) =>
      j.onRef("p.organization_id", "=", "a.organization_id").onRef("p.id", "=", "a.patient_id"),
    )
    .innerJoin("appointment_types as t", (j) =>
      j.onRef("t.organization_id", "=", "a.organization_id").onRef("t.id", "=", "a.appointment_type_id"),
    )
    .leftJoin("visit_flow as f", (j) =>
      j.onRef("f.organization_id", "=", "a.organization_id").onRef("f.appointment_id", "=", "a.id"),
    )
    .leftJoin("appointment_risks as r", (j) =>
      j.onRef("r.organization_id", "=", "a.organization_id").onRef("r.appointment_id", "=", "a.id"),
    )
    .select([
      "a.id",
      "a.version",
      "a.patient_id",
      "a.practitioner_id",
      "a.appointment_type_id",
      "a.room_id as booked_room_id",
      "a.start_at",
      "a.end_at",
      "a.status",
      "p.given_name",
      "p.family_name",
      "t.name as type_name",
      "f.arrived_at",
      "f.checked_in_at",
      "f.roomed_at",
      "f.room_id",
      "f.with_practitioner_at",
      "f.checked_out_at",
      "f.expected_arrival",
      "f.planned_start",
      "f.notified_start",
      "r.probability",
      "r.reasons",
    ])
    .where("a.organization_id", "=", organizationId)
    .where("a.location_id", "=", day.locationId)
    .where("a.start_at", ">=", new Date(day.start).toISOString())
    .where("a.start_at", "<", new Date(day.end).toISOString())
    .where("a.status", "in", BOARD_STATUSES)
    .orderBy("a.start_at")
    .orderBy("a.id")
    .execute();
}

export type DayRow = Awaited<ReturnType<typeof loadDayRows>>[number];

/**
 * A day row as the core's projection and re-plan take it. A start accepted in a re-plan (`planned_start`)
 * sets the visit's place in its practitioner's order (so the board follows the accepted plan), but not a
 * floor on its start: a corrected lateness can bring it back towards the booked time. What the patient
 * was told stays the reference for notifications.
 */
export function toFlowVisit(r: DayRow): FlowVisit {
  return {
    appointmentId: r.id,
    practitionerId: r.practitioner_id,
    appointmentTypeId: r.appointment_type_id,
    start: Date.parse(r.start_at),
    end: Date.parse(r.end_at),
    plannedStart: ms(r.planned_start),
    status: r.status as FlowAppointmentStatus,
    arrivedAt: ms(r.arrived_at),
    checkedInAt: ms(r.checked_in_at),
    roomedAt: ms(r.roomed_at),
    withPractitionerAt: ms(r.with_practitioner_at),
    checkedOutAt: ms(r.checked_out_at),
    expectedArrival: ms(r.expected_arrival),
    notifiedStart: ms(r.notified_start) ?? Date.parse(r.start_at),
  };
}

/** Minutes a visit is late: by its arrival, else its announced arrival, else (not here yet) by now. */
export function lateMinutesOf(r: DayRow, now: number): number {
  const start = Date.parse(r.start_at);
  const present = ms(r.arrived_at) ?? ms(r.checked_in_at);
  const basis = present ?? ms(r.expected_arrival) ?? (r.status === "booked" ? now : start);
  return Math.max(0, Math.floor((basis - start) / MINUTE));
}

/** Everything the board shows for a location-day, inside the caller's transaction (not audited here). */
export async function loadBoard(
  trx: Trx,
  services: Services,
  actor: Actor,
  day: LocationDay,
): Promise<Board> {
  const now = services.clock().getTime();
  const rows = await loadDayRows(trx, actor.organizationId, day);
  const settings = await loadFlowSettings(trx, actor.organizationId);
  const durations: DurationTable = await loadDurationTable(trx, actor.organizationId, now);
  const flowVisits = rows.map(toFlowVisit);
  // Day ends as the re-plan sees them (availability, never before the last booked visit), so the board's
  // overtime and each visit's lateness limit match what the re-plan will accept.
  const dayEnds = practitionerDayEnds(flowVisits, await loadPractitioners(trx, actor.organizationId, day));
  const projection = projectDay({ now, visits: flowVisits, durations, dayEnds: Object.fromEntries(dayEnds) });
  const flowById = new Map(flowVisits.map((v) => [v.appointmentId, v]));
  const projected = new Map(projection.visits.map((v) => [v.appointmentId, v]));
  const roomIds = [
    ...new Set(rows.map((r) => r.room_id ?? r.booked_room_id).filter((x): x is string => !!x)),
  ];
  const rooms = roomIds.length
    ? await trx
        .selectFrom("rooms")
        .select(["id", "name"])
        .where("organization_id", "=", actor.organizationId)
        .where("id", "in", roomIds)
        .execute()
    : [];
  const roomName = new Map(rooms.map((r) => [r.id, r.name]));
  const practitionerIds = [...new Set(rows.map((r) => r.practitioner_id))];
  const staff = practitionerIds.length
    ? await trx
        .selectFrom("staff_members")
        .select(["id", "given_name", "family_name"])
        .where("organization_id", "=", actor.organizationId)
        .where("id", "in", practitionerIds)
        .execute()
    : [];
  const byPractitioner = new Map(projection.practitioners.map((p) => [p.practitionerId, p]));
  const visits: BoardVisit[] = rows.map((r) => {
    const p = projected.get(r.id);
    const present = r.arrived_at ?? r.checked_in_at;
    const waiting = present && !r.with_practitioner_at && !r.checked_out_at ? present : null;
    const room = r.room_id ?? null;
    return {
      appointmentId: r.id,
      version: r.version,
      patientId: r.patient_id,
      patientName: `${r.family_name}, ${r.given_name}`,
      practitionerId: r.practitioner_id,
      appointmentTypeId: r.appointment_type_id,
      typeName: r.type_name,
      start: r.start_at,
      end: r.end_at,
      status: r.status,
      flowStep: lastStep(r),
      arrivedAt: r.arrived_at,
      checkedInAt: r.checked_in_at,
      roomedAt: r.roomed_at,
      roomId: room,
      roomName: room ? (roomName.get(room) ?? null) : null,
      withPractitionerAt: r.with_practitioner_at,
      checkedOutAt: r.checked_out_at,
      waitingSince: waiting,
      waitingMinutes: waiting ? Math.max(0, Math.floor((now - Date.parse(waiting)) / MINUTE)) : null,
      lateMinutes: lateMinutesOf(r, now),
      expectedStart: iso(p?.expectedStart),
      expectedEnd: iso(p?.expectedEnd),
      maxMinutesLate:
        r.status === "booked" && !present && !r.with_practitioner_at && dayEnds.has(r.practitioner_id)
          ? maxLateMinutes(
              flowById.get(r.id)!,
              dayEnds.get(r.practitioner_id)!,
              settings.overtimeLimitMinutes,
              durations,
            )
          : null,
      noShowRisk:
        r.probability === null || r.probability === undefined || r.status !== "booked"
          ? null
          : { probability: Number(r.probability), reasons: JSON.parse(r.reasons ?? "[]") as string[] },
    };
  });
  return {
    locationId: day.locationId,
    date: day.date,
    timeZone: day.timeZone,
    dayVersion: await computeDayVersion(trx, actor.organizationId, day),
    now: new Date(now).toISOString(),
    thresholds: { waitWarnMinutes: settings.waitWarnMinutes, waitAlertMinutes: settings.waitAlertMinutes },
    practitioners: staff
      .map((s) => {
        const p = byPractitioner.get(s.id);
        return {
          id: s.id,
          name: `${s.given_name} ${s.family_name}`,
          expectedEndOfDay: iso(p?.expectedEndOfDay ?? now)!,
          overtimeMinutes: Math.round(p?.overtimeMinutes ?? 0),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
    visits,
  };
}

/** The flow board of a location-day; a PHI read (it shows names), audited with the patients shown. */
export async function getBoard(
  services: Services,
  actor: Actor,
  locationId: string,
  date: string,
): Promise<Board> {
  return audited(
    services,
    actor,
    {
      action: "flow.board.read",
      resourceType: "Location",
      resourceId: locationId,
      detail: { date },
      fromResult: (b: Board) => ({ detail: { patientIds: [...new Set(b.visits.map((v) => v.patientId))] } }),
    },
    async (trx) => {
      const board = await loadBoard(
        trx,
        services,
        actor,
        await locationDay(trx, actor.organizationId, locationId, date),
      );
      // The projection is made on the whole day (everyone's delays matter), but a clinician sees only
      // the visits of patients they have a relation with, as on the calendar (records access policy).
      const filter = visiblePatients(services, actor, "schedule");
      if (!filter || board.visits.length === 0) return board;
      const ids = [...new Set(board.visits.map((v) => v.patientId))];
      const visible = await trx
        .selectFrom("patients")
        .select("id")
        .where("organization_id", "=", actor.organizationId)
        .where("id", "in", ids)
        .where(filter("patients.id"))
        .execute();
      const shown = new Set(visible.map((r) => r.id));
      return { ...board, visits: board.visits.filter((v) => shown.has(v.patientId)) };
    },
  );
}
