import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Database, PatientUpdate } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { refreshSearchTerms } from "../directory/patient-search-terms.ts";
import type { Services } from "../platform/services.ts";

/**
 * Demo data for the records slice; runs after seedScheduling (so visits exist) and before the clinical
 * and privacy seeds. It makes the access rules visible in the demo practice:
 * - clinician@ is Dr. Elena Ramirez and clinician2@ is Dr. Samuel Okoye (their staff records are linked
 *   to the user accounts); every patient has a primary practitioner and sees only them, so each
 *   clinician has their own panel of patients and cannot open the others';
 * - most patients have insurance (some a secondary plan), consents on file, a guarantor for minors,
 *   a few front-desk notes and preferred names;
 * - Dr. Ramirez added Dr. Okoye to one patient's care team, and Dr. Okoye used break-glass on another of
 *   Dr. Ramirez's patients yesterday: it waits in the privacy officer's review queue.
 */
const PAYERS = [
  ["Blue Cross Blue Shield of Illinois", "00621", "PPO Gold"],
  ["Aetna", "60054", "Choice POS II"],
  ["UnitedHealthcare", "87726", "Choice Plus"],
  ["Cigna", "62308", "Open Access Plus"],
  ["Humana", "61101", "Gold Plus HMO"],
] as const;
const MEDICARE = ["Medicare Part B", "00952", null] as const;
const MEDICAID = ["Illinois Medicaid", "IL-MCD", "HealthChoice Illinois"] as const;
const SUPPLEMENT = ["AARP Medicare Supplement", "36273", "Plan G"] as const;

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function yearsBetween(dob: string, today: string): number {
  const [y, m, d] = dob.split("-").map(Number) as [number, number, number];
  const [ty, tm, td] = today.split("-").map(Number) as [number, number, number];
  return ty - y - (tm < m || (tm === m && td < d) ? 1 : 0);
}

