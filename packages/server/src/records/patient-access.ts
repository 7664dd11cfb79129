import {
  type AccessVia,
  canSeeEncounterSection,
  decideAccess,
  notFound,
  type RecordSection,
  type Relation,
  type Role,
  seesPracticeWide,
  seesWithRelation,
} from "@salus/core";
import { type Expression, type Kysely, type SqlBool, sql } from "kysely";
import { annotateAudit, notePatient } from "../audit/audited.ts";
import type { Database, PatientRow } from "../db/schema.ts";
import { transactionKey } from "../db/scoped.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * The one choke point for patient records. Every use case that reads or writes anything of one patient
 * calls `requirePatientAccess` inside its audited transaction; every list, search, count or export over
 * patients filters with `visiblePatients`. Both apply the same pure decision (core
 * records/access-policy.ts) to the same facts, so a patient a user may not see is absent from lists and
 * counts and answers `not_found` by id, exactly like an id that does not exist.
 *
 * Facts: a clinician is "treating" when their staff record (staff_members.user_id = the user) is the
 * patient's primary practitioner or has a non-cancelled, non-entered-in-error appointment with the
 * patient, or an encounter with the patient that is not entered in error; "care-team" through an unrevoked,
 * unexpired grant; "break-glass" through an unexpired grant they opened with a reason.
 *
 * Break-glass stays temporary: an appointment or encounter written while the writer's only access was a
 * break-glass grant carries the grant's id (`break_glass_id`, see `writtenUnderGrant`) and is no fact
 * here, so once the grant expires the clinician is back to no access, whatever they booked or documented
 * during the emergency. (Naming the primary practitioner and changing the care team are refused under
 * break-glass: directory/patients.ts, records/care-team.ts.)
 */

/** How the actor may see one patient's record, as `requirePatientAccess` found it. */
export interface PatientAccess {
  patientId: string;
  via: AccessVia;
  /**
   * The actor's active break-glass grant on this patient, or null. Set whenever one is open (even if
   * another relation also opens the record), so every audit entry written during the window names it.
   */
  breakGlassId: string | null;
  /** Every relation the actor has with the patient now (for the sensitive-encounter rule). */
  relations: Relation[];
  /** The actor's staff record ids (to compare with an encounter's practitioner). */
  staffIds: string[];
}

/**
 * The roles the decision is made on. The operator's command line (`cli` actor: seeding, imports, the
 * tests' set-up) acts as the practice office: front-office sections of every patient, never clinical ones.
 */
export function accessRoles(actor: Actor): readonly Role[] {
  return actor.via === "cli" ? [...actor.roles, "front-desk"] : actor.roles;
}

const RANK: Record<AccessVia, number> = { practice: 0, treating: 1, "care-team": 2, "break-glass": 3 };
const marks = new WeakMap<Trx, { access: AccessVia; breakGlassIds: string[] }>();

/**
 * Records on the transaction's audit entry how the record was opened: `detail.access` (the most
 * exceptional path used in this transaction) and `detail.breakGlassId` (plus `breakGlassIds` when a
 * transaction touched several patients under break-glass).
 */
export function markAccess(trx: Trx, access: Pick<PatientAccess, "via" | "breakGlassId">): void {
  const key = transactionKey(trx);
  const prev = marks.get(key);
  const via = prev && RANK[prev.access] >= RANK[access.via] ? prev.access : access.via;
  const ids = [...(prev?.breakGlassIds ?? [])];
  if (access.breakGlassId && !ids.includes(access.breakGlassId)) ids.push(access.breakGlassId);
  marks.set(key, { access: via, breakGlassIds: ids });
  annotateAudit(trx, {
    access: via,
    ...(ids.length > 0 ? { breakGlassId: ids[0] } : {}),
    ...(ids.length > 1 ? { breakGlassIds: ids } : {}),
  });
}

/** What `requirePatientAccess` decides on: whether the patient exists, and the actor's facts about them. */
interface AccessFacts {
  exists: boolean;
  relations: Relation[];
  breakGlassId: string | null;
  staffIds: string[];
  /** The patient's row, when asked for (`withRow`): read by the same statement as the facts. */
  row?: PatientRow;
}

