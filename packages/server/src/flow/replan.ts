import { randomUUID } from "node:crypto";
import { DomainError, notFound } from "@salus/core";
import { proposeReplans, type ReplanEvent, type ReplanProposal } from "@salus/core/flow/replan";
import { instantToLocal } from "@salus/core/scheduling/zoned-time";
import { sql } from "kysely";
import { audited } from "../audit/audited.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadAppointment } from "../scheduling/appointment-view.ts";
import { cancelAppointmentIn } from "../scheduling/cancel-appointment.ts";
import { loadVisitFacts } from "../scheduling/reminders.ts";
import { rescheduleIn } from "../scheduling/reschedule-appointment.ts";
import { type DayRow, loadDayRows, toFlowVisit } from "./board.ts";
import {
  bumpDay,
  computeDayVersion,
  dayOfAppointment,
  type LocationDay,
  locationDay,
} from "./day-version.ts";
import { publishDayChanged } from "./flow-events.ts";
import { loadPractitioners } from "./flow-practitioners.ts";
import { upsertFlow } from "./flow-rows.ts";
import { type FlowSettings, loadFlowSettings } from "./flow-settings.ts";
import { loadDurationTable } from "./observed-durations.ts";

const MINUTE = 60_000;
/** At most this many "move" proposals are offered (each one the booking rules would accept). */
const MAX_MOVES = 3;

/** A re-plan proposal as the API shows it (see docs/api.md, "Day-of flow"). */
export interface ProposalView {
  id: string;
  kind: ReplanProposal["kind"];
  title: string;
  explanation: string;
  recommended: boolean;
  /** The ranking score (lower is better) and its four parts, in wait-minutes (docs/guide-flow.md). */
  score: number;
  scoreParts: ReplanProposal["scoreParts"];
  changes: {
    appointmentId: string;
    patientName: string;
    from: { practitionerId: string; expectedStart: string };
    to: { practitionerId: string; expectedStart: string } | null;
  }[];
  /** The new order of the practitioners re-laid out (stored as planned starts on accept). */
  planned: { appointmentId: string; expectedStart: string }[];
  metrics: {
    totalWaitMinutes: number;
    maxWaitMinutes: number;
    overtimeMinutes: number;
    moved: number;
    offered: number;
  };
  notify: {
    appointmentId: string;
    patientName: string;
    reason: "later" | "earlier" | "moved";
    practitionerId: string;
    oldExpectedStart: string;
    newExpectedStart: string;
  }[];
  dayVersion: string;
}

export interface ReplanAnswer {
  dayVersion: string;
  proposals: ProposalView[];
}

/** The core's proposal kind the practice's late-arrival policy prefers. */
const PREFERRED_KIND: Record<FlowSettings["lateAction"], ReplanProposal["kind"]> = {
  "next-gap": "next-gap",
  "earlier-of": "serve-waiting",
  move: "move",
  "offer-new-time": "offer-new-time",
};

const iso = (ms: number) => new Date(ms).toISOString();

function present(
  p: ReplanProposal,
  rows: Map<string, DayRow>,
  dayVersion: string,
  recommended: boolean,
): ProposalView {
  const nameOf = (id: string) => {
    const r = rows.get(id);
    return r ? `${r.family_name}, ${r.given_name}` : "";
  };
  return {
    id: randomUUID(),
    kind: p.kind,
    title: p.title,
    explanation: p.explanation,
    recommended,
    score: p.score,
    scoreParts: p.scoreParts,
    changes: p.changes.map((c) => ({
      appointmentId: c.appointmentId,
      patientName: nameOf(c.appointmentId),
      from: { practitionerId: c.from.practitionerId, expectedStart: iso(c.from.expectedStart) },
      to: c.to ? { practitionerId: c.to.practitionerId, expectedStart: iso(c.to.expectedStart) } : null,
    })),
    planned: p.planned.map((x) => ({ appointmentId: x.appointmentId, expectedStart: iso(x.expectedStart) })),
    metrics: {
      totalWaitMinutes: p.metrics.totalWaitMinutes,
      maxWaitMinutes: p.metrics.maxWaitMinutes,
      overtimeMinutes: p.metrics.overtimeMinutes,
      moved: p.metrics.patientsMoved,
      offered: p.metrics.patientsOffered,
    },
    notify: p.notify.map((n) => ({
      appointmentId: n.appointmentId,
      patientName: nameOf(n.appointmentId),
      reason: n.reason,
      practitionerId: n.practitionerId,
      oldExpectedStart: iso(n.oldExpectedStart),
      newExpectedStart: iso(n.newExpectedStart),
    })),
    dayVersion,
  };
}

