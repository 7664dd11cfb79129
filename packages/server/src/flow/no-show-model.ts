import { randomUUID } from "node:crypto";
import { DomainError } from "@salus/core";
import {
  calibration,
  type NoShowAppointment,
  type NoShowExample,
  type NoShowModel,
  predictNoShow,
  splitByTime,
  trainNoShowModel,
} from "@salus/core/flow/no-show-risk";
import { instantToLocal } from "@salus/core/scheduling/zoned-time";
import { audited } from "../audit/audited.ts";
import { organizationDb } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadVisitFacts, reminderLink, reminderShortLink, reminderSmsText } from "../scheduling/reminders.ts";

const DAY = 86_400_000;
/** History the model learns from. */
export const TRAINING_WINDOW_DAYS = 730;
/** Upcoming appointments given a stored risk. */
export const PREDICTION_HORIZON_DAYS = 30;
/** A visit at or above this probability counts as risky: an extra reminder is sent. */
export const RISK_THRESHOLD = 0.2;
/** The extra reminder goes out this long before a risky visit (or at once if that has passed). */
const EXTRA_REMINDER_HOURS = 48;
/** Fewer past visits than this: no model (too little to learn from). */
export const MIN_EXAMPLES = 50;

export interface NoShowModelView {
  trainedAt: string | null;
  examples: number;
  brier: number | null;
  baselineBrier: number | null;
  reliability: { decile: number; meanPredicted: number; observedRate: number; n: number }[];
  weights: { feature: string; weight: number }[];
}

interface PastRow {
  id: string;
  patient_id: string;
  appointment_type_id: string;
  start_at: string;
  created_at: string;
  status: string;
  date_of_birth: string;
  time_zone: string;
}

async function loadPast(trx: Trx, org: string, from: number, to: number): Promise<PastRow[]> {
  return trx
    .selectFrom("appointments as a")
    .innerJoin("patients as p", (j) =>
      j.onRef("p.organization_id", "=", "a.organization_id").onRef("p.id", "=", "a.patient_id"),
    )
    .innerJoin("locations as l", (j) =>
      j.onRef("l.organization_id", "=", "a.organization_id").onRef("l.id", "=", "a.location_id"),
    )
    .select([
      "a.id",
      "a.patient_id",
      "a.appointment_type_id",
      "a.start_at",
      "a.created_at",
      "a.status",
      "p.date_of_birth",
      "l.time_zone",
    ])
    .where("a.organization_id", "=", org)
    .where("a.status", "in", ["fulfilled", "noshow"])
    .where("a.start_at", ">=", new Date(from).toISOString())
    .where("a.start_at", "<", new Date(to).toISOString())
    .orderBy("a.start_at")
    .orderBy("a.id")
    .execute();
}

const localDates = new Map<string, string>();
/**
 * The local date of an instant, memoised per zone and hour (zone offsets only change on the hour in the
 * zones a practice uses), so walking thousands of past visits does not format each one.
 */
function localDate(instant: number, zone: string): string {
  const key = `${zone}|${Math.floor(instant / 3_600_000)}`;
  let date = localDates.get(key);
  if (!date) {
    date = instantToLocal(instant, zone).date;
    if (localDates.size > 100_000) localDates.clear();
    localDates.set(key, date);
  }
  return date;
}

interface PatientHistory {
  visits: number;
  noShows: number;
  lastVisitDate: string | null;
}

/** Past outcomes as examples, each with what was known about the patient before it (walked in time order). */
function toExamples(rows: readonly PastRow[]): {
  examples: NoShowExample[];
  history: Map<string, PatientHistory>;
} {
  const history = new Map<string, PatientHistory>();
  const examples: NoShowExample[] = [];
  for (const r of rows) {
    const h = history.get(r.patient_id) ?? { visits: 0, noShows: 0, lastVisitDate: null };
    const start = Date.parse(r.start_at);
    examples.push({
      appointmentTypeId: r.appointment_type_id,
      start,
      bookedAt: Math.min(start, Date.parse(r.created_at)),
      zone: r.time_zone,
      birthDate: r.date_of_birth,
      history: { priorVisits: h.visits, priorNoShows: h.noShows, lastVisitDate: h.lastVisitDate },
      noShow: r.status === "noshow",
    });
    if (r.status === "noshow") h.noShows++;
    else {
      h.visits++;
      h.lastVisitDate = localDate(start, r.time_zone);
    }
    history.set(r.patient_id, h);
  }
  return { examples, history };
}

