import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppointmentView } from "../scheduling/appointment-view.ts";
import { createFlowPractice, DAY, EIGHT, type FlowPractice, MIN } from "../testing/flow-practice.ts";
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
 * Reports on a small hand-made day (exact figures, JSON and formula-safe CSV), the no-show model trained
 * from a history with a learnable pattern (calibration shown, risks on the board, an extra reminder for
 * risky visits), the what-if comparison and the simulator through the API.
 */
describe(`flow reports, no-show model, what-if (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let manager: string;
  let practice: FlowPractice;
  let day: AppointmentView[];

  const at = (minutesFromEight: number) => new Date(EIGHT + minutesFromEight * MIN).toISOString();

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    app = (await createTestApp(services)).app;
    practice = await createFlowPractice(services, seed);
    day = await practice.bookDay(4);
    manager = await bearer(services, seed.alpha, seed.alpha.users.manager.email);
    // The day as it went (times relative to 08:00); V2 did not come.
    const flows: [number, (number | null)[]][] = [
      [0, [-5, -3, 5, 10, 30]],
      [1, [35, 36, null, 40, 55]],
      [3, [50, 52, 80, 85, 105]],
    ];
    const db = services.systemDb;
    for (const [i, [arrived, checkedIn, roomed, withP, out]] of flows) {
      await db
        .insertInto("visit_flow")
        .values({
          organization_id: seed.alpha.id,
          appointment_id: day[i]!.id,
          arrived_at: at(arrived!),
          checked_in_at: at(checkedIn!),
          roomed_at: roomed === null ? null : at(roomed!),
          room_id: null,
          with_practitioner_at: at(withP!),
          checked_out_at: at(out!),
          demographics_confirmed: 1,
          insurance_confirmed: 1,
          expected_arrival: null,
          planned_start: null,
          notified_start: null,
          updated_at: at(out!),
        })
        .execute();
      await db
        .updateTable("appointments")
        .set({ status: "fulfilled" })
        .where("id", "=", day[i]!.id)
        .execute();
    }
    await db.updateTable("appointments").set({ status: "noshow" }).where("id", "=", day[2]!.id).execute();
    // A practitioner name that a spreadsheet would run as a formula.
    await db
      .updateTable("staff_members")
      .set({ given_name: "=HYPERLINK(1)" })
      .where("id", "=", practice.docOne)
      .execute();
    services.clock.set(new Date(EIGHT + 6 * 60 * MIN));
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  it("computes the day's figures exactly", async () => {
    const res = await asBearer(
      app,
      manager,
      "GET",
      `/api/reports/flow?locationId=${practice.locationId}&from=${DAY}&to=${DAY}&groupBy=day`,
    );
    expect(res.statusCode, res.body).toBe(200);
    // Waits 5, 5, 20; cycles 35, 20, 55; 1 of 4 no-show; 1 of 3 arrivals past the 10-minute grace;
    // 55 minutes with the practitioner out of 540 available (08:00-17:00).
    expect(res.json().rows).toEqual([
      {
        key: DAY,
        label: DAY,
        visits: 4,
        meanWaitMinutes: 10,
        p90WaitMinutes: 20,
        meanCycleMinutes: 36.67,
        noShowRate: 0.25,
        lateRate: 0.3333,
        utilisation: 0.1019,
      },
    ]);
    const byDoc = await asBearer(
      app,
      manager,
      "GET",
      `/api/reports/flow?locationId=${practice.locationId}&from=${DAY}&to=${DAY}&groupBy=practitioner`,
    );
    expect(byDoc.json().rows).toEqual([
      expect.objectContaining({ key: practice.docOne, visits: 4, meanWaitMinutes: 10 }),
    ]);
    const csv = await asBearer(
      app,
      manager,
      "GET",
      `/api/reports/flow?locationId=${practice.locationId}&from=${DAY}&to=${DAY}&groupBy=practitioner&format=csv`,
    );
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toMatch(/text\/csv/);
    expect(csv.body).toBe(
      "key,label,visits,meanWaitMinutes,p90WaitMinutes,meanCycleMinutes,noShowRate,lateRate,utilisation\r\n" +
        `${practice.docOne},'=HYPERLINK(1) Practitioner-alpha,4,10,20,36.67,0.25,0.3333,0.1019\r\n`,
    );
  });

  it("refuses bad report queries with 400 and another organization's location with 404", async () => {
    const bad = await asBearer(
      app,
      manager,
      "GET",
      `/api/reports/flow?locationId=${practice.locationId}&from=${DAY}&to=2026-02-01`,
    );
    expect(bad.statusCode).toBe(400);
    expect((await asBearer(app, manager, "GET", "/api/reports/flow")).statusCode).toBe(400);
    const beta = await bearer(services, seed.beta, seed.beta.users.manager.email);
    expect(
      (
        await asBearer(
          app,
          beta,
          "GET",
          `/api/reports/flow?locationId=${practice.locationId}&from=${DAY}&to=${DAY}`,
        )
      ).statusCode,
    ).toBe(404);
  });

  it("trains the no-show model on the practice's history and uses it", async () => {
    const empty = await asBearer(app, manager, "GET", "/api/reports/no-show-model");
    expect(empty.json()).toMatchObject({ trainedAt: null, examples: 0 });
    const tooLittle = await asBearer(app, manager, "POST", "/api/reports/no-show-model/train", {});
    expect(tooLittle.statusCode).toBe(409);
    // 320 past visits over 160 days: patients 0 and 1 miss most of theirs, the others almost never.
    const rows = [];
    const flows = [];
    for (let k = 0; k < 320; k++) {
      const patient = k % practice.patients.length;
      const start = Date.parse("2025-09-15T15:00:00Z") + Math.floor(k / 2) * 86_400_000 + (k % 2) * 3_600_000;
      const noShow = patient < 2 ? k % 5 !== 0 : k % 23 === 0;
      const id = randomUUID();
      rows.push({
        organization_id: seed.alpha.id,
        id,
        location_id: practice.locationId,
        patient_id: practice.patients[patient]!,
        appointment_type_id: practice.typeId,
        practitioner_id: practice.docOne,
        room_id: null,
        start_at: new Date(start).toISOString(),
        end_at: new Date(start + 20 * MIN).toISOString(),
        status: noShow ? ("noshow" as const) : ("fulfilled" as const),
        overbooked: 0,
        series_id: null,
        series_index: null,
        rescheduled_from_id: null,
        note: null,
        created_by: null,
        cancelled_at: null,
        cancelled_by: null,
        cancel_reason: null,
        late_cancel: 0,
        version: 1,
        created_at: new Date(start - (3 + (k % 20)) * 86_400_000).toISOString(),
        updated_at: new Date(start).toISOString(),
      });
      if (!noShow)
        flows.push({
          organization_id: seed.alpha.id,
          appointment_id: id,
          arrived_at: new Date(start - 5 * MIN).toISOString(),
          checked_in_at: new Date(start - 3 * MIN).toISOString(),
          roomed_at: null,
          room_id: null,
          with_practitioner_at: new Date(start + 2 * MIN).toISOString(),
          checked_out_at: new Date(start + (15 + (k % 11)) * MIN).toISOString(),
          demographics_confirmed: 1,
          insurance_confirmed: 1,
          expected_arrival: null,
          planned_start: null,
          notified_start: null,
          updated_at: new Date(start).toISOString(),
        });
    }
    for (let i = 0; i < rows.length; i += 100)
      await services.systemDb
        .insertInto("appointments")
        .values(rows.slice(i, i + 100))
        .execute();
    for (let i = 0; i < flows.length; i += 100)
      await services.systemDb
        .insertInto("visit_flow")
        .values(flows.slice(i, i + 100))
        .execute();

    // Train "before" the demo day, so its four booked visits are upcoming and get risks.
    services.clock.set(new Date(EIGHT - 24 * 60 * MIN));
    // Booked ten days ahead, like most of the history (the model learns that lead time matters).
    await services.systemDb
      .updateTable("appointments")
      .set({ status: "booked", created_at: new Date(EIGHT - 10 * 86_400_000).toISOString() })
      .where(
        "id",
        "in",
        day.map((d) => d.id),
      )
      .execute();
    const trained = await asBearer(app, manager, "POST", "/api/reports/no-show-model/train", {});
    expect(trained.statusCode, trained.body).toBe(200);
    const model = trained.json();
    expect(model.examples).toBe(320 + 0);
    expect(model.brier).toBeLessThan(model.baselineBrier);
    expect(model.reliability.length).toBeGreaterThan(0);
    expect(model.reliability.reduce((s: number, b: { n: number }) => s + b.n, 0)).toBe(80);
    expect(model.weights.map((w: { feature: string }) => w.feature)).toContain("priorNoShows");
    const read = await asBearer(app, manager, "GET", "/api/reports/no-show-model");
    expect(read.json()).toEqual(model);

    const board = await asBearer(
      app,
      manager,
      "GET",
      `/api/flow/board?locationId=${practice.locationId}&date=${DAY}`,
    );
    const risks = new Map(
      board
        .json()
        .visits.map((v: { patientId: string; noShowRisk: { probability: number } }) => [
          v.patientId,
          v.noShowRisk,
        ]),
    );
    const flaky = risks.get(practice.patients[0]!) as { probability: number; reasons: string[] };
    const steady = risks.get(practice.patients[2]!) as { probability: number };
    expect(flaky.probability).toBeGreaterThan(0.5);
    expect(steady.probability).toBeLessThan(0.2);
    expect(flaky.reasons.join(" ")).toMatch(/no-show/);
    const extra = await services.systemDb
      .selectFrom("outbox_messages")
      .select(["appointment_id", "body"])
      .where("dedupe_key", "like", "reminder:%:risk:%")
      .execute();
    expect(extra.map((m) => m.appointment_id)).toContain(day[0]!.id);
    expect(extra.map((m) => m.appointment_id)).not.toContain(day[2]!.id);
    const over = await asBearer(
      app,
      manager,
      "GET",
      `/api/flow/overbooking?locationId=${practice.locationId}&date=${DAY}`,
    );
    expect(over.statusCode, over.body).toBe(200);
    expect(over.json().suggestions).toHaveLength(4);
    expect(over.body).not.toContain(practice.patients[0]!);
  });

  it("compares policies on the practice's own data and runs the simulator", async () => {
    const res = await asBearer(app, manager, "POST", "/api/reports/what-if", {
      locationId: practice.locationId,
      from: "2025-09-01",
      to: "2026-02-28",
      runs: 20,
      seed: 7,
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.basis.visits).toBe(320);
    expect(body.basis.punctuality.meanMinutes).toBe(-5);
    expect(body.rows).toHaveLength(24);
    expect(body.rows[0]).toMatchObject({ rule: "individual", policy: "fcfs", overbook: 0 });
    const again = await asBearer(app, manager, "POST", "/api/reports/what-if", {
      locationId: practice.locationId,
      from: "2025-09-01",
      to: "2026-02-28",
      runs: 20,
      seed: 7,
    });
    expect(again.json()).toEqual(body);
    const sim = await asBearer(app, manager, "POST", "/api/reports/simulate", {
      patients: 10,
      interval: 15,
      rule: "bailey-welch",
      service: "exp:15",
      noShow: 0.1,
      runs: 50,
      seed: 3,
    });
    expect(sim.statusCode, sim.body).toBe(200);
    expect(sim.json()).toHaveProperty("meanWait");
    const bad = await asBearer(app, manager, "POST", "/api/reports/simulate", {
      patients: 10,
      interval: 15,
      rule: "zigzag",
      service: "exp:15",
    });
    expect(bad.statusCode).toBe(400);
    expect((await asBearer(app, manager, "POST", "/api/reports/what-if", {})).statusCode).toBe(400);
  });
});