/** Runs the core re-plan on the day as stored now and stores its proposals; inside the caller's transaction. */
async function proposeIn(
  trx: Trx,
  services: Services,
  actor: Actor,
  day: LocationDay,
  event: ReplanEvent,
): Promise<ReplanAnswer> {
  const org = actor.organizationId;
  const now = services.clock().getTime();
  const settings = await loadFlowSettings(trx, org);
  const rows = await loadDayRows(trx, org, day);
  const labels: Record<string, string> = {};
  for (const r of rows)
    labels[r.id] =
      `${r.given_name} ${r.family_name.charAt(0)}. (${instantToLocal(Date.parse(r.start_at), day.timeZone).time})`;
  const result = proposeReplans({
    now,
    visits: rows.map(toFlowVisit),
    practitioners: await loadPractitioners(trx, org, day),
    durations: await loadDurationTable(trx, org, now),
    policy: {
      graceMinutes: settings.graceMinutes,
      notifyThresholdMinutes: settings.notifyThresholdMinutes,
      allowMove: true,
      allowOfferNewTime: true,
      overtimeLimitMinutes: settings.overtimeLimitMinutes,
      preferredKind: PREFERRED_KIND[settings.lateAction],
      // More candidates than are shown: a move the booking rules refuse is replaced by the next best.
      maxMoveProposals: MAX_MOVES * 3,
    },
    event,
    zone: day.timeZone,
    visitLabels: labels,
  });
  const dayVersion = await computeDayVersion(trx, org, day);
  // The recommended proposal is the best by the score the dialog shows (the core ranks best first); the
  // practice's preferred action only wins a tie. Recommending the policy's choice whatever its score once
  // put a 28-hour total wait above a 1 h 20 min one (issue 10).
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Only proposals that accepting would apply are offered (tried through the accept path, rolled back):
  // a move the booking rules refuse is dropped, and the next-best of the core's extra moves takes its
  // place. The core ranks best first, so the first one kept is the best offered.
  const proposals: ProposalView[] = [];
  let moves = 0;
  for (const p of result.proposals) {
    if (p.kind === "move" && moves >= MAX_MOVES) continue;
    const view = present(p, byId, dayVersion, proposals.length === 0);
    if (!(await acceptable(trx, services, actor, view))) continue;
    if (p.kind === "move") moves++;
    proposals.push(view);
  }
  const at = services.clock().toISOString();
  for (const p of proposals) {
    await trx
      .insertInto("flow_proposals")
      .values({
        organization_id: org,
        id: p.id,
        location_id: day.locationId,
        date: day.date,
        day_version: dayVersion,
        body: JSON.stringify(p),
        status: "open",
        created_by: actor.label,
        created_at: at,
        accepted_at: null,
        accepted_by: null,
      })
      .execute();
  }
  return { dayVersion, proposals };
}

export interface LateInput {
  appointmentId: string;
  minutesLate?: number | undefined;
  expectedArrival?: string | undefined;
}

/**
 * A patient called to say they are late: records their expected arrival, re-plans the rest of their
 * practitioner's day under the practice's policy and stores the proposals. Audited with the patient.
 */
