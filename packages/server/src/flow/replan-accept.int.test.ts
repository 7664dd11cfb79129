import { localBoundary } from "@salus/core/scheduling/zoned-time";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocation, createResource } from "../directory/locations.ts";
import type { AppointmentView } from "../scheduling/appointment-view.ts";
import { bookAppointment } from "../scheduling/book-appointment.ts";
import { createAppointmentType } from "../scheduling/create-appointment-type.ts";
import { createBlock } from "../scheduling/create-block.ts";
import { createTemplate } from "../scheduling/create-template.ts";
import { createFlowPractice, type FlowPractice, MIN } from "../testing/flow-practice.ts";
import {
  asBearer,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";

interface Proposal {
  id: string;
  kind: string;
  title: string;
  recommended: boolean;
  score: number;
  changes: {
    appointmentId: string;
    from: { practitionerId: string; expectedStart: string };
    to: { practitionerId: string; expectedStart: string } | null;
  }[];
}

const ZONE = "America/Chicago";
/** Weekdays from Monday 2026-03-02 (the practitioners work Monday to Friday; DST starts on the 8th). */
const WEEKDAYS = [2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20].map(
  (d) => `2026-03-${String(d).padStart(2, "0")}`,
);

/**
 * Every proposal the server offers can be accepted (issue 10, item 2): the re-plan did not know the target
 * practitioner's visits at another location nor the rooms, so "Move … to Dr Two" was recommended and
 * accepting it answered 409 ("already has a visit then", "no suitable room"). Each scenario is laid out
 * identically on several days; on day i the i-th proposal (by title) is accepted, so every one is tried.
 */
describe(`re-plan proposals are all acceptable (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let token: string;
  let practice: FlowPractice;
  let otherLocation: string;
  let longType: string;
  let examTwo: string;
  let nextDay = 0;
  /** 08:00 on the day laid out last. */
  let lastEight = 0;
  const post = (url: string, body: unknown) => asBearer(app, token, "POST", url, body);

  beforeAll(async () => {
    services = await createTestServices();
    const seed = await seedTwoOrgs(services);
    app = (await createTestApp(services)).app;
    practice = await createFlowPractice(services, seed);
    token = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    const loc = await createLocation(services, practice.actor, {
      name: "Alpha North",
      timeZone: ZONE,
      addressLine1: "2 North St",
      addressLine2: null,
      city: "Austin",
      state: "TX",
      postalCode: "78702",
      phone: null,
    });
    otherLocation = loc.id;
    await createResource(services, practice.actor, "rooms", { locationId: loc.id, name: "North 1" });
    // Dr Two also works mornings at the other location (the same hours as here: the practice's templates
    // do not stop that; the holds do, whatever the location).
    for (let weekday = 1; weekday <= 5; weekday++)
      await createTemplate(services, practice.actor, {
        resourceKind: "practitioner",
        resourceId: practice.docTwo,
        locationId: loc.id,
        weekday,
        start: "08:00",
        end: "12:00",
        effectiveFrom: "2026-01-01",
        effectiveTo: null,
      });
    longType = (
      await createAppointmentType(services, practice.actor, {
        name: "Long consult",
        durationMinutes: 100,
        roomRequired: false,
        stepMinutes: 10,
      })
    ).id;
    const room = await services.systemDb
      .selectFrom("rooms")
      .select("id")
      .where("name", "=", "Exam 2")
      .executeTakeFirstOrThrow();
    examTwo = room.id;
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  /** Dr One's four visits from 08:00 on `date`, after `setup` (booked with the clock at 06:00 that day). */
  async function layOutDay(
    date: string,
    setup: (eight: number) => Promise<void>,
  ): Promise<AppointmentView[]> {
    const eight = localBoundary(date, "08:00", ZONE);
    lastEight = eight;
    services.clock.set(new Date(eight - 120 * MIN));
    await setup(eight);
    const out: AppointmentView[] = [];
    for (let i = 0; i < 4; i++)
      out.push(
        await bookAppointment(services, practice.actor, {
          patientId: practice.patients[i]!,
          appointmentTypeId: practice.typeId,
          locationId: practice.locationId,
          practitionerId: practice.docOne,
          when: { start: new Date(eight + i * 20 * MIN).toISOString() },
        }),
      );
    services.clock.set(new Date(eight - 2 * MIN));
    return out;
  }

  async function lateOn(visits: AppointmentView[]): Promise<Proposal[]> {
    const res = await post("/api/flow/late", { appointmentId: visits[0]!.id, minutesLate: 20 });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { proposals: Proposal[] }).proposals;
  }

  /**
   * Lays the scenario out on a first day and asks for proposals; then, for each proposal, lays it out again
   * on a fresh day, asks again and accepts the proposal with that title: every one answers 200.
   */
  async function everyProposalAccepted(
    setup: (eight: number) => Promise<void>,
  ): Promise<{ proposals: Proposal[]; eight: number }> {
    const first = await lateOn(await layOutDay(WEEKDAYS[nextDay++]!, setup));
    const eight = lastEight;
    const titles = first.map((p) => p.title);
    expect(first.filter((p) => p.recommended)).toEqual([first[0]]);
    for (const title of titles) {
      const proposals = await lateOn(await layOutDay(WEEKDAYS[nextDay++]!, setup));
      expect(proposals.map((p) => p.title)).toEqual(titles);
      const p = proposals.find((x) => x.title === title)!;
      const res = await post(`/api/flow/proposals/${p.id}/accept`, {});
      expect(res.statusCode, `${title}: ${res.body}`).toBe(200);
    }
    return { proposals: first, eight };
  }

  it("never proposes a move to a practitioner who has a visit at another location then", async () => {
    const { proposals, eight } = await everyProposalAccepted(async (eight) => {
      // Dr Two sees a patient at the other location 08:00-09:40, all the time a move could take.
      await bookAppointment(services, practice.actor, {
        patientId: practice.patients[5]!,
        appointmentTypeId: longType,
        locationId: otherLocation,
        practitionerId: practice.docTwo,
        when: { start: new Date(eight).toISOString() },
      });
    });
    // No visit goes to Dr Two while they are at the other location (08:00-09:40).
    const toTwo = proposals.flatMap((p) =>
      p.changes
        .filter((c) => c.to?.practitionerId === practice.docTwo)
        .map((c) => Date.parse(c.to!.expectedStart)),
    );
    for (const start of toTwo) expect(start >= eight + 100 * MIN || start + 20 * MIN <= eight).toBe(true);
    expect(proposals.some((p) => p.kind === "keep")).toBe(true);
  });

  it("never proposes a move that finds no free room (the accept path would refuse it)", async () => {
    const { proposals } = await everyProposalAccepted(async (eight) => {
      // Exam 2 is closed all morning: every visit here takes Exam 1, so the late patient cannot be seen
      // by Dr Two at 08:20 (Exam 1 is then Dr One's).
      await createBlock(services, practice.actor, {
        resourceKind: "room",
        resourceId: examTwo,
        start: new Date(eight - 60 * MIN).toISOString(),
        end: new Date(eight + 240 * MIN).toISOString(),
        reason: "Cleaning",
      });
    });
    // The late patient (Dr One's 08:00 visit) is not moved to Dr Two at 08:20: no room is free then.
    expect(proposals.map((p) => p.title)).not.toContain("Move Ada M. (08:00) to Omar Second");
    // Moves that keep a visit in the room it already holds are still offered, best first.
    expect(proposals.some((p) => p.kind === "move")).toBe(true);
    expect(proposals.some((p) => p.kind === "keep")).toBe(true);
  });

  it("a refused accept still says why (the booking rule's message, not a changed day)", async () => {
    const visits = await layOutDay(WEEKDAYS[nextDay++]!, async () => {});
    const proposals = await lateOn(visits);
    const move = proposals.find(
      (p) => p.kind === "move" && p.changes.some((c) => c.appointmentId === visits[0]!.id),
    )!;
    const change = move.changes.find((c) => c.appointmentId === visits[0]!.id)!;
    expect(move).toBeDefined();
    // Someone books Dr Two's free time at the other location meanwhile, through the other location (the
    // day here does not change, so the proposal is not stale): the accept is refused by the booking rules.
    await bookAppointment(services, practice.actor, {
      patientId: practice.patients[6]!,
      appointmentTypeId: longType,
      locationId: otherLocation,
      practitionerId: practice.docTwo,
      when: { start: change.to!.expectedStart },
    });
    const res = await post(`/api/flow/proposals/${move.id}/accept`, {});
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).message).not.toContain("The day changed");
  });
});
