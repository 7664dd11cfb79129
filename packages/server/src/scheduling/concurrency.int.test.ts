import { HOLDING_STATUSES } from "@salus/core/scheduling/appointment-status";
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createLocation, createResource } from "../directory/locations.ts";
import { createPatient } from "../directory/patients.ts";
import { addLicense, createStaff } from "../directory/staff.ts";
import {
  asSession,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";
import { createAppointmentType } from "./create-appointment-type.ts";
import { createTemplate } from "./create-template.ts";
import { updateSchedulingSettings } from "./update-scheduling-settings.ts";

/**
 * Double booking is impossible under concurrent requests: the requests really run at once (app.inject in
 * parallel; on PostgreSQL a pool of 10 connections, serializable transactions with retry and the
 * exclusion constraint as the last guard; on SQLite `begin immediate`).
 */
const MINUTE = 60_000;

/** Pairs of active exclusive holds of one resource whose times overlap (must always be 0). */
async function exclusiveOverlaps(services: TestServices): Promise<number> {
  const r = await sql<{ n: number | string }>`
    select count(*) as n
    from appointment_resources a
    join appointment_resources b
      on a.organization_id = b.organization_id
     and a.resource_id = b.resource_id
     and a.appointment_id < b.appointment_id
    where a.active = 1 and b.active = 1 and a.exclusive = 1 and b.exclusive = 1
      and a.busy_start < b.busy_end and b.busy_start < a.busy_end`.execute(services.systemDb);
  return Number(r.rows[0]?.n ?? 0);
}

/** The most holds any practitioner has at one instant (sweep over active holds). */
async function maxPractitionerDepth(services: TestServices): Promise<number> {
  const rows = await services.systemDb
    .selectFrom("appointment_resources")
    .select(["resource_id", "busy_start", "busy_end"])
    .where("active", "=", 1)
    .where("resource_kind", "=", "practitioner")
    .execute();
  const byResource = new Map<string, [number, number][]>();
  for (const r of rows) {
    const events = byResource.get(r.resource_id) ?? [];
    events.push([Date.parse(r.busy_start), 1], [Date.parse(r.busy_end), -1]);
    byResource.set(r.resource_id, events);
  }
  let max = 0;
  for (const events of byResource.values()) {
    // Ends before starts at the same instant: holds are half-open.
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let depth = 0;
    for (const [, d] of events) {
      depth += d;
      max = Math.max(max, depth);
    }
  }
  return max;
}

describe(`concurrent booking (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let desk: SignedIn;
  let locationId: string;
  let typeId: string;
  const docs: string[] = [];
  const rooms: string[] = [];
  const patients: string[] = [];

  beforeAll(async () => {
    services = await createTestServices();
    const seed = await seedTwoOrgs(services);
    const actor = cliActor(seed.alpha.id);
    const loc = await createLocation(services, actor, { name: "Race Clinic", timeZone: "America/New_York" });
    locationId = loc.id;
    for (const name of ["Race 1", "Race 2"])
      rooms.push((await createResource(services, actor, "rooms", { locationId, name })).id);
    for (const name of ["Ann", "Bob", "Cy"]) {
      const s = await createStaff(services, actor, {
        kind: "practitioner",
        givenName: name,
        familyName: "Racer",
      });
      await addLicense(services, actor, s.id, { state: "NY", number: `R-${name}`, expiresOn: "2030-12-31" });
      for (let weekday = 1; weekday <= 7; weekday++) {
        await createTemplate(services, actor, {
          resourceKind: "practitioner",
          resourceId: s.id,
          locationId,
          weekday,
          start: "08:00",
          end: "18:00",
          effectiveFrom: "2026-01-01",
          effectiveTo: null,
        });
      }
      docs.push(s.id);
    }
    typeId = (
      await createAppointmentType(services, actor, {
        name: "Race visit",
        durationMinutes: 30,
        bufferBeforeMinutes: 5,
        bufferAfterMinutes: 5,
      })
    ).id;
    for (let i = 0; i < 50; i++) {
      const p = await createPatient(services, actor, {
        givenName: `Racer${i}`,
        familyName: "Patient",
        dateOfBirth: "1990-01-01",
        sex: "unknown",
      });
      patients.push(p.id);
    }
    ({ app } = await createTestApp(services));
    desk = await signIn(app, seed.alpha.users["front-desk"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const bookAt = (patient: string, start: string, extra: Record<string, unknown> = {}) =>
    asSession(app, desk, "POST", "/api/appointments", {
      patientId: patient,
      appointmentTypeId: typeId,
      locationId,
      practitionerId: docs[0],
      when: { start },
      ...extra,
    });

  it("50 concurrent requests for one slot: exactly one booking, 49 × 409, one hold per resource (5 rounds)", async () => {
    for (let round = 0; round < 5; round++) {
      const start = new Date(Date.parse("2026-03-03T15:00:00Z") + round * 86_400_000).toISOString();
      const responses = await Promise.all(patients.map((p) => bookAt(p, start)));
      const statuses = responses.map((r) => r.statusCode);
      const created = responses.filter((r) => r.statusCode === 201);
      expect(created, `round ${round}: ${statuses.join(",")}`).toHaveLength(1);
      const conflicts = responses.filter((r) => r.statusCode === 409);
      const others = responses.filter((r) => r.statusCode !== 409 && r.statusCode !== 201);
      expect(others.map((r) => `${r.statusCode} ${r.body}`)).toEqual([]);
      expect(conflicts).toHaveLength(49);
      for (const c of conflicts)
        expect((c.json() as { error: { code: string } }).error.code).toBe("conflict");
      const appointments = await services.systemDb
        .selectFrom("appointments")
        .select("id")
        .where("start_at", "=", start)
        .execute();
      expect(appointments.map((a) => a.id)).toEqual([(created[0]!.json() as { id: string }).id]);
      const holds = await services.systemDb
        .selectFrom("appointment_resources")
        .select(["resource_kind", "resource_id"])
        .where("appointment_id", "=", appointments[0]!.id)
        .orderBy("resource_kind")
        .execute();
      expect(holds.map((h) => h.resource_kind)).toEqual(["practitioner", "room"]);
    }
    expect(await exclusiveOverlaps(services)).toBe(0);
  });

  it("property: random concurrent bookings, reschedules, cancellations and no-shows never overlap", async () => {
    // Overbooking by policy (2 at a time) is allowed when asked, so non-exclusive holds are exercised too.
    await updateSchedulingSettings(services, cliActor((await orgOf(services)) ?? ""), {
      practitionerMaxConcurrent: 2,
    });
    const slot = fc.integer({ min: 0, max: 35 }); // 08:00 + 15 min × slot, local.
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("book" as const),
        patient: fc.nat({ max: 49 }),
        doc: fc.nat({ max: 2 }),
        room: fc.nat({ max: 2 }), // 2 = let the server choose.
        slot,
        overbook: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant("reschedule" as const),
        target: fc.nat(),
        doc: fc.nat({ max: 2 }),
        slot,
      }),
      fc.record({ kind: fc.constant("cancel" as const), target: fc.nat() }),
      fc.record({ kind: fc.constant("noshow" as const), target: fc.nat() }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 4, maxLength: 10 }), { minLength: 2, maxLength: 4 }),
        async (batches) => {
          // Each run books its own day (after the 50-request rounds), starting with an empty calendar.
          const day = Date.parse("2026-03-20T00:00:00Z") + run++ * 86_400_000;
          const date = new Date(day).toISOString().slice(0, 10);
          const startOf = (s: number) => ({
            localDate: date,
            localTime: `${String(8 + Math.floor(s / 4)).padStart(2, "0")}:${String((s % 4) * 15).padStart(2, "0")}`,
          });
          const booked: string[] = [];
          const unexpected: string[] = [];
          for (const batch of batches) {
            const known = [...booked];
            const requests: Promise<LightMyRequestResponse>[] = batch.map((o) => {
              if (o.kind === "book") {
                return asSession(app, desk, "POST", "/api/appointments", {
                  patientId: patients[o.patient],
                  appointmentTypeId: typeId,
                  locationId,
                  practitionerId: docs[o.doc],
                  ...(o.room < 2 ? { roomId: rooms[o.room] } : {}),
                  when: startOf(o.slot),
                  ...(o.overbook ? { allowOverbook: true } : {}),
                });
              }
              const id = known.length ? known[o.target % known.length] : undefined;
              if (!id) return Promise.resolve({ statusCode: 0 } as LightMyRequestResponse);
              if (o.kind === "reschedule")
                return asSession(app, desk, "POST", `/api/appointments/${id}/reschedule`, {
                  when: startOf(o.slot),
                  practitionerId: docs[o.doc],
                });
              if (o.kind === "cancel")
                return asSession(app, desk, "POST", `/api/appointments/${id}/cancel`, { reason: "property" });
              return asSession(app, desk, "POST", `/api/appointments/${id}/status`, { status: "noshow" });
            });
            const responses = await Promise.all(requests);
            for (const [i, r] of responses.entries()) {
              if (![0, 200, 201, 400, 409].includes(r.statusCode))
                unexpected.push(`${batch[i]!.kind} → ${r.statusCode} ${r.body}`);
              if (r.statusCode === 201) booked.push((r.json() as { id: string }).id);
            }
          }
          expect(unexpected).toEqual([]);
          expect(await exclusiveOverlaps(services)).toBe(0);
          expect(await maxPractitionerDepth(services)).toBeLessThanOrEqual(2);
          // Holds follow the appointment: active exactly when its status holds time, at its time ± buffers.
          const rows = await services.systemDb
            .selectFrom("appointments")
            .innerJoin("appointment_resources", (j) =>
              j
                .onRef("appointment_resources.organization_id", "=", "appointments.organization_id")
                .onRef("appointment_resources.appointment_id", "=", "appointments.id"),
            )
            .select([
              "appointments.status",
              "appointments.start_at",
              "appointments.end_at",
              "appointment_resources.busy_start",
              "appointment_resources.busy_end",
              "appointment_resources.active",
            ])
            .where("appointments.id", "in", booked.length ? booked : ["-"])
            .execute();
          for (const r of rows) {
            expect(r.active).toBe((HOLDING_STATUSES as readonly string[]).includes(r.status) ? 1 : 0);
            expect(Date.parse(r.start_at) - Date.parse(r.busy_start)).toBe(5 * MINUTE);
            expect(Date.parse(r.busy_end) - Date.parse(r.end_at)).toBe(5 * MINUTE);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

async function orgOf(services: TestServices): Promise<string | undefined> {
  const row = await services.systemDb
    .selectFrom("organizations")
    .select("id")
    .where("slug", "=", "alpha")
    .executeTakeFirst();
  return row?.id;
}