/**
 * Trains the organization's no-show model from its own history (the last TRAINING_WINDOW_DAYS of
 * fulfilled and no-show visits). Evaluation is by time, as the model will be used: it is fitted on the
 * older three quarters and its Brier score and reliability are measured on the newest quarter; the model
 * stored for predictions is then refitted on all of it. Refreshes the stored risks of upcoming visits.
 * Audited (it reads every patient's attendance, though it returns none of it).
 */
export async function trainModel(services: Services, actor: Actor): Promise<NoShowModelView> {
  const result = await audited(
    services,
    actor,
    {
      action: "flow.no-show-model.train",
      resourceType: "NoShowModel",
      fromResult: (r: { view: NoShowModelView; id: string; predicted: number }) => ({
        resourceId: r.id,
        detail: { examples: r.view.examples, brier: r.view.brier, predicted: r.predicted },
      }),
    },
    async (trx) => {
      const org = actor.organizationId;
      const now = services.clock().getTime();
      const rows = await loadPast(trx, org, now - TRAINING_WINDOW_DAYS * DAY, now);
      const { examples } = toExamples(rows);
      if (
        examples.length < MIN_EXAMPLES ||
        !examples.some((e) => e.noShow) ||
        examples.every((e) => e.noShow)
      )
        throw new DomainError(
          "conflict",
          `Not enough history to learn from yet: ${examples.length} past visits (at least ${MIN_EXAMPLES}, with both attended visits and no-shows).`,
        );
      const { train, test } = splitByTime(examples, 0.25);
      const evaluated = trainNoShowModel(train);
      const cal = calibration(
        test.map((e) => predictNoShow(evaluated, e).probability),
        test.map((e) => e.noShow),
        { baseRate: evaluated.baseRate },
      );
      const model = trainNoShowModel(examples);
      const id = randomUUID();
      const at = new Date(now).toISOString();
      const view: NoShowModelView = {
        trainedAt: at,
        examples: examples.length,
        brier: cal.brier,
        baselineBrier: cal.baselineBrier,
        reliability: cal.reliability,
        weights: model.featureNames.map((feature, j) => ({ feature, weight: model.weights[j]! })),
      };
      await trx
        .insertInto("no_show_models")
        .values({
          organization_id: org,
          id,
          trained_at: at,
          examples: examples.length,
          brier: cal.brier,
          baseline_brier: cal.baselineBrier,
          model: JSON.stringify(model),
          reliability: JSON.stringify({
            reliability: cal.reliability,
            testExamples: cal.n,
            trainExamples: train.length,
          }),
        })
        .execute();
      const predicted = await refreshRisksIn(trx, services, actor, { id, model });
      return { view, id, predicted };
    },
  );
  return result.view;
}

