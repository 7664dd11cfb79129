import { randomUUID } from "node:crypto";
import { DomainError } from "@salus/core";
import { expandAvailability, resourceKey, type WeeklyTemplate } from "@salus/core/scheduling/availability";
import { clipIntervals, type TimeInterval, totalIntervalMs } from "@salus/core/scheduling/intervals";
import { type BusyInterval, findSlots, type ResourceSchedule } from "@salus/core/scheduling/slots";
import {
  addDays,
  type IsoWeekday,
  instantToLocal,
  isoWeekday,
  localBoundary,
  localDayBounds,
} from "@salus/core/scheduling/zoned-time";
import { sql } from "kysely";
import { cliActor } from "../admin/organizations.ts";
import { audited } from "../audit/audited.ts";
import type {
  AppointmentStatus,
  AppointmentsTable,
  AppointmentTypesTable,
  AvailabilityTemplatesTable,
} from "../db/schema.ts";
import { systemTrx } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";

/** An appointment row as the seed builds it (the overlap flag is a plain 0: demo visits never overlap). */
type SeedAppointment = Omit<AppointmentsTable, "patient_overlap_allowed"> & {
  patient_overlap_allowed: number;
};

import type { Services } from "../platform/services.ts";

/**
 * The demo practice's scheduling: appointment types, weekly hours at both clinics (with lunch), a holiday
 * closure, three months of history and one month of bookings ahead at about 80% of the practitioners'
 * time (cancellations, some late, refilled slots, a few reschedules, no-shows, fulfilled visits), and a
 * short waitlist. Everything is relative to the seeding clock, so "today" is always populated.
 *
 * Placement is decided in memory by the same pure slot finder the booking use case uses (so every visit
 * is one the API would have accepted), then written in ONE transaction with ONE audit entry summarising
 * it; a final SQL check refuses to commit if any two active exclusive holds overlap.
 */
const MINUTE = 60_000;
const HISTORY_DAYS = 91;
const FUTURE_DAYS = 30;
/** Held share (visits and their buffers) placed per day; cancellations and no-shows then bring it to ~80%. */
const TARGET = 0.86;

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface TypeSpec {
  key: string;
  name: string;
  duration: number;
  before: number;
  after: number;
  weight: number;
  color: string;
  roomNames?: string[];
  noRoom?: boolean;
  equipment?: string[];
  practitioners?: string[];
  patientKind?: "any" | "new" | "established";
  bookableByPatient?: boolean;
}

const TYPES: TypeSpec[] = [
  {
    key: "new",
    name: "New patient visit",
    duration: 40,
    before: 0,
    after: 5,
    weight: 2,
    color: "#2563eb",
    patientKind: "new",
    bookableByPatient: true,
  },
  {
    key: "follow",
    name: "Follow-up",
    duration: 20,
    before: 0,
    after: 5,
    weight: 6,
    color: "#16a34a",
    patientKind: "established",
    bookableByPatient: true,
  },
  {
    key: "physical",
    name: "Annual physical",
    duration: 30,
    before: 0,
    after: 5,
    weight: 3,
    color: "#9333ea",
    bookableByPatient: true,
  },
  {
    key: "procedure",
    name: "Procedure",
    duration: 45,
    before: 10,
    after: 10,
    weight: 1,
    color: "#dc2626",
    roomNames: ["Procedure Room"],
    practitioners: ["Ramirez", "Okoye"],
  },
  {
    key: "ecg",
    name: "ECG",
    duration: 20,
    before: 0,
    after: 5,
    weight: 1,
    color: "#ea580c",
    equipment: ["ecg"],
  },
  {
    key: "tele",
    name: "Telehealth",
    duration: 20,
    before: 0,
    after: 0,
    weight: 2,
    color: "#0891b2",
    noRoom: true,
    bookableByPatient: true,
  },
];

