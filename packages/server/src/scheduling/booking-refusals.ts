import { DomainError, type ErrorDetail } from "@salus/core";
import { HOLDING_STATUSES } from "@salus/core/scheduling/appointment-status";
import type { ResourceRef } from "@salus/core/scheduling/availability";
import type { TimeInterval } from "@salus/core/scheduling/intervals";
import type { PatientVisit } from "@salus/core/scheduling/patient-overlap";
import type { BookingCheck, BookingRefusal } from "@salus/core/scheduling/slots";
import { preparedQuery } from "../db/prepared.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor } from "../platform/services.ts";
import { licenseCoversState, type SlotContext } from "./slot-context.ts";

/**
 * Refusals of a booking in words that match the cause (issue 10, items 3-4): who or what is taken, which
 * visit of the patient is in the way (time, practitioner, location), which license is missing. The core
 * says why (`checkBooking`); this file names things, and picks the stable code:
 *   - `conflict` (409) when a practitioner, room or equipment is held by another visit;
 *   - `patient_overlap` (409) when only the patient's own other visit is in the way (staff may override);
 *   - `invalid_request` (400) otherwise.
 */

/** A visit of the patient that is in the way, as the refusal names it. */
export interface PatientVisitRow extends PatientVisit {
  locationName: string;
  locationZone: string;
  practitionerName: string;
}

/** The patient's visits that occupy their time and touch `range` (any location). */
const selectPatientVisits = preparedQuery(
  (db, q: { org: string; patient: string; from: string; to: string }) =>
    db
      .selectFrom("appointments as a")
      .innerJoin("locations as l", (j) =>
        j.onRef("l.organization_id", "=", "a.organization_id").onRef("l.id", "=", "a.location_id"),
      )
      .innerJoin("staff_members as s", (j) =>
        j.onRef("s.organization_id", "=", "a.organization_id").onRef("s.id", "=", "a.practitioner_id"),
      )
      .select([
        "a.id",
        "a.start_at",
        "a.end_at",
        "a.practitioner_id",
        "a.location_id",
        "l.name as location_name",
        "l.time_zone",
        "s.given_name",
        "s.family_name",
      ])
      .where("a.organization_id", "=", q.org)
      .where("a.patient_id", "=", q.patient)
      .where("a.status", "in", [...HOLDING_STATUSES])
      .where("a.start_at", "<", q.to)
      .where("a.end_at", ">", q.from),
);

export async function loadPatientVisits(
  trx: Trx,
  actor: Actor,
  patientId: string,
  range: TimeInterval,
): Promise<PatientVisitRow[]> {
  const rows = await selectPatientVisits.rows(trx, {
    org: actor.organizationId,
    patient: patientId,
    from: new Date(range.start).toISOString(),
    to: new Date(range.end).toISOString(),
  });
  return rows.map((r) => ({
    id: r.id,
    start: Date.parse(r.start_at),
    end: Date.parse(r.end_at),
    practitionerId: r.practitioner_id,
    locationId: r.location_id,
    locationName: r.location_name,
    locationZone: r.time_zone,
    practitionerName: `${r.given_name} ${r.family_name}`,
  }));
}

const key = (r: ResourceRef) => `${r.resourceKind}:${r.resourceId}`;

async function resourceNames(trx: Trx, actor: Actor, refs: ResourceRef[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const ids = (kind: ResourceRef["resourceKind"]) => [
    ...new Set(refs.filter((r) => r.resourceKind === kind).map((r) => r.resourceId)),
  ];
  const org = actor.organizationId;
  const people = ids("practitioner");
  if (people.length)
    for (const s of await trx
      .selectFrom("staff_members")
      .select(["id", "given_name", "family_name"])
      .where("organization_id", "=", org)
      .where("id", "in", people)
      .execute())
      names.set(`practitioner:${s.id}`, `${s.given_name} ${s.family_name}`);
  for (const [kind, table] of [
    ["room", "rooms"],
    ["equipment", "equipment"],
  ] as const) {
    const list = ids(kind);
    if (!list.length) continue;
    for (const r of await trx
      .selectFrom(table)
      .select(["id", "name"])
      .where("organization_id", "=", org)
      .where("id", "in", list)
      .execute())
      names.set(`${kind}:${r.id}`, r.name);
  }
  return names;
}

/** "Mon, Jan 5, 9:10 AM–9:40 AM EST" in the visit's own location zone. */
export function formatSpan(start: number, end: number, zone: string): string {
  const day = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    weekday: "short",
    month: "short",
    day: "numeric",
  }).format(start);
  const time = (t: number, withZone: boolean) =>
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hour: "numeric",
      minute: "2-digit",
      ...(withZone ? { timeZoneName: "short" as const } : {}),
    }).format(t);
  return `${day}, ${time(start, false)}–${time(end, true)}`;
}

/** "UTC−05:00" for −300. */
function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "−" : "+";
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

interface Naming {
  ctx: SlotContext;
  names: Map<string, string>;
  patientVisits: readonly PatientVisitRow[];
  givenOffsetMinutes: number | undefined;
  start: number | null;
}

function licenseText(n: Naming, practitionerId: string, who: string): string | null {
  const { ctx } = n;
  if (n.start === null) return null;
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: ctx.location.zone }).format(n.start);
  const mine = ctx.licenses.filter((l) => l.staffId === practitionerId);
  const here = mine.filter((l) => licenseCoversState(l.state, ctx.location.state));
  const where = ctx.location.state ? ` in ${ctx.location.state} (where ${ctx.location.name} is)` : "";
  if (here.length === 0)
    return mine.length
      ? `${who} has no license${where}; their licenses are from ${[...new Set(mine.map((l) => l.state))].join(", ")}.`
      : `${who} has no license on file.`;
  if (here.every((l) => l.expiresOn < day))
    return `${who}'s license${where} expired before ${day} (last valid day ${here
      .map((l) => l.expiresOn)
      .sort()
      .at(-1)}).`;
  return null;
}