async function latestModel(trx: Trx, org: string) {
  return trx
    .selectFrom("no_show_models")
    .selectAll()
    .where("organization_id", "=", org)
    .orderBy("trained_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** The latest model's calibration and weights (no patient data). */
export async function getModelReport(services: Services, actor: Actor): Promise<NoShowModelView> {
  const row = await latestModel(organizationDb(services.db, actor.organizationId), actor.organizationId);
  // No model yet (a new practice): an empty report, which the page shows as "not trained yet".
  if (!row)
    return { trainedAt: null, examples: 0, brier: null, baselineBrier: null, reliability: [], weights: [] };
  const model = JSON.parse(row.model) as NoShowModel;
  const rel = JSON.parse(row.reliability) as { reliability: NoShowModelView["reliability"] };
  return {
    trainedAt: row.trained_at,
    examples: Number(row.examples),
    brier: Number(row.brier),
    baselineBrier: Number(row.baseline_brier),
    reliability: rel.reliability,
    weights: model.featureNames.map((feature, j) => ({ feature, weight: model.weights[j]! })),
  };
}

/**
 * Scores the booked visits of the next PREDICTION_HORIZON_DAYS with the model and stores each risk with
 * its reasons (`appointment_risks`); a risky visit (≥ RISK_THRESHOLD) gets one extra reminder in the
 * outbox, once per appointment version. Inside the caller's transaction; answers how many were scored.
 */
export async function refreshRisksIn(
  trx: Trx,
  services: Services,
  actor: Actor,
  stored?: { id: string; model: NoShowModel },
): Promise<number> {
  const org = actor.organizationId;
  let current = stored;
  if (!current) {
    const row = await latestModel(trx, org);
    if (!row) return 0;
    current = { id: row.id, model: JSON.parse(row.model) as NoShowModel };
  }
  const now = services.clock().getTime();
  const upcoming = await trx
    .selectFrom("appointments as a")
    .innerJoin("patients as p", (j) =>
      j.onRef("p.organization_id", "=", "a.organization_id").onRef("p.id", "=", "a.patient_id"),
    )
    .innerJoin("locations as l", (j) =>
      j.onRef("l.organization_id", "=", "a.organization_id").onRef("l.id", "=", "a.location_id"),
    )
    .select([
      "a.id",
      "a.version",
      "a.patient_id",
      "a.appointment_type_id",
      "a.start_at",
      "a.created_at",
      "p.date_of_birth",
      "l.time_zone",
    ])
    .where("a.organization_id", "=", org)
    .where("a.status", "=", "booked")
    .where("a.start_at", ">=", new Date(now - DAY).toISOString())
    .where("a.start_at", "<", new Date(now + PREDICTION_HORIZON_DAYS * DAY).toISOString())
    .execute();
  if (!upcoming.length) return 0;
  const patientIds = [...new Set(upcoming.map((u) => u.patient_id))];
  const history = new Map<string, PatientHistory>();
  for (let i = 0; i < patientIds.length; i += 400) {
    const past = await trx
      .selectFrom("appointments as a")
      .innerJoin("locations as l", (j) =>
        j.onRef("l.organization_id", "=", "a.organization_id").onRef("l.id", "=", "a.location_id"),
      )
      .select(["a.patient_id", "a.status", "a.start_at", "l.time_zone"])
      .where("a.organization_id", "=", org)
      .where("a.patient_id", "in", patientIds.slice(i, i + 400))
      .where("a.status", "in", ["fulfilled", "noshow"])
      .where("a.start_at", "<", new Date(now).toISOString())
      .orderBy("a.start_at")
      .execute();
    for (const p of past) {
      const h = history.get(p.patient_id) ?? { visits: 0, noShows: 0, lastVisitDate: null };
      if (p.status === "noshow") h.noShows++;
      else {
        h.visits++;
        h.lastVisitDate = localDate(Date.parse(p.start_at), p.time_zone);
      }
      history.set(p.patient_id, h);
    }
  }
  const at = new Date(now).toISOString();
  const risks: {
    organization_id: string;
    appointment_id: string;
    model_id: string;
    probability: number;
    reasons: string;
    computed_at: string;
  }[] = [];
  const risky: typeof upcoming = [];
  for (const u of upcoming) {
    const h = history.get(u.patient_id) ?? { visits: 0, noShows: 0, lastVisitDate: null };
    const start = Date.parse(u.start_at);
    const appointment: NoShowAppointment = {
      appointmentTypeId: u.appointment_type_id,
      start,
      bookedAt: Math.min(start, Date.parse(u.created_at)),
      zone: u.time_zone,
      birthDate: u.date_of_birth,
      history: { priorVisits: h.visits, priorNoShows: h.noShows, lastVisitDate: h.lastVisitDate },
    };
    const p = predictNoShow(current.model, appointment);
    risks.push({
      organization_id: org,
      appointment_id: u.id,
      model_id: current.id,
      probability: p.probability,
      reasons: JSON.stringify(p.reasons.map((r) => r.text)),
      computed_at: at,
    });
    if (p.probability >= RISK_THRESHOLD && start > now) risky.push(u);
  }
  // Written in chunks (one statement per 200 visits, not one per visit: the hourly refresh stays cheap).
  for (let i = 0; i < risks.length; i += 200)
    await trx
      .insertInto("appointment_risks")
      .values(risks.slice(i, i + 200))
      .onConflict((oc) =>
        oc.columns(["organization_id", "appointment_id"]).doUpdateSet((eb) => ({
          model_id: eb.ref("excluded.model_id"),
          probability: eb.ref("excluded.probability"),
          reasons: eb.ref("excluded.reasons"),
          computed_at: eb.ref("excluded.computed_at"),
        })),
      )
      .execute();
  for (const u of risky) await enqueueExtraReminder(trx, services, org, u, now);
  return upcoming.length;
}

async function enqueueExtraReminder(
  trx: Trx,
  services: Services,
  org: string,
  a: { id: string; version: number; start_at: string },
  now: number,
): Promise<void> {
  const facts = await loadVisitFacts(trx, org, a.id);
  if (!facts) return;
  const channel = facts.patientEmail ? "email" : facts.patientPhone ? "sms" : null;
  const recipient = facts.patientEmail ?? facts.patientPhone;
  if (!channel || !recipient) return;
  const view = { id: a.id, version: a.version, start: a.start_at };
  const confirm = reminderLink(services, view, "confirm");
  const cancel = reminderLink(services, view, "cancel");
  const when = new Intl.DateTimeFormat("en-US", {
    timeZone: facts.timeZone,
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(a.start_at));
  // SMS: no visit type (it can reveal a diagnosis); email the same, kept short.
  // An SMS fits one GSM-7 segment with a short link to the confirm page (issue 10, item 5).
  const body =
    channel === "sms"
      ? reminderSmsText(facts, a.start_at, await reminderShortLink(trx, services, org, view))
      : `Hi ${facts.patientGivenName}, we are looking forward to seeing you with ${facts.practitionerName} at ${facts.locationName}, ${when}. Please confirm: ${confirm} If you cannot come, cancel here so someone else can have the time: ${cancel}`;
  const sendAt = Math.max(now, Date.parse(a.start_at) - EXTRA_REMINDER_HOURS * 3_600_000);
  await trx
    .insertInto("outbox_messages")
    .values({
      organization_id: org,
      id: randomUUID(),
      // The scheduling slice's reminder sync cancels `reminder:` keys of older versions; this key follows
      // the same pattern so a moved or cancelled visit's extra reminder is cancelled with the others.
      dedupe_key: `reminder:${a.id}:v${a.version}:risk:${channel}`,
      channel,
      recipient,
      subject: channel === "email" ? `Please confirm your appointment: ${when}` : null,
      body,
      appointment_id: a.id,
      available_at: new Date(sendAt).toISOString(),
      attempts: 0,
      lease_until: null,
      last_error: null,
      sent_at: null,
      cancelled_at: null,
      created_at: new Date(now).toISOString(),
    })
    .onConflict((oc) => oc.columns(["organization_id", "dedupe_key"]).doNothing())
    .execute();
}

/** Refreshes the stored risks of upcoming visits with the latest model (the hourly job). Audited. */
export async function refreshRisks(services: Services, actor: Actor): Promise<number> {
  return audited(
    services,
    actor,
    {
      action: "flow.no-show-risk.refresh",
      resourceType: "NoShowModel",
      fromResult: (n: number) => ({ detail: { predicted: n } }),
    },
    (trx) => refreshRisksIn(trx, services, actor),
  );
}

/** When the organization's latest model was trained (null: never). */
export async function lastTrainedAt(services: Services, organizationId: string): Promise<string | null> {
  return (await latestModel(organizationDb(services.db, organizationId), organizationId))?.trained_at ?? null;
}