/**
 * The patient's existence, the actor's staff record ids and (when `withRelations`) every relation the
 * actor has with the patient now and their open break-glass grant, in ONE indexed query (the patient row
 * left-joined to the actor's staff records, one row per staff record, each relation an `exists`
 * subquery): this runs on every read of a record, and six round trips cost more than the decision.
 * Nothing is cached: a grant revoked or expired, an appointment cancelled or a staff link removed counts
 * on the very next request.
 */
async function accessFacts(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  withRelations: boolean,
  withRow = false,
): Promise<AccessFacts> {
  const org = actor.organizationId;
  const userId = actor.userId;
  const now = services.clock().toISOString();
  const related = withRelations && userId !== null;
  const rows = await trx
    .selectFrom("patients")
    .leftJoin("staff_members", (join) =>
      join
        .onRef("staff_members.organization_id", "=", "patients.organization_id")
        // No user (a patient's own link): no staff record can match.
        .on("staff_members.user_id", "=", userId ?? ""),
    )
    .select(["patients.id", "patients.primary_practitioner_id", "staff_members.id as staff_id"])
    .$if(withRow, (q) => q.selectAll("patients"))
    .$if(related, (q) =>
      q.select((eb) => {
        const staff = eb
          .selectFrom("staff_members as my_staff")
          .select("my_staff.id")
          .where("my_staff.organization_id", "=", org)
          .where("my_staff.user_id", "=", userId ?? "");
        return [
          eb
            .exists(
              eb
                .selectFrom("appointments")
                .select("appointments.id")
                .where("appointments.organization_id", "=", org)
                .whereRef("appointments.patient_id", "=", "patients.id")
                .where("appointments.practitioner_id", "in", staff)
                .where("appointments.status", "not in", ["cancelled", "entered-in-error"])
                .where("appointments.break_glass_id", "is", null),
            )
            .as("visit"),
          eb
            .exists(
              eb
                .selectFrom("encounters")
                .select("encounters.id")
                .where("encounters.organization_id", "=", org)
                .whereRef("encounters.patient_id", "=", "patients.id")
                .where("encounters.practitioner_id", "in", staff)
                .where("encounters.status", "!=", "entered-in-error")
                .where("encounters.break_glass_id", "is", null),
            )
            .as("seen"),
          eb
            .exists(
              eb
                .selectFrom("care_team_grants")
                .select("care_team_grants.id")
                .where("care_team_grants.organization_id", "=", org)
                .whereRef("care_team_grants.patient_id", "=", "patients.id")
                .where("care_team_grants.user_id", "=", userId ?? "")
                .where("care_team_grants.revoked_at", "is", null)
                .where((w) =>
                  w.or([
                    w("care_team_grants.expires_at", "is", null),
                    w("care_team_grants.expires_at", ">", now),
                  ]),
                ),
            )
            .as("care"),
          eb
            .selectFrom("break_glass_grants")
            .select("break_glass_grants.id")
            .where("break_glass_grants.organization_id", "=", org)
            .whereRef("break_glass_grants.patient_id", "=", "patients.id")
            .where("break_glass_grants.user_id", "=", userId ?? "")
            .where("break_glass_grants.expires_at", ">", now)
            .orderBy("break_glass_grants.expires_at", "desc")
            .limit(1)
            .as("glass_id"),
        ];
      }),
    )
    .where("patients.organization_id", "=", org)
    .where("patients.id", "=", patientId)
    .execute();
  const first = rows[0] as
    | ((typeof rows)[number] & { visit?: unknown; seen?: unknown; care?: unknown; glass_id?: string | null })
    | undefined;
  if (!first) return { exists: false, relations: [], breakGlassId: null, staffIds: [] };
  const staffIds = rows.map((r) => r.staff_id).filter((id): id is string => id !== null);
  const relations: Relation[] = [];
  if (related) {
    // SQLite answers 0/1 for `exists`, PostgreSQL a boolean.
    const primary =
      first.primary_practitioner_id !== null && staffIds.includes(first.primary_practitioner_id);
    if (staffIds.length > 0 && (primary || Boolean(first.visit) || Boolean(first.seen)))
      relations.push("treating");
    if (first.care) relations.push("care-team");
    if (first.glass_id) relations.push("break-glass");
  }
  const facts: AccessFacts = {
    exists: true,
    relations,
    breakGlassId: related ? (first.glass_id ?? null) : null,
    staffIds,
  };
  if (withRow) {
    // Only the patient's own columns (the row also carries staff_id and the relation flags).
    const { staff_id: _s, visit: _v, seen: _e, care: _c, glass_id: _g, ...row } = first;
    facts.row = row as unknown as PatientRow;
  }
  return facts;
}