/** Weekly hours: practitioner family name → location name → weekdays and windows. */
const HOURS: Record<string, [string, IsoWeekday[], [string, string][]][]> = {
  Ramirez: [
    [
      "Riverside Main Clinic",
      [1, 2, 3, 4, 5],
      [
        ["08:00", "12:00"],
        ["13:00", "17:00"],
      ],
    ],
  ],
  Okoye: [
    [
      "Riverside Main Clinic",
      [1, 3, 5],
      [
        ["08:30", "12:30"],
        ["13:30", "17:30"],
      ],
    ],
    [
      "Northgate Clinic",
      [2, 4],
      [
        ["08:30", "12:30"],
        ["13:30", "16:30"],
      ],
    ],
  ],
  Liu: [
    [
      "Northgate Clinic",
      [1, 2, 3, 4],
      [
        ["09:00", "12:00"],
        ["13:00", "17:00"],
      ],
    ],
  ],
  Fischer: [
    ["Riverside Main Clinic", [2, 4], [["09:00", "13:00"]]],
    [
      "Northgate Clinic",
      [1, 3, 5],
      [
        ["08:00", "12:00"],
        ["13:00", "16:00"],
      ],
    ],
  ],
  Brooks: [["Riverside Main Clinic", [1, 2, 3, 4, 5], [["12:00", "18:00"]]]],
};

const CANCEL_REASONS = [
  "Feeling better",
  "Schedule conflict",
  "Transportation problem",
  "Sick child",
  "Work",
];

export interface SchedulingSeedSummary {
  appointmentTypes: number;
  templates: number;
  appointments: number;
  byStatus: Record<string, number>;
  waitlist: number;
  bookedShare: number;
}

