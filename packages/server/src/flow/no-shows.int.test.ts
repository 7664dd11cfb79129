import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppointmentView } from "../scheduling/appointment-view.ts";
import { createFlowPractice, EIGHT, type FlowPractice, MIN } from "../testing/flow-practice.ts";
import {
  asBearer,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";

/**
 * No-shows: the job marks booked visits not arrived 30 minutes (the default rule) after their start, through
 * the status path (time released, waitlist and reminders follow), records one fee per appointment per the
 * practice's policy, and a second run changes nothing; a patient who called to say they are late is
 * judged from their announced arrival; the patient's history lists them.
 */
describe(`no-shows and fees (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let manager: string;
  let desk: string;
  let practice: FlowPractice;
  let visits: AppointmentView[];

  const fees = () =>
    services.systemDb.selectFrom("no_show_fees").selectAll().orderBy("appointment_id").execute();
  const statusOf = async (id: string) =>
    (
      await services.systemDb
        .selectFrom("appointments")
        .select("status")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).status;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    app = (await createTestApp(services)).app;
    practice = await createFlowPractice(services, seed);
    visits = await practice.bookDay(4);
    manager = await bearer(services, seed.alpha, seed.alpha.users.manager.email);
    desk = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  it("marks due visits as no-shows with a fee, once; arrivals and announced late arrivals are spared", async () => {
    services.clock.set(new Date(EIGHT - 10 * MIN));
    const policy = await asBearer(app, manager, "PUT", "/api/flow/settings", {
      graceMinutes: 10,
      lateAction: "next-gap",
      notifyThresholdMinutes: 15,
      waitWarnMinutes: 15,
      waitAlertMinutes: 30,
      noShowAfterMinutes: 30,
      noShowFeeCents: 4000,
      idleMinuteValueCents: 300,
      waitMinuteCostCents: 50,
    });
    expect(policy.statusCode, policy.body).toBe(200);
    // 08:00 arrives; 08:20 called: will be there at 08:50.
    const arrived = await asBearer(app, desk, "POST", `/api/appointments/${visits[0]!.id}/flow`, {
      step: "arrived",
      version: visits[0]!.version,
    });
    expect(arrived.statusCode, arrived.body).toBe(200);
    const late = await asBearer(app, desk, "POST", "/api/flow/late", {
      appointmentId: visits[1]!.id,
      minutesLate: 30,
    });
    expect(late.statusCode, late.body).toBe(200);
    services.clock.set(new Date(EIGHT + 75 * MIN)); // 09:15: 08:40 is 35 min past, 09:00 only 15
    const run = await asBearer(app, manager, "POST", "/api/flow/no-shows/run", {});
    expect(run.statusCode, run.body).toBe(200);
    expect(run.json()).toEqual({ marked: 1, fees: 1 });
    expect(await statusOf(visits[2]!.id)).toBe("noshow");
    expect(await statusOf(visits[1]!.id)).toBe("booked"); // judged from 08:50: 25 min
    expect(await statusOf(visits[3]!.id)).toBe("booked");
    expect(await statusOf(visits[0]!.id)).toBe("arrived");
    const holds = await services.systemDb
      .selectFrom("appointment_resources")
      .select("active")
      .where("appointment_id", "=", visits[2]!.id)
      .execute();
    expect(holds.every((h) => h.active === 0)).toBe(true);
    expect(await fees()).toEqual([
      expect.objectContaining({
        appointment_id: visits[2]!.id,
        patient_id: visits[2]!.patientId,
        amount_cents: 4000,
        status: "pending",
      }),
    ]);

    services.clock.set(new Date(EIGHT + 95 * MIN)); // 09:35: the late patient (08:50 + 30) and 09:00 are due
    const second = await asBearer(app, manager, "POST", "/api/flow/no-shows/run", {});
    expect(second.json()).toEqual({ marked: 2, fees: 2 });
    const again = await asBearer(app, manager, "POST", "/api/flow/no-shows/run", {});
    expect(again.json()).toEqual({ marked: 0, fees: 0 });
    expect(await fees()).toHaveLength(3);
    const audit = await services.systemDb
      .selectFrom("audit_entries")
      .select(["action", "patient_id"])
      .where("action", "=", "flow.no-show")
      .execute();
    expect(audit.map((a) => a.patient_id).sort()).toEqual(
      [visits[1]!.patientId, visits[2]!.patientId, visits[3]!.patientId].sort(),
    );
  });

  it("lists a patient's no-shows with fees; other organizations get 404", async () => {
    const id = visits[2]!.patientId;
    const res = await asBearer(app, desk, "GET", `/api/patients/${id}/no-shows`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([
      expect.objectContaining({
        appointmentId: visits[2]!.id,
        typeName: "Diabetes check",
        fee: expect.objectContaining({ amountCents: 4000, status: "pending" }),
      }),
    ]);
    const beta = await bearer(services, seed.beta, seed.beta.users["front-desk"].email);
    expect((await asBearer(app, beta, "GET", `/api/patients/${id}/no-shows`)).statusCode).toBe(404);
    const feeId = res.json().items[0].fee.id as string;
    const betaManager = await bearer(services, seed.beta, seed.beta.users.manager.email);
    expect(
      (await asBearer(app, betaManager, "POST", `/api/no-show-fees/${feeId}/waive`, { reason: "x" }))
        .statusCode,
    ).toBe(404);
    expect((await asBearer(app, manager, "POST", `/api/no-show-fees/${feeId}/waive`, {})).statusCode).toBe(
      400,
    );
    const waived = await asBearer(app, manager, "POST", `/api/no-show-fees/${feeId}/waive`, {
      reason: "Hospitalised that day",
    });
    expect(waived.statusCode, waived.body).toBe(200);
    expect(waived.json()).toMatchObject({ id: feeId, status: "waived", amountCents: 4000 });
    expect(
      (await asBearer(app, manager, "POST", `/api/no-show-fees/${feeId}/waive`, { reason: "again" }))
        .statusCode,
    ).toBe(409);
    const after = await asBearer(app, desk, "GET", `/api/patients/${id}/no-shows`);
    expect(after.json().items[0].fee.status).toBe("waived");
  });
});