export async function markLate(services: Services, actor: Actor, input: LateInput): Promise<ReplanAnswer> {
  const out = await audited(
    services,
    actor,
    {
      action: "flow.late",
      resourceType: "Appointment",
      resourceId: input.appointmentId,
      detail: { minutesLate: input.minutesLate ?? null, expectedArrival: input.expectedArrival ?? null },
      fromResult: (r: { patientId: string; answer: ReplanAnswer }) => ({
        patientId: r.patientId,
        detail: { proposals: r.answer.proposals.map((p) => p.kind) },
      }),
    },
    async (trx) => {
      const a = await loadAppointment(trx, actor, input.appointmentId);
      if (a.status !== "booked")
        throw new DomainError(
          "conflict",
          a.status === "arrived" || a.status === "checked-in"
            ? "The patient is already here; they cannot be marked late."
            : `The appointment is ${a.status}; only a booked visit can be marked late.`,
        );
      const expected =
        input.expectedArrival !== undefined
          ? Date.parse(input.expectedArrival)
          : Date.parse(a.start) + (input.minutesLate ?? 0) * MINUTE;
      const day = await dayOfAppointment(trx, actor.organizationId, a);
      // Only "before the day" is refused here: an arrival too late for the day is refused by the re-plan
      // with the day's end, the overtime limit and the most minutes late (a bare "not that day" for 999
      // minutes late told the desk nothing, issue 10).
      if (!(expected >= day.start))
        throw new DomainError("invalid_request", "The expected arrival must be on the day of the visit.", [
          {
            path: input.expectedArrival !== undefined ? "expectedArrival" : "minutesLate",
            message: "is not that day",
          },
        ]);
      await upsertFlow(
        trx,
        actor.organizationId,
        a.id,
        { expected_arrival: iso(expected) },
        services.clock().toISOString(),
      );
      const answer = await proposeIn(trx, services, actor, day, {
        kind: "late",
        appointmentId: a.id,
        expectedArrival: expected,
      }).catch((e: unknown) => {
        // The core names `expectedArrival`; the desk may have typed minutes: point at its field.
        if (e instanceof DomainError && input.expectedArrival === undefined)
          throw new DomainError(
            e.code,
            e.message,
            e.details.map((d) => (d.path === "expectedArrival" ? { ...d, path: "minutesLate" } : d)),
          );
        throw e;
      });
      return { patientId: a.patientId, answer, day };
    },
  );
  publishDayChanged(services, {
    organizationId: actor.organizationId,
    locationId: out.day.locationId,
    date: out.day.date,
    dayVersion: out.answer.dayVersion,
  });
  return out.answer;
}

export interface ReplanInput {
  locationId: string;
  date: string;
  /** A visit running over (with the practitioner now) and, optionally, when the desk expects it to end. */
  overrun?: { appointmentId: string; expectedEnd?: string | undefined } | undefined;
}

/** Re-plans a location-day (a refresh, or a visit running over); stores and answers the proposals. Audited. */
export async function replanDay(services: Services, actor: Actor, input: ReplanInput): Promise<ReplanAnswer> {
  return audited(
    services,
    actor,
    {
      action: "flow.replan",
      resourceType: "Location",
      resourceId: input.locationId,
      detail: { date: input.date, overrun: input.overrun?.appointmentId ?? null },
      fromResult: (r: ReplanAnswer) => ({ detail: { proposals: r.proposals.map((p) => p.kind) } }),
    },
    async (trx) => {
      const day = await locationDay(trx, actor.organizationId, input.locationId, input.date);
      const event: ReplanEvent = input.overrun
        ? {
            kind: "overrun",
            appointmentId: input.overrun.appointmentId,
            expectedEnd: input.overrun.expectedEnd ? Date.parse(input.overrun.expectedEnd) : null,
          }
        : { kind: "refresh" };
      return proposeIn(trx, services, actor, day, event);
    },
  );
}

/** SMS: first name, practitioner, place and times only (no visit type: it can reveal a diagnosis). */
function delayText(
  channel: "email" | "sms",
  facts: NonNullable<Awaited<ReturnType<typeof loadVisitFacts>>>,
  oldStart: string,
  newStart: string,
): { subject: string | null; body: string } {
  const time = (s: string) =>
    new Intl.DateTimeFormat("en-US", {
      timeZone: facts.timeZone,
      hour: "numeric",
      minute: "2-digit",
      timeZoneName: "short",
    }).format(new Date(s));
  if (channel === "sms")
    return {
      subject: null,
      body: `Hi ${facts.patientGivenName}, ${facts.locationName} is running late: your appointment with ${facts.practitionerName} today is now expected at about ${time(newStart)} (was ${time(oldStart)}). Sorry for the wait.`,
    };
  return {
    subject: `Your appointment today is now expected at ${time(newStart)}`,
    body: [
      `Hello ${facts.patientGivenName},`,
      "",
      `The day at ${facts.locationName} is running differently than planned. Your appointment with ${facts.practitionerName}`,
      `today is now expected to start at about ${time(newStart)} instead of ${time(oldStart)}.`,
      "",
      "You can arrive a little later than planned. We are sorry for the wait. If this time does not suit you, please call the practice.",
    ].join("\n"),
  };
}

