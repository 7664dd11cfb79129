import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createPatient, updatePatient } from "../directory/patients.ts";
import type { Actor } from "../platform/services.ts";
import {
  closeTestServices,
  createTestServices,
  dialect,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { acceptOffer } from "./accept-offer.ts";
import { addToWaitlist } from "./add-to-waitlist.ts";
import { bookAppointment } from "./book-appointment.ts";
import { bookSeries } from "./book-series.ts";
import { cancelAppointment } from "./cancel-appointment.ts";
import { changeAppointmentStatus } from "./change-appointment-status.ts";
import { changeSeries } from "./change-series.ts";
import { createAppointmentType } from "./create-appointment-type.ts";
import { createTemplate } from "./create-template.ts";
import { getSeries } from "./get-series.ts";
import { listWaitlist } from "./list-waitlist.ts";

/**
 * Recurring series (all-or-nothing by default, explicit skip report otherwise, edits of one / following /
 * all that keep every occurrence in the history, wall-clock time kept across DST) and the waitlist (freed
 * time offered by rank; the first acceptance books; offers expire).
 */
describe(`recurring series and waitlist (${dialect})`, () => {
  let services: TestServices;
  let seed: Seed;
  let actor: Actor;
  let typeId: string;
  const patients: string[] = [];

  const localHour = (iso: string) =>
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "America/Chicago",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(new Date(iso));

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    actor = cliActor(seed.alpha.id);
    for (let weekday = 1; weekday <= 5; weekday++) {
      await createTemplate(services, actor, {
        resourceKind: "practitioner",
        resourceId: seed.alpha.practitionerId,
        locationId: seed.alpha.locationId,
        weekday,
        start: "08:00",
        end: "17:00",
        effectiveFrom: "2026-01-01",
        effectiveTo: null,
      });
    }
    typeId = (await createAppointmentType(services, actor, { name: "Follow-up", durationMinutes: 30 })).id;
    patients.push(...seed.alpha.patientIds);
    for (const name of ["Avery", "Blake", "Casey"]) {
      const p = await createPatient(services, actor, {
        givenName: name,
        familyName: "Waitlist",
        dateOfBirth: "1990-01-01",
        sex: "unknown",
      });
      patients.push(p.id);
    }
  });
  afterAll(async () => {
    await closeTestServices(services);
  });

  const base = () => ({
    appointmentTypeId: typeId,
    locationId: seed.alpha.locationId,
    practitionerId: seed.alpha.practitionerId,
  });
  const count = async () =>
    Number(
      (
        await services.systemDb
          .selectFrom("appointments")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("books a weekly series that keeps 09:00 local time across the DST change", async () => {
    const result = await bookSeries(services, actor, {
      ...base(),
      patientId: patients[0]!,
      rrule: "FREQ=WEEKLY;COUNT=3",
      localDate: "2026-03-03",
      localTime: "09:00",
    });
    expect(result.skipped).toEqual([]);
    expect(result.booked.map((a) => a.start)).toEqual([
      "2026-03-03T15:00:00.000Z",
      "2026-03-10T14:00:00.000Z",
      "2026-03-17T14:00:00.000Z",
    ]);
    expect(result.booked.map((a) => localHour(a.start))).toEqual(["09:00", "09:00", "09:00"]);
  });

  it("refuses a whole series when one occurrence is taken, and books the rest only when asked to skip", async () => {
    await bookAppointment(services, actor, {
      ...base(),
      patientId: patients[1]!,
      when: { localDate: "2026-03-18", localTime: "11:00" },
    });
    const before = await count();
    const attempt = bookSeries(services, actor, {
      ...base(),
      patientId: patients[2]!,
      rrule: "FREQ=WEEKLY;COUNT=3",
      localDate: "2026-03-04",
      localTime: "11:00",
    });
    await expect(attempt).rejects.toMatchObject({
      code: "conflict",
      details: [expect.objectContaining({ path: "occurrences.2" })],
    });
    expect(await count()).toBe(before);

    const partial = await bookSeries(services, actor, {
      ...base(),
      patientId: patients[2]!,
      rrule: "FREQ=WEEKLY;COUNT=3",
      localDate: "2026-03-04",
      localTime: "11:00",
      onConflict: "skip",
    });
    expect(partial.booked).toHaveLength(2);
    expect(partial.skipped).toEqual([expect.objectContaining({ index: 2, localDate: "2026-03-18" })]);
    expect(await count()).toBe(before + 2);
  });

  it("cancels this and the following occurrences, keeping every one in the history", async () => {
    const s = await bookSeries(services, actor, {
      ...base(),
      patientId: patients[3]!,
      rrule: "FREQ=WEEKLY;COUNT=4",
      localDate: "2026-03-05",
      localTime: "13:00",
    });
    const third = s.booked[2]!;
    await changeSeries(services, actor, s.seriesId, {
      fromAppointmentId: third.id,
      scope: "following",
      action: "cancel",
      reason: "Course of treatment ended",
    });
    const after = await getSeries(services, actor, s.seriesId);
    expect(after.map((a) => a.status)).toEqual(["booked", "booked", "cancelled", "cancelled"]);
  });

  it("moves all future occurrences to a new local time, or none when one cannot move", async () => {
    const s = await bookSeries(services, actor, {
      ...base(),
      patientId: patients[4]!,
      rrule: "FREQ=WEEKLY;COUNT=3",
      localDate: "2026-03-06",
      localTime: "14:00",
    });
    const moved = await changeSeries(services, actor, s.seriesId, {
      fromAppointmentId: s.booked[0]!.id,
      scope: "all",
      action: "move",
      newLocalTime: "15:30",
    });
    expect(moved.map((a) => localHour(a.start))).toEqual(["15:30", "15:30", "15:30"]);
    // 16:45 + 30 min runs past the 17:00 end of availability: every occurrence refuses, nothing moves.
    await expect(
      changeSeries(services, actor, s.seriesId, {
        fromAppointmentId: s.booked[0]!.id,
        scope: "all",
        action: "move",
        newLocalTime: "16:45",
      }),
    ).rejects.toMatchObject({ code: "conflict" });
    expect((await getSeries(services, actor, s.seriesId)).map((a) => localHour(a.start))).toEqual([
      "15:30",
      "15:30",
      "15:30",
    ]);
  });

  it("offers a cancelled slot to the first waiting patient by rank, held for them; accepting books it", async () => {
    const held = await bookAppointment(services, actor, {
      ...base(),
      patientId: patients[0]!,
      when: { localDate: "2026-03-09", localTime: "10:00" },
    });
    // Both want exactly the booked half hour: free time elsewhere would be offered at once (issue 10, item 5).
    const first = await addToWaitlist(services, actor, {
      ...base(),
      patientId: patients[1]!,
      earliestDate: "2026-03-09",
      latestDate: "2026-03-13",
      weekdays: [1],
      timeFrom: "10:00",
      timeTo: "10:30",
    });
    // Who asked first ranks first among equal priorities.
    services.clock.advance(1000);
    const second = await addToWaitlist(services, actor, {
      ...base(),
      patientId: patients[2]!,
      earliestDate: "2026-03-09",
      latestDate: "2026-03-09",
      priority: 0,
      timeFrom: "10:00",
      timeTo: "10:30",
    });
    await updatePatient(services, actor, patients[1]!, { email: "first.in.line@mail.example" });
    await cancelAppointment(services, actor, held.id, { reason: "Patient unwell", cancelledBy: "patient" });

    const list = await listWaitlist(services, actor);
    const offerA = list.find((e) => e.id === first.id)!.offers[0]!;
    expect(offerA).toMatchObject({ status: "open", start: held.start, rank: 1 });
    // One offer holds the time (issue 10, item 5): the next in line is asked only on a decline or expiry.
    expect(list.find((e) => e.id === second.id)!.offers).toEqual([]);

    // The patient with an email on file is told in the same transaction; the one without is not.
    const messages = await services.systemDb
      .selectFrom("outbox_messages")
      .selectAll()
      .where("dedupe_key", "like", "waitlist-offer:%")
      .execute();
    expect(messages.map((m) => m.dedupe_key)).toEqual([`waitlist-offer:${offerA.id}:email`]);
    expect(messages[0]).toMatchObject({
      channel: "email",
      recipient: "first.in.line@mail.example",
      sent_at: null,
    });
    expect(messages[0]!.body).toContain("Monday, March 9, 2026 at 10:00 AM CDT");

    const booked = await acceptOffer(services, actor, offerA.id);
    expect(booked).toMatchObject({ patientId: patients[1], start: held.start, status: "booked" });
    await expect(acceptOffer(services, actor, offerA.id)).rejects.toMatchObject({ code: "conflict" });
    const after = await listWaitlist(services, actor, ["waiting", "offered", "booked"]);
    expect(after.find((e) => e.id === first.id)?.status).toBe("booked");
    expect(after.find((e) => e.id === second.id)?.status).toBe("waiting");
  });

  it("expires offers after the practice's offer lifetime", async () => {
    const held = await bookAppointment(services, actor, {
      ...base(),
      patientId: patients[3]!,
      when: { localDate: "2026-03-12", localTime: "08:00" },
    });
    const entry = await addToWaitlist(services, actor, {
      ...base(),
      patientId: patients[4]!,
      earliestDate: "2026-03-12",
      latestDate: "2026-03-12",
    });
    await cancelAppointment(services, actor, held.id, { reason: "Rescheduling elsewhere" });
    const offer = (await listWaitlist(services, actor)).find((e) => e.id === entry.id)!.offers[0]!;
    services.clock.advance(121 * 60_000);
    await expect(acceptOffer(services, actor, offer.id)).rejects.toMatchObject({
      code: "conflict",
      message: "This offer has expired.",
    });
    services.clock.set("2026-03-02T15:00:00.000Z");
  });

  it("keeps new-patient visit types for new patients and established ones for patients seen before", async () => {
    const newType = (
      await createAppointmentType(services, actor, {
        name: "New patient",
        durationMinutes: 30,
        patientKind: "new",
      })
    ).id;
    const estType = (
      await createAppointmentType(services, actor, {
        name: "Established",
        durationMinutes: 30,
        patientKind: "established",
      })
    ).id;
    const fresh = await createPatient(services, actor, {
      givenName: "Noor",
      familyName: "Newcomer",
      dateOfBirth: "1988-08-08",
      sex: "female",
    });
    const at = (localTime: string) => ({ when: { localDate: "2026-03-13", localTime } });
    await expect(
      bookAppointment(services, actor, {
        ...base(),
        appointmentTypeId: estType,
        patientId: fresh.id,
        ...at("08:00"),
      }),
    ).rejects.toMatchObject({
      code: "invalid_request",
      details: [expect.objectContaining({ path: "appointmentTypeId" })],
    });
    const first = await bookAppointment(services, actor, {
      ...base(),
      appointmentTypeId: newType,
      patientId: fresh.id,
      ...at("08:00"),
    });
    for (const status of ["arrived", "fulfilled"] as const)
      await changeAppointmentStatus(services, actor, first.id, status);
    await expect(
      bookAppointment(services, actor, {
        ...base(),
        appointmentTypeId: newType,
        patientId: fresh.id,
        ...at("09:00"),
      }),
    ).rejects.toMatchObject({ code: "invalid_request" });
    const followUp = await bookAppointment(services, actor, {
      ...base(),
      appointmentTypeId: estType,
      patientId: fresh.id,
      ...at("09:00"),
    });
    expect(followUp.status).toBe("booked");
  });
});