export async function seedRecords(services: Services, organizationId: string): Promise<void> {
  const rand = prng(20261205);
  const db = services.systemDb;
  const org = organizationId;
  const now = services.clock();
  const at = now.toISOString();
  const today = at.slice(0, 10);

  const users = await db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id", "users.email", "memberships.role"])
    .where("memberships.organization_id", "=", org)
    .execute();
  const clinicianA = users.find((u) => u.role === "clinician" && u.email.startsWith("clinician@"));
  const clinicianB = users.find((u) => u.role === "clinician" && u.email.startsWith("clinician2@"));
  const frontDesk = users.find((u) => u.role === "front-desk");
  const staff = await db
    .selectFrom("staff_members")
    .select(["id", "family_name"])
    .where("organization_id", "=", org)
    .where("kind", "=", "practitioner")
    .where("active", "=", 1)
    .orderBy("family_name")
    .execute();
  const staffOf = (family: string) => staff.find((s) => s.family_name === family)?.id ?? null;
  const ramirez = staffOf("Ramirez") ?? staff[0]?.id ?? null;
  const okoye = staffOf("Okoye") ?? staff[1]?.id ?? null;
  const patients = await db
    .selectFrom("patients")
    .select(["id", "given_name", "family_name", "date_of_birth"])
    .where("organization_id", "=", org)
    .orderBy("mrn")
    .execute();
  if (patients.length === 0 || staff.length === 0) return;

  // Panels: every patient has a primary practitioner (in turn over the active practitioners), and the
  // scheduling seed's visits are given to patients of the visit's practitioner (the same stand-in for a
  // given practitioner and patient, so series stay one person's). Times, rooms and statuses are
  // unchanged; only who the visit is for moves, so each clinician treats their own panel.
  const primaryOf = new Map<string, string>();
  const panel = new Map<string, string[]>();
  for (const [i, p] of patients.entries()) {
    const s = staff[i % staff.length]!.id;
    primaryOf.set(p.id, s);
    panel.set(s, [...(panel.get(s) ?? []), p.id]);
  }
  const indexOf = new Map(patients.map((p, i) => [p.id, i]));
  const visits = await db
    .selectFrom("appointments")
    .select(["id", "patient_id", "practitioner_id", "status", "start_at", "end_at"])
    .where("organization_id", "=", org)
    .execute();
  // A patient is never in two places at once (issue 10, item 3; a constraint on PostgreSQL): a stand-in
  // who already has an active visit overlapping this one gives way to the next patient of the panel.
  const active = (status: string) => !["cancelled", "noshow", "entered-in-error"].includes(status);
  const busy = new Map<string, { start: string; end: string }[]>();
  const take = (patientId: string, v: { start_at: string; end_at: string }) =>
    busy.set(patientId, [...(busy.get(patientId) ?? []), { start: v.start_at, end: v.end_at }]);
  const free = (patientId: string, v: { start_at: string; end_at: string }) =>
    !(busy.get(patientId) ?? []).some(
      (b) => Date.parse(b.start) < Date.parse(v.end_at) && Date.parse(v.start_at) < Date.parse(b.end),
    );
  const movable = (v: (typeof visits)[number]) =>
    panel.has(v.practitioner_id) && primaryOf.get(v.patient_id) !== v.practitioner_id;
  for (const v of visits) if (!movable(v) && active(v.status)) take(v.patient_id, v);
  const moves: { id: string; patientId: string }[] = [];
  for (const v of visits) {
    if (!movable(v)) continue;
    const own = panel.get(v.practitioner_id)!;
    const first = (indexOf.get(v.patient_id) ?? 0) % own.length;
    let standIn = own[first]!;
    if (active(v.status))
      for (let k = 0; k < own.length; k++) {
        const candidate = own[(first + k) % own.length]!;
        if (free(candidate, v)) {
          standIn = candidate;
          break;
        }
      }
    if (active(v.status)) take(standIn, v);
    moves.push({ id: v.id, patientId: standIn });
    v.patient_id = standIn;
  }

  const coverages: Database["coverages"][] = [];
  const consents: Database["patient_consents"][] = [];
  const coverage = (
    patientId: string,
    priority: number,
    payer: readonly [string, string, string | null],
    from: string,
    extra: Partial<Database["coverages"]> = {},
  ) => {
    coverages.push({
      organization_id: org,
      id: randomUUID(),
      patient_id: patientId,
      priority,
      payer_name: payer[0],
      payer_id: payer[1],
      plan_name: payer[2],
      member_id: `${payer[0].slice(0, 3).toUpperCase()}${String(Math.floor(rand() * 1e9)).padStart(9, "0")}`,
      group_id: payer === MEDICARE || payer === MEDICAID ? null : `GRP-${1000 + Math.floor(rand() * 9000)}`,
      subscriber_relationship: "self",
      subscriber_given_name: null,
      subscriber_family_name: null,
      subscriber_date_of_birth: null,
      payer_ref: null,
      subscriber_sex: null,
      subscriber_address_line1: null,
      subscriber_city: null,
      subscriber_state: null,
      subscriber_postal_code: null,
      effective_from: from,
      effective_to: null,
      status: "active",
      created_at: at,
      updated_at: at,
      ...extra,
    });
  };
  const NOTES = [
    "Prefers morning appointments; works nights.",
    "Hard of hearing: please speak clearly and face the patient.",
    "Balance of $40 from last visit; remind at check-in.",
    "Bring insurance card next visit: member ID changed.",
    "Uses a wheelchair: book the ground-floor room.",
  ];
  const updates: { id: string; set: PatientUpdate }[] = [];
  for (const [i, p] of patients.entries()) {
    const age = yearsBetween(p.date_of_birth, today);
    const set: PatientUpdate = { primary_practitioner_id: primaryOf.get(p.id)! };
    if (age < 18) {
      set.guarantor_relationship = "parent";
      set.guarantor_given_name = rand() < 0.5 ? "Maria" : "James";
      set.guarantor_family_name = p.family_name;
      set.guarantor_phone = `217-555-${String(3000 + i).padStart(4, "0")}`;
    } else {
      set.guarantor_relationship = "self";
    }
    if (i % 23 === 3) set.front_desk_note = NOTES[((i / 23) % NOTES.length) | 0]!;
    if (i % 31 === 5) {
      set.preferred_name = p.given_name.slice(0, 3);
      set.pronouns = i % 2 ? "they/them" : "she/her";
    }
    if (i % 37 === 11) {
      set.language = "es";
      set.interpreter_needed = 1;
    }
    set.contact_method = i % 3 === 0 ? "sms" : i % 3 === 1 ? "phone" : "email";
    set.may_leave_message = i % 5 === 0 ? 0 : 1;
    set.may_text = i % 3 === 0 ? 1 : 0;
    updates.push({ id: p.id, set });

    // Coverage for most patients: Medicare (often with a supplement) from 65, Medicaid for some,
    // commercial plans otherwise, children on a parent's plan.
    if (rand() < 0.88) {
      const from = `${Math.min(Number(today.slice(0, 4)), 2020 + Math.floor(rand() * 6))}-01-01`;
      if (age >= 65) {
        coverage(p.id, 1, MEDICARE, from);
        if (rand() < 0.6) coverage(p.id, 2, SUPPLEMENT, from);
      } else if (rand() < 0.15) {
        coverage(p.id, 1, MEDICAID, from);
      } else {
        const payer = PAYERS[Math.floor(rand() * PAYERS.length)]!;
        coverage(
          p.id,
          1,
          payer,
          from,
          age < 18
            ? {
                subscriber_relationship: "child",
                subscriber_given_name: set.guarantor_given_name ?? "Maria",
                subscriber_family_name: p.family_name,
              }
            : {},
        );
      }
    }
    consents.push({
      organization_id: org,
      id: randomUUID(),
      patient_id: p.id,
      kind: "privacy-notice",
      status: "active",
      effective_from: "2025-01-06",
      effective_to: null,
      note: null,
      recorded_by: frontDesk?.id ?? null,
      created_at: at,
      updated_at: at,
    });
    if (i % 17 === 4) {
      consents.push({
        organization_id: org,
        id: randomUUID(),
        patient_id: p.id,
        kind: i % 2 ? "confidential-communication" : "restriction",
        status: "active",
        effective_from: "2026-01-15",
        effective_to: null,
        note:
          i % 2
            ? "Send letters to the work address; do not call the home number."
            : "Do not share visit details with the health plan (paid out of pocket).",
        recorded_by: frontDesk?.id ?? null,
        created_at: at,
        updated_at: at,
      });
    }
  }

  await inTransaction(
    services.db,
    async (trx) => {
      if (clinicianA && ramirez) {
        await trx
          .updateTable("staff_members")
          .set({ user_id: clinicianA.id })
          .where("organization_id", "=", org)
          .where("id", "=", ramirez)
          .execute();
      }
      if (clinicianB && okoye) {
        await trx
          .updateTable("staff_members")
          .set({ user_id: clinicianB.id })
          .where("organization_id", "=", org)
          .where("id", "=", okoye)
          .execute();
      }
      // Moves pass through intermediate states (a visit moved onto a patient before theirs moves away):
      // the patient-overlap constraint is checked at commit instead (migration 0013).
      if (services.db.dialect === "postgres")
        await sql`set constraints appointments_patient_no_overlap deferred`.execute(trx);
      for (const m of moves) {
        await trx
          .updateTable("appointments")
          .set({ patient_id: m.patientId })
          .where("organization_id", "=", org)
          .where("id", "=", m.id)
          .execute();
      }
      for (const u of updates) {
        await trx
          .updateTable("patients")
          .set(u.set)
          .where("organization_id", "=", org)
          .where("id", "=", u.id)
          .execute();
      }
      // Some demo patients got a preferred name just now: their search terms follow.
      await refreshSearchTerms(
        trx,
        org,
        updates.filter((u) => u.set.preferred_name !== undefined).map((u) => u.id),
      );
      for (let i = 0; i < coverages.length; i += 200) {
        await trx
          .insertInto("coverages")
          .values(coverages.slice(i, i + 200))
          .execute();
      }
      for (let i = 0; i < consents.length; i += 200) {
        await trx
          .insertInto("patient_consents")
          .values(consents.slice(i, i + 200))
          .execute();
      }
      // Dr. Ramirez's patients that Dr. Okoye has no visit with: one shared through the care team, one
      // opened by Dr. Okoye with break-glass yesterday (pending review).
      const okoyeSees = new Set(
        visits
          .filter(
            (v) => v.practitioner_id === okoye && v.status !== "cancelled" && v.status !== "entered-in-error",
          )
          .map((v) => v.patient_id),
      );
      const onlyRamirez = patients.filter((p) => primaryOf.get(p.id) === ramirez && !okoyeSees.has(p.id));
      if (clinicianA && clinicianB && onlyRamirez.length >= 2) {
        await trx
          .insertInto("care_team_grants")
          .values({
            organization_id: org,
            id: randomUUID(),
            patient_id: onlyRamirez[0]!.id,
            user_id: clinicianB.id,
            granted_by: clinicianA.id,
            reason: "Covering Dr. Ramirez's diabetic follow-ups during her leave",
            created_at: at,
            expires_at: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
            revoked_at: null,
            revoked_by: null,
          })
          .execute();
        const opened = new Date(now.getTime() - 26 * 3_600_000);
        await trx
          .insertInto("break_glass_grants")
          .values({
            organization_id: org,
            id: randomUUID(),
            patient_id: onlyRamirez[1]!.id,
            user_id: clinicianB.id,
            reason: "Patient called the after-hours line with chest pain; Dr. Ramirez unreachable",
            opened_at: opened.toISOString(),
            expires_at: new Date(opened.getTime() + 60 * 60_000).toISOString(),
            review_status: "pending",
            review_outcome: null,
            review_note: null,
            reviewed_by: null,
            reviewed_at: null,
          })
          .execute();
      }
    },
    { serializeOn: org },
  );
}