/**
 * Answers how the actor may see `section` of the patient, or throws `notFound("patient")` when the
 * patient is not in the actor's organization or the actor may not see that section (the same answer,
 * on purpose). Marks the transaction so the audit entry `audited()` writes carries `detail.access` and,
 * under break-glass, `detail.breakGlassId`. Call it inside the audited transaction.
 */
export async function requirePatientAccess(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  section: RecordSection,
): Promise<PatientAccess> {
  return (await decide(trx, services, actor, patientId, section, false)).access;
}

/**
 * `requirePatientAccess` and the patient's row in ONE statement (the hot path of a patient read: one
 * round trip instead of two; the row is only returned once the decision let the actor see `section`).
 */
export async function readPatientWithAccess(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  section: RecordSection,
): Promise<{ access: PatientAccess; row: PatientRow }> {
  const { access, row } = await decide(trx, services, actor, patientId, section, true);
  return { access, row: row! };
}

async function decide(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  section: RecordSection,
  withRow: boolean,
): Promise<{ access: PatientAccess; row: PatientRow | undefined }> {
  const roles = accessRoles(actor);
  const facts = await accessFacts(trx, services, actor, patientId, seesWithRelation(roles, section), withRow);
  if (!facts.exists) throw notFound("patient");
  // Before the decision: a refusal is then audited under this patient (their access report lists it),
  // while the caller still sees only "not found".
  notePatient(trx, patientId);
  const via = decideAccess(roles, section, facts.relations);
  if (via === null) throw notFound("patient");
  const access: PatientAccess = {
    patientId,
    via,
    breakGlassId: facts.breakGlassId,
    relations: facts.relations,
    staffIds: facts.staffIds,
  };
  markAccess(trx, access);
  return { access, row: facts.row };
}

/**
 * The break-glass grant a write made with this access is made under: the grant's id when break-glass is
 * the only thing that opens the record (so the appointment or encounter written must not become a
 * relation of its own), else null. Store it in the row's `break_glass_id`.
 */
export function writtenUnderGrant(access: Pick<PatientAccess, "via" | "breakGlassId">): string | null {
  return access.via === "break-glass" ? access.breakGlassId : null;
}

/**
 * For writes that would CREATE a relation (booking a visit, naming a primary practitioner): an actor who
 * sees `section` only through relations (a clinician) must already see the patient, so nobody turns an id
 * they learnt somewhere into access of their own. Actors that see the section practice-wide, and actors
 * without any patient role (a patient's own reminder link), pass unchanged. Throws `notFound("patient")`.
 * Answers the break-glass grant the write is made under (`writtenUnderGrant`), or null: the caller stores
 * it on the row so a visit booked in an emergency gives no lasting access.
 */
export async function requireRelationToCreate(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientId: string,
  section: RecordSection,
): Promise<string | null> {
  const roles = accessRoles(actor);
  if (seesPracticeWide(roles, section) || !seesWithRelation(roles, section)) return null;
  return writtenUnderGrant(await requirePatientAccess(trx, services, actor, patientId, section));
}

/** A filter on any patient id column: `q.where(filter("appointments.patient_id"))`. */
export type PatientFilter = (column: string) => Expression<SqlBool>;

/**
 * The patients whose `section` the actor may see: null when that is every patient of the organization
 * (still scope the query by organization yourself), else a filter for a query's patient id column, so
 * lists, searches, counts and exports obey the same rule as `requirePatientAccess`. Evaluated in SQL at
 * query time against the clock read now (grants expire).
 */
export function visiblePatients(
  services: Services,
  actor: Actor,
  section: RecordSection,
): PatientFilter | null {
  const roles = accessRoles(actor);
  if (seesPracticeWide(roles, section)) return null;
  if (!seesWithRelation(roles, section) || !actor.userId) return () => sql<SqlBool>`1 = 0`;
  const sources = relatedPatientIds(services.systemDb, actor.organizationId, actor.userId, services.clock());
  // One IN per source rather than one IN over their UNION: each subquery is answered from its own index
  // and nothing has to be de-duplicated.
  return (column) =>
    sql<SqlBool>`(${sql.join(
      sources.map((q) => sql`${sql.ref(column)} in (${q})`),
      sql` or `,
    )})`;
}