function text(r: BookingRefusal, n: Naming): string {
  const name = (ref: ResourceRef) => n.names.get(key(ref)) ?? `${ref.resourceKind} ${ref.resourceId}`;
  switch (r.reason) {
    case "end_before_start":
      return "The visit must end after it starts.";
    case "too_long":
      return `A "${n.ctx.type.name}" visit may last at most ${r.maxMinutes} minutes with a custom end (the type is ${n.ctx.type.durationMinutes}); this one would last ${r.minutes}. Correct the end time, or set allowLongVisit to book the longer visit on purpose.`;
    case "nonexistent_local_time":
      return `${r.localDate} ${r.localTime}: that local time does not exist (the clocks skip it when daylight saving time begins); choose another time.`;
    case "offset_mismatch":
      if (r.validOffsets.length === 1)
        return `The UTC offset given (${n.givenOffsetMinutes === undefined ? "?" : formatOffset(n.givenOffsetMinutes)}) does not match the local time at ${n.ctx.location.name} on that date, which is ${formatOffset(r.validOffsets[0]!)}. Correct the offset or leave it out.`;
      return `That local time exists twice (the clocks go back); the UTC offset given matches neither: use ${r.validOffsets.map(formatOffset).join(" for the first or ")} for the second.`;
    case "in_past":
      return "That time is in the past.";
    case "too_soon":
      return `That time is sooner than this visit type may be booked; the earliest is ${formatSpan(r.earliestStart, r.earliestStart, n.ctx.location.zone).replace(/–.*/, "")}.`;
    case "not_eligible":
      return `${name(r.resource)} cannot be used for a "${n.ctx.type.name}" visit.`;
    case "missing_resource":
      return r.resourceKind === "room"
        ? `This visit needs a room and no suitable room is open at ${n.ctx.location.name} then.`
        : `This visit needs equipment (${r.equipmentKind ?? "equipment"}) and none is available at ${n.ctx.location.name} then.`;
    case "outside_availability": {
      if (r.resource.resourceKind === "practitioner") {
        const license = licenseText(n, r.resource.resourceId, name(r.resource));
        if (license) return license;
        return `${name(r.resource)} is not available at ${n.ctx.location.name} then: it is outside the hours they work there, a day off or a block.`;
      }
      return `${name(r.resource)} is not available then (outside its hours, closed or blocked).`;
    }
    case "resource_busy":
      if (r.resource.resourceKind === "practitioner")
        return `That time is taken: ${name(r.resource)} already has a visit then; choose another time or practitioner.`;
      return r.resource.resourceKind === "room"
        ? `That time is taken: ${name(r.resource)} is held by another visit then, and no other suitable room is free; choose another time.`
        : `That time is taken: ${name(r.resource)} is in use by another visit then, and no other item of its kind is free; choose another time.`;
    case "daily_limit":
      return `${name({ resourceKind: "practitioner", resourceId: r.practitionerId })} already has ${r.max} "${n.ctx.type.name}" visit(s) on ${r.localDate}, the most allowed per day.`;
    case "patient_overlap": {
      const list = r.visits
        .map((v) => {
          const row = n.patientVisits.find((p) => p.id === v.id);
          return row
            ? `${formatSpan(row.start, row.end, row.locationZone)} with ${row.practitionerName} at ${row.locationName}`
            : `visit ${v.id}`;
        })
        .join("; ");
      return `The patient already has a visit then: ${list}. Choose another time, or book it anyway (allowPatientOverlap) if they are really to be in both.`;
    }
  }
}

/** The refusal of a booking the core did not accept, named in words, with its stable code. */
export async function refusalError(
  trx: Trx,
  actor: Actor,
  ctx: SlotContext,
  check: BookingCheck,
  patientVisits: readonly PatientVisitRow[],
  givenOffsetMinutes: number | undefined,
): Promise<DomainError> {
  const refs: ResourceRef[] = [];
  for (const r of check.reasons) {
    if ("resource" in r) refs.push(r.resource);
    if (r.reason === "daily_limit") refs.push({ resourceKind: "practitioner", resourceId: r.practitionerId });
  }
  const n: Naming = {
    ctx,
    names: await resourceNames(trx, actor, refs),
    patientVisits,
    givenOffsetMinutes,
    start: check.start,
  };
  const details: ErrorDetail[] = check.reasons.flatMap((r): ErrorDetail[] =>
    r.reason === "patient_overlap"
      ? r.visits.map((v) => ({
          path: "when",
          message: `${text({ ...r, visits: [v] }, n)} (appointment ${v.id})`,
        }))
      : [
          {
            path: r.reason === "end_before_start" || r.reason === "too_long" ? "end" : "when",
            message: text(r, n),
          },
        ],
  );
  const busy = check.reasons.find((r) => r.reason === "resource_busy");
  const overlap = check.reasons.find((r) => r.reason === "patient_overlap");
  const lead = busy ?? overlap ?? check.reasons[0]!;
  const code = busy ? "conflict" : overlap ? "patient_overlap" : "invalid_request";
  return new DomainError(code, text(lead, n), details);
}

/**
 * A booking that lost a race at the patient's database constraint (PostgreSQL): another transaction
 * booked this patient at an overlapping time at the same moment. The transaction is aborted.
 */
export class RacedPatientBooking extends DomainError {
  constructor() {
    super(
      "patient_overlap",
      "The patient was just booked at an overlapping time by someone else; reload the calendar and choose another time.",
      [{ path: "when", message: "overlaps a visit of the patient booked at the same moment" }],
    );
  }
}