const wallTime = (timeZone: string, s: string) =>
  new Intl.DateTimeFormat("en-US", {
    timeZone,
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(s));

/** Text for a patient told a later time before, whose visit now runs sooner (a corrected lateness). */
function earlierText(
  channel: "email" | "sms",
  facts: NonNullable<Awaited<ReturnType<typeof loadVisitFacts>>>,
  oldStart: string,
  newStart: string,
): { subject: string | null; body: string } {
  const time = (s: string) => wallTime(facts.timeZone, s);
  const body = `Hi ${facts.patientGivenName}, good news from ${facts.locationName}: your appointment with ${facts.practitionerName} today is now expected at about ${time(newStart)}, earlier than the ${time(oldStart)} we gave you. Please come by ${time(newStart)}.`;
  return channel === "sms"
    ? { subject: null, body }
    : { subject: `Your appointment today is now expected at ${time(newStart)}`, body };
}

/** Text for a patient whose visit moves to another practitioner (facts name the new one). */
function movedText(
  channel: "email" | "sms",
  facts: NonNullable<Awaited<ReturnType<typeof loadVisitFacts>>>,
  newStart: string,
): { subject: string | null; body: string } {
  const time = (s: string) => wallTime(facts.timeZone, s);
  const body = `Hi ${facts.patientGivenName}, ${facts.locationName} has changed your appointment today: you will be seen by ${facts.practitionerName} at about ${time(newStart)}.`;
  return channel === "sms"
    ? { subject: null, body }
    : { subject: `Your appointment today: now with ${facts.practitionerName}`, body };
}

/** Text for a patient whose visit was taken out of today. */
function newTimeText(
  channel: "email" | "sms",
  facts: NonNullable<Awaited<ReturnType<typeof loadVisitFacts>>>,
) {
  const body = `Hi ${facts.patientGivenName}, ${facts.locationName} cannot see you today as planned with ${facts.practitionerName}. Please call us to choose a new time; we will also try to reach you.`;
  return channel === "sms"
    ? { subject: null, body }
    : { subject: "Your appointment today: please choose a new time", body };
}

async function enqueue(
  trx: Trx,
  services: Services,
  organizationId: string,
  appointmentId: string,
  dedupeKey: string,
  text: (
    channel: "email" | "sms",
    facts: NonNullable<Awaited<ReturnType<typeof loadVisitFacts>>>,
  ) => {
    subject: string | null;
    body: string;
  },
): Promise<boolean> {
  const facts = await loadVisitFacts(trx, organizationId, appointmentId);
  if (!facts) return false;
  const channel = facts.patientEmail ? "email" : facts.patientPhone ? "sms" : null;
  const recipient = facts.patientEmail ?? facts.patientPhone;
  if (!channel || !recipient) return false;
  const t = text(channel, facts);
  const now = services.clock().toISOString();
  const r = await trx
    .insertInto("outbox_messages")
    .values({
      organization_id: organizationId,
      id: randomUUID(),
      dedupe_key: dedupeKey,
      channel,
      recipient,
      subject: t.subject,
      body: t.body,
      appointment_id: appointmentId,
      available_at: now,
      attempts: 0,
      lease_until: null,
      last_error: null,
      sent_at: null,
      cancelled_at: null,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(["organization_id", "dedupe_key"]).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * Writes a proposal's changes to the schedule, the way accepting it does: visits offered a new time are
 * cancelled (and the patient told), visits moved to another practitioner are rescheduled through the
 * booking rules. Throws the booking rules' refusal. Answers the patients whose visits changed.
 */
async function applyChanges(
  trx: Trx,
  services: Services,
  actor: Actor,
  changes: ProposalView["changes"],
  proposalId: string,
): Promise<Set<string>> {
  const org = actor.organizationId;
  const at = services.clock().toISOString();
  const patients = new Set<string>();
  for (const c of changes) {
    const a = await loadAppointment(trx, actor, c.appointmentId);
    patients.add(a.patientId);
    if (c.to === null) {
      await cancelAppointmentIn(trx, services, actor, a.id, {
        reason: "Offered a new time (the day was re-planned).",
        cancelledBy: "practice",
      });
      await enqueue(trx, services, org, a.id, `flow-newtime:${a.id}:${proposalId}`, newTimeText);
      continue;
    }
    if (c.to.practitionerId !== a.practitionerId) {
      // Whole minutes, never in the past: the booking rules refuse a start before now.
      const start = Math.max(
        Math.ceil(Date.parse(c.to.expectedStart) / MINUTE) * MINUTE,
        Math.ceil(services.clock().getTime() / MINUTE) * MINUTE,
      );
      // No explicit end and no room: the type's length, and the first free room and equipment are
      // chosen by the booking rules, as when the desk books (an explicit end would skip that choice).
      await rescheduleIn(trx, services, actor, a.id, {
        when: { start: iso(start) },
        practitionerId: c.to.practitionerId,
      });
      await upsertFlow(trx, org, a.id, { planned_start: null }, at);
    }
  }
  return patients;
}

/**
 * Whether accepting a proposal now would pass the booking rules: a proposal that moves a visit to another
 * practitioner is applied (`applyChanges`, the accept path itself) inside a savepoint that is always rolled
 * back. The re-plan only knows the practitioners' hours here; the booking rules also see their visits at
 * other locations, rooms, equipment, waitlist holds and the patient's other visits (a recommended move
 * once answered 409 "already has a visit then" on accept). Nothing of the trial is kept.
 */
async function acceptable(trx: Trx, services: Services, actor: Actor, p: ProposalView): Promise<boolean> {
  if (!p.changes.some((c) => c.to !== null && c.to.practitionerId !== c.from.practitionerId)) return true;
  await sql`savepoint flow_replan_trial`.execute(trx);
  try {
    await applyChanges(trx, services, actor, p.changes, `trial:${p.id}`);
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  } finally {
    await sql`rollback to savepoint flow_replan_trial`.execute(trx);
    await sql`release savepoint flow_replan_trial`.execute(trx);
  }
}

/**
 * Accepts a stored proposal in one transaction: refuses (409, nothing written) if the day changed since
 * it was made; moves visits to another practitioner through the scheduling slice's reschedule (so the
 * booking rules and the no-double-booking guarantee apply), cancels visits offered a new time, records the
 * accepted expected starts, and enqueues in the outbox a message to every later patient whose expected
 * start moves past the practice's threshold. Audited.
 */
export async function acceptProposal(
  services: Services,
  actor: Actor,
  proposalId: string,
): Promise<{ applied: true; dayVersion: string }> {
  const out = await audited(
    services,
    actor,
    {
      action: "flow.proposal.accept",
      resourceType: "FlowProposal",
      resourceId: proposalId,
      fromResult: (r: { patients: string[] }) => ({ detail: { patientIds: r.patients } }),
    },
    async (trx) => {
      const org = actor.organizationId;
      const row = await trx
        .selectFrom("flow_proposals")
        .selectAll()
        .where("organization_id", "=", org)
        .where("id", "=", proposalId)
        .executeTakeFirst();
      if (!row) throw notFound("proposal");
      if (row.status !== "open")
        throw new DomainError("conflict", "This proposal was already accepted; review the board.");
      const day = await locationDay(trx, org, row.location_id, row.date);
      const current = await computeDayVersion(trx, org, day);
      if (current !== row.day_version)
        throw new DomainError(
          "conflict",
          "The day changed since this proposal was made; review the new proposals.",
          [{ path: "dayVersion", message: `is ${current} now` }],
        );
      const p = JSON.parse(row.body) as ProposalView;
      const at = services.clock().toISOString();
      const patients = await applyChanges(trx, services, actor, p.changes, proposalId);
      // The new order of every practitioner the proposal re-laid out, so the board projects the day as
      // the proposal showed it (a visit whose time did not change keeps its new place too).
      for (const x of p.planned ?? []) {
        await upsertFlow(trx, org, x.appointmentId, { planned_start: x.expectedStart }, at);
      }
      for (const n of p.notify) {
        const a = await loadAppointment(trx, actor, n.appointmentId);
        patients.add(a.patientId);
        if (p.changes.some((c) => c.appointmentId === a.id && c.to === null)) continue;
        // Older stored proposals have no reason: they only ever told patients of a later time.
        const reason = n.reason ?? "later";
        await enqueue(trx, services, org, a.id, `flow-${reason}:${a.id}:${proposalId}`, (channel, facts) =>
          reason === "moved"
            ? movedText(channel, facts, n.newExpectedStart)
            : reason === "earlier"
              ? earlierText(channel, facts, n.oldExpectedStart, n.newExpectedStart)
              : delayText(channel, facts, n.oldExpectedStart, n.newExpectedStart),
        );
        await upsertFlow(trx, org, a.id, { notified_start: n.newExpectedStart }, at);
      }
      await trx
        .updateTable("flow_proposals")
        .set({ status: "accepted", accepted_at: at, accepted_by: actor.label })
        .where("organization_id", "=", org)
        .where("id", "=", proposalId)
        .execute();
      await bumpDay(trx, org, day, at);
      return { day, dayVersion: await computeDayVersion(trx, org, day), patients: [...patients] };
    },
  );
  publishDayChanged(services, {
    organizationId: actor.organizationId,
    locationId: out.day.locationId,
    date: out.day.date,
    dayVersion: out.dayVersion,
  });
  return { applied: true, dayVersion: out.dayVersion };
}