/** Subqueries of the ids of the patients the user has each kind of relation with (see the file comment). */
function relatedPatientIds(db: Kysely<Database>, org: string, userId: string, clock: Date) {
  const now = clock.toISOString();
  const staff = db
    .selectFrom("staff_members")
    .select("staff_members.id")
    .where("staff_members.organization_id", "=", org)
    .where("staff_members.user_id", "=", userId);
  return [
    db
      .selectFrom("patients")
      .select("patients.id as patient_id")
      .where("patients.organization_id", "=", org)
      .where("patients.primary_practitioner_id", "in", staff),
    db
      .selectFrom("appointments")
      .select("appointments.patient_id")
      .where("appointments.organization_id", "=", org)
      .where("appointments.practitioner_id", "in", staff)
      .where("appointments.status", "not in", ["cancelled", "entered-in-error"])
      .where("appointments.break_glass_id", "is", null),
    db
      .selectFrom("encounters")
      .select("encounters.patient_id")
      .where("encounters.organization_id", "=", org)
      .where("encounters.practitioner_id", "in", staff)
      .where("encounters.status", "!=", "entered-in-error")
      .where("encounters.break_glass_id", "is", null),
    db
      .selectFrom("care_team_grants")
      .select("care_team_grants.patient_id")
      .where("care_team_grants.organization_id", "=", org)
      .where("care_team_grants.user_id", "=", userId)
      .where("care_team_grants.revoked_at", "is", null)
      .where((eb) =>
        eb.or([eb("care_team_grants.expires_at", "is", null), eb("care_team_grants.expires_at", ">", now)]),
      ),
    db
      .selectFrom("break_glass_grants")
      .select("break_glass_grants.patient_id")
      .where("break_glass_grants.organization_id", "=", org)
      .where("break_glass_grants.user_id", "=", userId)
      .where("break_glass_grants.expires_at", ">", now),
  ];
}

/**
 * The actor's open break-glass grants (id and patient), e.g. to mark a list's audit entry when some of
 * the patients it returned are visible only under break-glass.
 */
export async function activeBreakGlass(
  trx: Trx,
  services: Services,
  actor: Actor,
): Promise<{ id: string; patientId: string }[]> {
  if (!actor.userId) return [];
  const rows = await trx
    .selectFrom("break_glass_grants")
    .select(["id", "patient_id"])
    .where("organization_id", "=", actor.organizationId)
    .where("user_id", "=", actor.userId)
    .where("expires_at", ">", services.clock().toISOString())
    .execute();
  return rows.map((r) => ({ id: r.id, patientId: r.patient_id }));
}

/**
 * Marks a list's audit entry with the break-glass grants under which any of the returned patients was
 * seen (call it with the ids a list or search returned).
 */
export async function markListAccess(
  trx: Trx,
  services: Services,
  actor: Actor,
  patientIds: readonly string[],
): Promise<void> {
  if (patientIds.length === 0 || !actor.userId) return;
  const open = await activeBreakGlass(trx, services, actor);
  for (const g of open) {
    if (patientIds.includes(g.patientId)) markAccess(trx, { via: "break-glass", breakGlassId: g.id });
  }
}

/** An encounter's facts for the sensitive rule (from the clinical tables). */
export interface EncounterFacts {
  sensitive: boolean | number;
  /** staff_members.id of the encounter's practitioner. */
  practitionerId: string | null;
}

/**
 * Whether one encounter's codes or clinical content may be shown to the actor, given the access
 * `requirePatientAccess` answered for that section. A sensitive encounter's clinical content is only for
 * its own practitioner or under break-glass; its codes also for billers.
 */
export function canSeeEncounter(
  actor: Actor,
  access: PatientAccess,
  encounter: EncounterFacts,
  section: "codes" | "clinical",
): boolean {
  return canSeeEncounterSection(accessRoles(actor), section, access.relations, {
    sensitive: encounter.sensitive === true || encounter.sensitive === 1,
    actorIsPractitioner:
      encounter.practitionerId !== null && access.staffIds.includes(encounter.practitionerId),
  });
}