/** Seeds scheduling for an organization made by seedDemo (its locations, rooms, staff and patients). */
export async function seedScheduling(
  services: Services,
  organizationId: string,
): Promise<SchedulingSeedSummary> {
  const rand = prng(20261201);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const db = services.systemDb;
  const org = organizationId;
  const now = services.clock().getTime();
  const at = new Date(now).toISOString();

  const locations = await db
    .selectFrom("locations")
    .selectAll()
    .where("organization_id", "=", org)
    .orderBy("name")
    .execute();
  const rooms = await db
    .selectFrom("rooms")
    .selectAll()
    .where("organization_id", "=", org)
    .orderBy("name")
    .execute();
  const equipment = await db
    .selectFrom("equipment")
    .selectAll()
    .where("organization_id", "=", org)
    .orderBy("name")
    .execute();
  const staff = await db
    .selectFrom("staff_members")
    .select(["id", "family_name", "active"])
    .where("organization_id", "=", org)
    .where("kind", "=", "practitioner")
    .orderBy("family_name")
    .execute();
  const licenses = await db
    .selectFrom("practitioner_licenses")
    .selectAll()
    .where("organization_id", "=", org)
    .execute();
  const patients = (
    await db.selectFrom("patients").select("id").where("organization_id", "=", org).orderBy("mrn").execute()
  ).map((p) => p.id);
  const frontDesk = await db
    .selectFrom("memberships")
    .select("user_id")
    .where("organization_id", "=", org)
    .where("role", "=", "front-desk")
    .executeTakeFirst();
  const byFamily = new Map(staff.map((s) => [s.family_name, s.id]));

  // Appointment types.
  const typeRows: AppointmentTypesTable[] = TYPES.map((t) => ({
    organization_id: org,
    id: randomUUID(),
    name: t.name,
    duration_minutes: t.duration,
    buffer_before_minutes: t.before,
    buffer_after_minutes: t.after,
    min_lead_minutes: 0,
    max_per_day: t.key === "procedure" ? 4 : null,
    step_minutes: 10,
    patient_kind: t.patientKind ?? "any",
    practitioner_ids: t.practitioners
      ? JSON.stringify(t.practitioners.map((f) => byFamily.get(f)).filter(Boolean))
      : null,
    room_required: t.noRoom ? 0 : 1,
    room_ids: t.roomNames
      ? JSON.stringify(rooms.filter((r) => t.roomNames!.includes(r.name)).map((r) => r.id))
      : null,
    equipment_kinds: JSON.stringify(t.equipment ?? []),
    bookable_by_patient: t.bookableByPatient ? 1 : 0,
    color: t.color,
    active: 1,
    created_at: at,
    updated_at: at,
  }));

  const today = instantToLocal(now, locations[0]?.time_zone ?? "America/Chicago").date;
  const firstDay = addDays(today, -HISTORY_DAYS);
  const lastDay = addDays(today, FUTURE_DAYS);

  // Weekly templates.
  const templateRows: AvailabilityTemplatesTable[] = [];
  for (const [family, places] of Object.entries(HOURS)) {
    const id = byFamily.get(family);
    if (!id) continue;
    for (const [locName, weekdays, windows] of places) {
      const loc = locations.find((l) => l.name === locName);
      if (!loc) continue;
      for (const weekday of weekdays)
        for (const [start, end] of windows)
          templateRows.push({
            organization_id: org,
            id: randomUUID(),
            resource_kind: "practitioner" as const,
            resource_id: id,
            location_id: loc.id,
            weekday,
            start_time: start,
            end_time: end,
            effective_from: addDays(firstDay, -7),
            effective_to: null,
            created_at: at,
          });
    }
  }

  // A holiday: the main clinic closes on the first Monday two weeks or more from today.
  const main = locations.find((l) => l.name === "Riverside Main Clinic") ?? locations[0];
  let holiday = addDays(today, 14);
  while (isoWeekday(holiday) !== 1) holiday = addDays(holiday, 1);
  const closureRow = main
    ? {
        organization_id: org,
        id: randomUUID(),
        kind: "closure" as const,
        resource_kind: null,
        resource_id: null,
        location_id: main.id,
        date: holiday,
        start_time: null,
        end_time: null,
        reason: "Holiday: clinic closed",
        created_at: at,
      }
    : null;

  // Busy time per resource and local day, shared across locations (a practitioner is one person).
  const busy = new Map<string, BusyInterval[]>();
  const busyOf = (kind: string, id: string, date: string) => busy.get(`${kind}:${id}|${date}`) ?? [];
  const appointments: SeedAppointment[] = [];
  // A patient is never in two places at once (issue 10, item 3; a constraint on PostgreSQL): a drawn
  // patient who already has a visit overlapping this one gives way to the next patient in MRN order.
  const patientBusy = new Map<string, { start: number; end: number }[]>();
  const pickPatient = (start: number, end: number): string => {
    const first = patients.indexOf(pick(patients));
    for (let k = 0; k < patients.length; k++) {
      const id = patients[(first + k) % patients.length]!;
      const taken = patientBusy.get(id) ?? [];
      if (taken.some((t) => t.start < end && start < t.end)) continue;
      patientBusy.set(id, [...taken, { start, end }]);
      return id;
    }
    throw new Error("demo seed: every patient is busy at this time");
  };
  const holds: {
    organization_id: string;
    appointment_id: string;
    resource_kind: "practitioner" | "room" | "equipment";
    resource_id: string;
    busy_start: string;
    busy_end: string;
    active: number;
    exclusive: number;
  }[] = [];
  let availableMs = 0;
  let heldMs = 0;

  for (const loc of locations) {
    const zone = loc.time_zone;
    const range = { start: localDayBounds(firstDay, zone).start, end: localDayBounds(lastDay, zone).end };
    const locRooms = rooms.filter((r) => r.location_id === loc.id && r.active === 1);
    const locEquipment = equipment.filter((e) => e.location_id === loc.id && e.active === 1);
    const templates: WeeklyTemplate[] = templateRows
      .filter((t) => t.location_id === loc.id)
      .map((t) => ({
        resourceKind: t.resource_kind,
        resourceId: t.resource_id,
        locationId: loc.id,
        locationZone: zone,
        weekday: t.weekday as IsoWeekday,
        start: t.start_time,
        end: t.end_time,
        effectiveFrom: t.effective_from,
        effectiveTo: null,
      }));
    // Rooms and equipment without templates are open whenever the location is (as in slot-context.ts).
    for (const [kind, list] of [
      ["room", locRooms],
      ["equipment", locEquipment],
    ] as const)
      for (const r of list)
        for (let weekday = 1; weekday <= 7; weekday++)
          templates.push({
            resourceKind: kind,
            resourceId: r.id,
            locationId: loc.id,
            locationZone: zone,
            weekday: weekday as IsoWeekday,
            start: "00:00",
            end: "24:00",
            effectiveFrom: "1900-01-01",
            effectiveTo: null,
          });
    const closures =
      closureRow && closureRow.location_id === loc.id ? [{ locationId: loc.id, date: holiday }] : [];
    const expanded = expandAvailability({ templates, exceptions: [], blocks: [], closures }, range);
    const licensedUntil = new Map<string, number>();
    for (const l of licenses)
      licensedUntil.set(
        l.staff_id,
        Math.max(licensedUntil.get(l.staff_id) ?? 0, localBoundary(l.expires_on, "24:00", zone)),
      );
    const avail = new Map<string, TimeInterval[]>();
    for (const r of expanded) {
      let a = r.available;
      if (r.resourceKind === "practitioner")
        a = clipIntervals(a, { start: Number.MIN_SAFE_INTEGER, end: licensedUntil.get(r.resourceId) ?? 0 });
      avail.set(resourceKey(r.resourceKind, r.resourceId), a);
    }
    const practitioners = [
      ...new Set(templates.filter((t) => t.resourceKind === "practitioner").map((t) => t.resourceId)),
    ].filter((id) => staff.find((s) => s.id === id)?.active === 1);
    const typesHere = typeRows
      .map((row, i) => ({ row, spec: TYPES[i]! }))
      .filter(
        ({ spec }) => !spec.equipment || spec.equipment.every((k) => locEquipment.some((e) => e.kind === k)),
      )
      .filter(({ spec }) => !spec.roomNames || locRooms.some((r) => spec.roomNames!.includes(r.name)));
    const weights = typesHere.reduce((s, t) => s + t.spec.weight, 0);
    const chooseType = () => {
      let x = rand() * weights;
      for (const t of typesHere) {
        x -= t.spec.weight;
        if (x < 0) return t;
      }
      return typesHere[0]!;
    };

    for (let date = firstDay; date <= lastDay; date = addDays(date, 1)) {
      const day = localDayBounds(date, zone);
      for (const doc of practitioners) {
        const docAvail = clipIntervals(avail.get(resourceKey("practitioner", doc)) ?? [], day);
        const dayMs = totalIntervalMs(docAvail);
        if (dayMs === 0) continue;
        availableMs += dayMs;
        let failures = 0;
        const perDay = new Map<string, number>();
        while (failures < 6) {
          const booked = totalIntervalMs(
            busyOf("practitioner", doc, date)
              .map((b) => clipIntervals([b], day)[0]!)
              .filter(Boolean),
          );
          if (booked >= TARGET * dayMs) break;
          const { row, spec } = chooseType();
          const eligible = row.practitioner_ids ? (JSON.parse(row.practitioner_ids) as string[]) : null;
          if (eligible && !eligible.includes(doc)) {
            failures++;
            continue;
          }
          const roomIds = row.room_required
            ? row.room_ids
              ? (JSON.parse(row.room_ids) as string[])
              : locRooms.map((r) => r.id)
            : null;
          const equipmentReq = (spec.equipment ?? []).map((kind) => ({
            kind,
            eligibleIds: locEquipment.filter((e) => e.kind === kind).map((e) => e.id),
          }));
          const resources: [ResourceSchedule["resourceKind"], string][] = [
            ["practitioner", doc],
            ...(roomIds ?? []).map((id) => ["room", id] as [ResourceSchedule["resourceKind"], string]),
            ...equipmentReq.flatMap((e) =>
              e.eligibleIds.map((id) => ["equipment", id] as [ResourceSchedule["resourceKind"], string]),
            ),
          ];
          const schedules: ResourceSchedule[] = resources.map(([kind, id]) => ({
            resourceKind: kind,
            resourceId: id,
            available:
              kind === "practitioner" ? docAvail : clipIntervals(avail.get(resourceKey(kind, id)) ?? [], day),
            busy: busyOf(kind, id, date),
          }));
          const slots = findSlots({
            appointmentType: {
              durationMinutes: row.duration_minutes,
              bufferBeforeMinutes: row.buffer_before_minutes,
              bufferAfterMinutes: row.buffer_after_minutes,
              minLeadMinutes: 0,
              maxPerDayPerPractitioner: row.max_per_day,
              stepMinutes: row.step_minutes,
            },
            practitionerIds: [doc],
            roomIds,
            equipment: equipmentReq,
            schedules,
            sameTypeBookings: Array.from({ length: perDay.get(row.id) ?? 0 }, () => ({
              practitionerId: doc,
              start: day.start + 1,
            })),
            now: day.start,
            range: day,
            zone,
            limit: 12,
          });
          if (slots.length === 0) {
            failures++;
            continue;
          }
          // Mostly the earliest open time (a day fills from the morning), sometimes a later one.
          const slot = rand() < 0.75 ? slots[0]! : pick(slots);
          perDay.set(row.id, (perDay.get(row.id) ?? 0) + 1);
          const id = randomUUID();
          const held = {
            start: slot.start - row.buffer_before_minutes * MINUTE,
            end: slot.end + row.buffer_after_minutes * MINUTE,
            bookingId: id,
          };
          const resourcesHeld: [ResourceSchedule["resourceKind"], string][] = [
            ["practitioner", doc],
            ...(slot.roomId ? [["room", slot.roomId] as [ResourceSchedule["resourceKind"], string]] : []),
            ...slot.equipmentIds.map((e) => ["equipment", e] as [ResourceSchedule["resourceKind"], string]),
          ];
          for (const [kind, rid] of resourcesHeld)
            busy.set(`${kind}:${rid}|${date}`, [...busyOf(kind, rid, date), held]);
          const createdAt = Math.min(
            now,
            slot.start - Math.floor(1 + rand() * 30) * 86_400_000 - Math.floor(rand() * 8) * 3_600_000,
          );
          appointments.push({
            organization_id: org,
            id,
            location_id: loc.id,
            patient_id: pickPatient(slot.start, slot.end),
            appointment_type_id: row.id,
            practitioner_id: doc,
            room_id: slot.roomId,
            start_at: new Date(slot.start).toISOString(),
            end_at: new Date(slot.end).toISOString(),
            status: "booked",
            overbooked: 0,
            series_id: null,
            series_index: null,
            rescheduled_from_id: null,
            note: null,
            created_by: frontDesk?.user_id ?? null,
            cancelled_at: null,
            cancelled_by: null,
            cancel_reason: null,
            late_cancel: 0,
            version: 1,
            created_at: new Date(createdAt).toISOString(),
            updated_at: new Date(createdAt).toISOString(),
            break_glass_id: null,
            patient_overlap_allowed: 0,
          });
          for (const [kind, rid] of resourcesHeld)
            holds.push({
              organization_id: org,
              appointment_id: id,
              resource_kind: kind,
              resource_id: rid,
              busy_start: new Date(held.start).toISOString(),
              busy_end: new Date(held.end).toISOString(),
              active: 1,
              exclusive: 1,
            });
          heldMs += held.end - held.start;
        }
      }
    }
  }

  // Outcomes: past visits fulfilled (some no-shows, some cancelled), today's in progress, a few moved.
  const holdsOf = new Map<string, typeof holds>();
  for (const h of holds) holdsOf.set(h.appointment_id, [...(holdsOf.get(h.appointment_id) ?? []), h]);
  const refills: SeedAppointment[] = [];
  for (const a of appointments) {
    const start = Date.parse(a.start_at);
    const end = Date.parse(a.end_at);
    const r = rand();
    let status: AppointmentStatus = "booked";
    if (end <= now) status = r < 0.04 ? "noshow" : r < 0.12 ? "cancelled" : "fulfilled";
    else if (start <= now) status = r < 0.5 ? "checked-in" : "arrived";
    else if (r < 0.05) status = "cancelled";
    else if (r < 0.07) {
      a.version = 2;
      a.note = "Rescheduled at the patient's request.";
      a.updated_at = new Date(Math.min(now, Date.parse(a.created_at) + 86_400_000)).toISOString();
    }
    a.status = status;
    if (status === "cancelled") {
      const created = Date.parse(a.created_at);
      const cancelledAt = Math.min(now, created + rand() * Math.max(0, Math.min(start, now) - created));
      a.cancelled_at = new Date(cancelledAt).toISOString();
      a.cancelled_by = `${pick(["patient", "patient", "practice"])}:frontdesk`;
      a.cancel_reason = pick(CANCEL_REASONS);
      a.late_cancel = start - cancelledAt < 24 * 3_600_000 ? 1 : 0;
      a.updated_at = a.cancelled_at;
      a.version = 2;
    }
    if (status === "cancelled" || status === "noshow") {
      for (const h of holdsOf.get(a.id) ?? []) h.active = 0;
      const heldSpan = (a: SeedAppointment) => {
        const h = holdsOf.get(a.id)?.[0];
        return h ? Date.parse(h.busy_end) - Date.parse(h.busy_start) : end - start;
      };
      heldMs -= heldSpan(a);
      // Half the cancelled times were filled again (from the waitlist or a phone call).
      if (status === "cancelled" && rand() < 0.5 && Date.parse(a.cancelled_at!) < start) {
        const id = randomUUID();
        const filledAt = Date.parse(a.cancelled_at!);
        refills.push({
          ...a,
          id,
          patient_id: pickPatient(start, end),
          status: end <= now ? "fulfilled" : start <= now ? "arrived" : "booked",
          cancelled_at: null,
          cancelled_by: null,
          cancel_reason: null,
          late_cancel: 0,
          version: 1,
          note: "Filled a cancelled time.",
          created_at: new Date(filledAt).toISOString(),
          updated_at: new Date(filledAt).toISOString(),
        });
        for (const h of holdsOf.get(a.id) ?? []) holds.push({ ...h, appointment_id: id, active: 1 });
        heldMs += heldSpan(a);
      }
    }
  }
  appointments.push(...refills);

  // A short waitlist of patients wanting an earlier or any slot in the coming weeks.
  const waitlistRows = Array.from({ length: 6 }, (_, i) => {
    const loc = locations[i % locations.length]!;
    const type = typeRows[i % 3]!;
    const doc = i % 2 === 0 ? (staff.find((s) => s.active === 1)?.id ?? null) : null;
    return {
      organization_id: org,
      id: randomUUID(),
      patient_id: patients[(i * 37) % patients.length]!,
      appointment_type_id: type.id,
      location_id: loc.id,
      practitioner_id: doc,
      current_appointment_id: null,
      earliest_date: today,
      latest_date: addDays(today, 14 + i * 3),
      weekdays: JSON.stringify(i % 3 === 0 ? [] : i % 3 === 1 ? [1, 3, 5] : [2, 4]),
      time_from: i % 2 ? "08:00" : null,
      time_to: i % 2 ? "12:00" : null,
      priority: i % 3,
      status: "waiting" as const,
      note: i === 0 ? "Can come at short notice." : null,
      created_at: new Date(now - (i + 1) * 86_400_000).toISOString(),
      updated_at: new Date(now - (i + 1) * 86_400_000).toISOString(),
    };
  });

  const byStatus: Record<string, number> = {};
  for (const a of appointments) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  const summary: SchedulingSeedSummary = {
    appointmentTypes: typeRows.length,
    templates: templateRows.length,
    appointments: appointments.length,
    byStatus,
    waitlist: patients.length ? waitlistRows.length : 0,
    bookedShare: availableMs ? Math.round((heldMs / availableMs) * 1000) / 1000 : 0,
  };

  await audited(
    services,
    cliActor(org),
    {
      action: "demo.scheduling.seed",
      resourceType: "Appointment",
      detail: { ...summary, from: firstDay, to: lastDay, closure: holiday },
    },
    async (trx) => {
      await insertChunks(trx, "appointment_types", typeRows);
      await insertChunks(trx, "availability_templates", templateRows);
      if (closureRow) await trx.insertInto("availability_exceptions").values(closureRow).execute();
      await insertChunks(trx, "appointments", appointments);
      await insertChunks(trx, "appointment_resources", holds);
      if (patients.length) await insertChunks(trx, "waitlist_entries", waitlistRows);
      // Each active exclusive hold against the latest end of the earlier holds of its resource: one
      // sorted pass (a window), not a self-join, so the check stays fast over thousands of visits.
      const overlaps = await sql<{ n: number | string }>`
        select count(*) as n from (
          select busy_start, max(busy_end) over (
            partition by resource_id order by busy_start, appointment_id
            rows between unbounded preceding and 1 preceding) as prev_end
          from appointment_resources
          where organization_id = ${org} and active = 1 and exclusive = 1) h
        where h.prev_end > h.busy_start`.execute(systemTrx(trx)); // raw SQL: filtered by hand (org)
      if (Number(overlaps.rows[0]?.n ?? 0) > 0)
        throw new DomainError(
          "internal",
          "The demo schedule would double-book a resource; nothing was written.",
        );
    },
  );
  return summary;
}

async function insertChunks<T extends object>(trx: Trx, table: string, rows: readonly T[]): Promise<void> {
  // 400 rows of at most ~25 columns stay under SQLite's bound-parameter limit.
  for (let i = 0; i < rows.length; i += 400)
    await trx
      .insertInto(table as never)
      .values(rows.slice(i, i + 400) as never)
      .execute();
}
