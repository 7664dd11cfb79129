import { randomInt, randomUUID } from "node:crypto";
import { DomainError, type DuplicateReason, dateInZone, findDuplicates, isPlainDate } from "@salus/core";
import {
  looksLikeImpossibleDate,
  parseDateSearch,
  type SearchTermKind,
  searchKey,
  searchQueryKeys,
} from "@salus/core/records/patient-search";
import { type Expression, type SqlBool, sql } from "kysely";
import { audited } from "../audit/audited.ts";
import type { PatientRow } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import { sealText } from "../platform/field-crypto.ts";
import type { Actor, Services } from "../platform/services.ts";
import {
  accessRoles,
  markListAccess,
  readPatientWithAccess,
  requirePatientAccess,
  visiblePatients,
} from "../records/patient-access.ts";
import type { ListQuery, Page } from "./list-query.ts";
import { hasTermStartingWith, refreshSearchTerms } from "./patient-search-terms.ts";
import type { DuplicateCandidateView, GuarantorRelationship, GuarantorView, PatientView } from "./schemas.ts";

export type { DuplicateCandidateView, GuarantorRelationship, GuarantorView, PatientView } from "./schemas.ts";

const ALL_KINDS: readonly SearchTermKind[] = ["family", "given", "preferred"];

/**
 * The patient record's demographics: legal and preferred names, sex assigned at birth (`sex`) and gender
 * identity, date of birth (a plain date), contacts, language and communication preferences, guarantor,
 * primary practitioner, the front desk's note, the SSN (stored encrypted, shown as its last four digits).
 * Every read and write goes through the records choke point (records/patient-access.ts): a patient the
 * actor may not see, like one of another organization, answers exactly like an id that does not exist,
 * and is absent from searches and their counts.
 */

/** Input: nullable fields may be omitted (stored as null); the MRN is generated when absent. */
export type PatientInput = Pick<PatientView, "givenName" | "familyName" | "dateOfBirth" | "sex"> &
  Partial<
    Pick<
      PatientView,
      | "phone"
      | "email"
      | "addressLine1"
      | "addressLine2"
      | "city"
      | "state"
      | "postalCode"
      | "middleName"
      | "nameSuffix"
      | "preferredName"
      | "genderIdentity"
      | "pronouns"
      | "language"
      | "contactMethod"
      | "mayLeaveMessage"
      | "mayText"
      | "primaryPractitionerId"
      | "frontDeskNote"
    >
  > & {
    mrn?: string | undefined;
    active?: boolean | undefined;
    interpreterNeeded?: boolean | undefined;
    enteredInError?: boolean | undefined;
    guarantor?: GuarantorInput | null | undefined;
    /** 9 digits (dashes allowed), or null to clear. */
    ssn?: string | null | undefined;
  };

export type GuarantorInput = { relationship: GuarantorRelationship } & Partial<
  Omit<GuarantorView, "relationship">
>;

/** A registration that may be a patient already on file (answered 409 possible_duplicate). */

/** Refusal of a registration that looks like a patient already on file, with the candidates. */
export class PossibleDuplicateError extends DomainError {
  constructor(readonly candidates: DuplicateCandidateView[]) {
    super(
      "conflict",
      "This patient may already be registered. Check the candidates, then confirm it is a different person to register anyway.",
    );
  }
}

const flag = (v: number | null): boolean | null => (v === null ? null : v === 1);

/** The presenter: names every field that leaves the server. */
export function presentPatient(r: PatientRow): PatientView {
  return {
    id: r.id,
    mrn: r.mrn,
    givenName: r.given_name,
    middleName: r.middle_name,
    familyName: r.family_name,
    nameSuffix: r.name_suffix,
    preferredName: r.preferred_name,
    dateOfBirth: r.date_of_birth,
    sex: r.sex,
    genderIdentity: r.gender_identity,
    pronouns: r.pronouns,
    language: r.language,
    interpreterNeeded: r.interpreter_needed === 1,
    phone: r.phone,
    email: r.email,
    addressLine1: r.address_line1,
    addressLine2: r.address_line2,
    city: r.city,
    state: r.state,
    postalCode: r.postal_code,
    contactMethod: r.contact_method,
    mayLeaveMessage: flag(r.may_leave_message),
    mayText: flag(r.may_text),
    guarantor: r.guarantor_relationship
      ? {
          relationship: r.guarantor_relationship,
          givenName: r.guarantor_given_name,
          familyName: r.guarantor_family_name,
          dateOfBirth: r.guarantor_date_of_birth,
          phone: r.guarantor_phone,
          addressLine1: r.guarantor_address_line1,
          addressLine2: r.guarantor_address_line2,
          city: r.guarantor_city,
          state: r.guarantor_state,
          postalCode: r.guarantor_postal_code,
        }
      : null,
    primaryPractitionerId: r.primary_practitioner_id,
    frontDeskNote: r.front_desk_note,
    ssnLast4: r.ssn_last4,
    active: r.active === 1,
    enteredInError: r.entered_in_error === 1,
    mergedIntoId: r.merged_into_id,
  };
}

function scoped(trx: Trx, actor: Actor) {
  return trx.selectFrom("patients").where("organization_id", "=", actor.organizationId);
}

function invalid(path: string, message: string, text?: string): DomainError {
  return new DomainError("invalid_request", text ?? `${path} ${message}.`, [{ path, message }]);
}

function checkDateOfBirth(dob: string, today: string, path = "dateOfBirth"): void {
  if (!isPlainDate(dob)) {
    throw invalid(
      path,
      "must be a real date written YYYY-MM-DD",
      "Date of birth must be a real date written YYYY-MM-DD.",
    );
  }
  if (dob > today) throw invalid(path, "cannot be in the future", "Date of birth cannot be in the future.");
  if (dob < "1850-01-01")
    throw invalid(path, "is too far in the past", "Date of birth is too far in the past.");
}

/** The latest calendar date anywhere on Earth now (a birth "today" is valid in every zone). */
function latestToday(services: Services): string {
  return dateInZone(services.clock(), "Pacific/Kiritimati");
}

function checkSsn(ssn: string): string {
  const digits = ssn.replace(/-/g, "");
  // SSA rules: 9 digits, area not 000, 666 or 9xx, group not 00, serial not 0000.
  if (
    !/^\d{9}$/.test(digits) ||
    /^(000|666|9)/.test(digits) ||
    digits.slice(3, 5) === "00" ||
    digits.slice(5) === "0000"
  ) {
    throw invalid(
      "ssn",
      "must be a valid 9-digit Social Security number",
      "The SSN is not a valid Social Security number.",
    );
  }
  return digits;
}

function checkGuarantor(g: GuarantorInput, today: string): void {
  if (g.relationship !== "self" && (!g.givenName || !g.familyName)) {
    throw invalid(
      "guarantor",
      "needs a given and a family name unless the patient is their own guarantor",
      "A guarantor other than the patient needs a given and a family name.",
    );
  }
  if (g.dateOfBirth) checkDateOfBirth(g.dateOfBirth, today, "guarantor.dateOfBirth");
}

async function checkPractitioner(trx: Trx, actor: Actor, id: string): Promise<void> {
  const row = await trx
    .selectFrom("staff_members")
    .select("id")
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .where("kind", "=", "practitioner")
    .where("active", "=", 1)
    .executeTakeFirst();
  if (!row) throw invalid("primaryPractitionerId", "is not an active practitioner of this practice");
}

/** Structured criteria (FHIR search) besides the free text `q`. */
export interface PatientCriteria {
  /** Any part of any name begins with it (FHIR `name`), accents, case and punctuation aside. */
  name?: string | undefined;
  family?: string | undefined;
  given?: string | undefined;
  /** FHIR date searches (`1958`, `ge1958-08`, `lt1960-01-01`), all of which must hold. */
  birthdate?: string | readonly string[] | undefined;
  mrn?: string | undefined;
  id?: string | undefined;
}

const NO_ROW = sql<SqlBool>`1 = 0`;

export async function listPatients(
  services: Services,
  actor: Actor,
  query: ListQuery & PatientCriteria,
): Promise<Page<PatientView>> {
  const org = actor.organizationId;
  return audited(
    services,
    actor,
    {
      action: "patient.search",
      resourceType: "Patient",
      detail: { query: { ...query } },
      // The set of patients a search returned is part of the record (who saw which names).
      fromResult: (page: Page<PatientView>) => ({ detail: { ids: page.items.map((p) => p.id) } }),
    },
    async (trx) => {
      // Refused inside the audited transaction, so a refused search is on the record too. An empty
      // identifier (`identifier=|`) used to mean "no condition" and listed every patient.
      if (query.mrn !== undefined && query.mrn.trim() === "")
        throw invalid(
          "identifier",
          "needs a value",
          "The identifier search needs a value: write urn:salus:mrn|12345678 or the MRN alone.",
        );
      const dates = (
        query.birthdate === undefined
          ? []
          : typeof query.birthdate === "string"
            ? [query.birthdate]
            : query.birthdate
      ).map((d) => parseDateSearch(d));
      const text = query.q?.trim();
      if (text && looksLikeImpossibleDate(text))
        throw invalid(
          "q",
          "is not a real date",
          `${text} is not a real date: search a date of birth as YYYY-MM-DD (for example 1958-02-28).`,
        );
      // Merged-away records are not listed (their id still reads, pointing at the surviving record);
      // neither are records entered in error.
      let q = scoped(trx, actor).where("merged_into_id", "is", null).where("entered_in_error", "=", 0);
      const visible = visiblePatients(services, actor, "demographics");
      if (visible) q = q.where(visible("patients.id"));
      // Names compare by their search keys (accents, case and punctuation aside) through the stored
      // terms: `family=hernandez` finds Hernández, `family=OBrien` O'Brien.
      const byName = (value: string, kinds: readonly SearchTermKind[]) => {
        const key = searchKey(value).slice(0, 100);
        q = q.where((eb) => (key ? hasTermStartingWith(eb, org, key, kinds) : NO_ROW));
      };
      if (query.family) byName(query.family, ["family"]);
      if (query.given) byName(query.given, ["given"]);
      if (query.name) {
        const keys = searchQueryKeys(query.name);
        if (!keys.length) q = q.where(NO_ROW);
        for (const key of keys) q = q.where((eb) => hasTermStartingWith(eb, org, key, ALL_KINDS));
      }
      for (const d of dates) {
        q = q.where((eb) => {
          const parts: Expression<SqlBool>[] = [];
          if (d.from) parts.push(eb("date_of_birth", ">=", d.from));
          if (d.to) parts.push(eb("date_of_birth", "<=", d.to));
          const inside = eb.and(parts);
          return d.negate ? eb.not(inside) : inside;
        });
      }
      if (query.mrn) q = q.where("mrn", "=", query.mrn);
      if (query.id) q = q.where("id", "=", query.id);
      if (text) {
        if (isPlainDate(text)) {
          q = q.where("date_of_birth", "=", text);
        } else {
          // Each typed word begins some name of the patient, or is their MRN. A word without letters or
          // digits (a lone apostrophe) is left out unless nothing else was typed: it then matches no name.
          const words = text
            .split(/[\s,]+/)
            .filter(Boolean)
            .slice(0, 4);
          const keyed = words.filter((w) => searchKey(w) !== "");
          for (const word of keyed.length ? keyed : words) {
            const key = searchKey(word).slice(0, 100);
            q = q.where((eb) =>
              eb.or([...(key ? [hasTermStartingWith(eb, org, key, ALL_KINDS)] : []), eb("mrn", "=", word)]),
            );
          }
        }
      }
      const [rows, count] = await Promise.all([
        q
          .selectAll()
          .orderBy("family_name")
          .orderBy("given_name")
          .orderBy("id")
          .limit(query.limit)
          .offset(query.offset)
          .execute(),
        q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
      ]);
      await markListAccess(
        trx,
        services,
        actor,
        rows.map((r) => r.id),
      );
      return { items: rows.map(presentPatient), total: Number(count.n) };
    },
  );
}

export async function getPatient(services: Services, actor: Actor, id: string): Promise<PatientView> {
  return audited(
    services,
    actor,
    {
      action: "patient.read",
      resourceType: "Patient",
      resourceId: id,
      patientId: id,
      readOnly: true,
      oneStatement: true,
    },
    // One statement: the access decision's facts and the row together (records/patient-access.ts).
    async (trx) =>
      presentPatient((await readPatientWithAccess(trx, services, actor, id, "demographics")).row),
  );
}

/**
 * Patients already on file that may be the person described (same date of birth and a similar name, or
 * a shared phone or e-mail), among those the actor may see. Never lists a patient the actor could not
 * open, so it is no oracle for who else is registered.
 */
export async function findDuplicateCandidates(
  trx: Trx,
  services: Services,
  actor: Actor,
  probe: Pick<PatientInput, "givenName" | "familyName" | "dateOfBirth" | "phone" | "email">,
  excludeId?: string,
): Promise<DuplicateCandidateView[]> {
  let q = scoped(trx, actor)
    .select(["id", "mrn", "given_name", "family_name", "date_of_birth", "phone", "email"])
    .where("date_of_birth", "=", probe.dateOfBirth)
    .where("merged_into_id", "is", null)
    .where("entered_in_error", "=", 0);
  if (excludeId) q = q.where("id", "!=", excludeId);
  const visible = visiblePatients(services, actor, "demographics");
  if (visible) q = q.where(visible("patients.id"));
  const rows = await q.limit(500).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const matches = findDuplicates(
    probe,
    rows.map((r) => ({
      id: r.id,
      givenName: r.given_name,
      familyName: r.family_name,
      dateOfBirth: r.date_of_birth,
      phone: r.phone,
      email: r.email,
    })),
  );
  return matches.slice(0, 20).map((m) => {
    const r = byId.get(m.id)!;
    return {
      id: r.id,
      mrn: r.mrn,
      givenName: r.given_name,
      familyName: r.family_name,
      dateOfBirth: r.date_of_birth,
      score: m.score,
      reasons: m.reasons,
    };
  });
}

/** The duplicate check on its own (GET /api/patients/duplicates), audited with the candidates listed. */
export async function checkDuplicates(
  services: Services,
  actor: Actor,
  probe: Pick<PatientInput, "givenName" | "familyName" | "dateOfBirth" | "phone" | "email">,
): Promise<DuplicateCandidateView[]> {
  if (!isPlainDate(probe.dateOfBirth)) throw invalid("dateOfBirth", "must be a real date written YYYY-MM-DD");
  return audited(
    services,
    actor,
    {
      action: "patient.duplicate-check",
      resourceType: "Patient",
      fromResult: (c: DuplicateCandidateView[]) => ({ detail: { ids: c.map((x) => x.id) } }),
    },
    (trx) => findDuplicateCandidates(trx, services, actor, probe),
  );
}

export async function createPatient(
  services: Services,
  actor: Actor,
  input: PatientInput & { confirmedNotDuplicate?: boolean | undefined },
): Promise<PatientView> {
  const now = services.clock();
  const today = latestToday(services);
  checkDateOfBirth(input.dateOfBirth, today);
  if (input.guarantor) checkGuarantor(input.guarantor, today);
  const ssn = input.ssn ? checkSsn(input.ssn) : null;
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "patient.create",
      resourceType: "Patient",
      resourceId: id,
      patientId: id,
      detail: input.confirmedNotDuplicate ? { confirmedNotDuplicate: true } : {},
    },
    async (trx) => {
      // Checked where a person registers a patient; the command line (seeding, imports) is not
      // interactive entry and registers as told.
      if (!input.confirmedNotDuplicate && actor.via !== "cli") {
        const candidates = await findDuplicateCandidates(trx, services, actor, input);
        if (candidates.length > 0) throw new PossibleDuplicateError(candidates);
      }
      const mrn = input.mrn ?? (await freeMrn(trx, actor.organizationId));
      const clash = await scoped(trx, actor).select("id").where("mrn", "=", mrn).executeTakeFirst();
      if (clash) {
        throw new DomainError("conflict", `Another patient already has MRN ${mrn}.`, [
          { path: "mrn", message: "is already in use" },
        ]);
      }
      if (input.primaryPractitionerId) await checkPractitioner(trx, actor, input.primaryPractitionerId);
      // A clinician who registers a patient must be able to see them afterwards: they become the primary
      // practitioner when none is named and they have a practitioner record, else join the care team.
      const clinician = accessRoles(actor).includes("clinician") && actor.userId !== null;
      let primary = input.primaryPractitionerId ?? null;
      let joinCareTeam = false;
      if (clinician && !primary) {
        const own = await trx
          .selectFrom("staff_members")
          .select("id")
          .where("organization_id", "=", actor.organizationId)
          .where("user_id", "=", actor.userId!)
          .where("kind", "=", "practitioner")
          .where("active", "=", 1)
          .executeTakeFirst();
        if (own) primary = own.id;
        else joinCareTeam = true;
      } else if (clinician) {
        joinCareTeam = true;
      }
      const at = now.toISOString();
      const g = input.guarantor ?? null;
      await trx
        .insertInto("patients")
        .values({
          organization_id: actor.organizationId,
          id,
          mrn,
          given_name: input.givenName,
          family_name: input.familyName,
          date_of_birth: input.dateOfBirth,
          sex: input.sex,
          phone: input.phone ?? null,
          email: input.email ?? null,
          address_line1: input.addressLine1 ?? null,
          address_line2: input.addressLine2 ?? null,
          city: input.city ?? null,
          state: input.state ?? null,
          postal_code: input.postalCode ?? null,
          active: input.active === false ? 0 : 1,
          middle_name: input.middleName ?? null,
          name_suffix: input.nameSuffix ?? null,
          preferred_name: input.preferredName ?? null,
          gender_identity: input.genderIdentity ?? null,
          pronouns: input.pronouns ?? null,
          language: input.language ?? null,
          interpreter_needed: input.interpreterNeeded ? 1 : 0,
          contact_method: input.contactMethod ?? null,
          may_leave_message: boolFlag(input.mayLeaveMessage),
          may_text: boolFlag(input.mayText),
          ...guarantorColumns(g),
          primary_practitioner_id: primary,
          front_desk_note: input.frontDeskNote ?? null,
          ssn_encrypted: ssn ? sealText(services.secrets, ssn) : null,
          ssn_last4: ssn ? ssn.slice(-4) : null,
          merged_into_id: null,
          entered_in_error: input.enteredInError ? 1 : 0,
          created_at: at,
          updated_at: at,
        })
        .execute();
      await refreshSearchTerms(trx, actor.organizationId, [id]);
      if (joinCareTeam) {
        await trx
          .insertInto("care_team_grants")
          .values({
            organization_id: actor.organizationId,
            id: randomUUID(),
            patient_id: id,
            user_id: actor.userId!,
            granted_by: actor.userId,
            reason: "Registered the patient",
            created_at: at,
            expires_at: null,
            revoked_at: null,
            revoked_by: null,
          })
          .execute();
      }
      const row = await scoped(trx, actor).selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      return presentPatient(row);
    },
  );
}

function boolFlag(v: boolean | null | undefined): number | null {
  return v === undefined || v === null ? null : v ? 1 : 0;
}

function guarantorColumns(g: GuarantorInput | null) {
  return {
    guarantor_relationship: g?.relationship ?? null,
    guarantor_given_name: g?.givenName ?? null,
    guarantor_family_name: g?.familyName ?? null,
    guarantor_date_of_birth: g?.dateOfBirth ?? null,
    guarantor_phone: g?.phone ?? null,
    guarantor_address_line1: g?.addressLine1 ?? null,
    guarantor_address_line2: g?.addressLine2 ?? null,
    guarantor_city: g?.city ?? null,
    guarantor_state: g?.state ?? null,
    guarantor_postal_code: g?.postalCode ?? null,
  };
}

export async function updatePatient(
  services: Services,
  actor: Actor,
  id: string,
  changes: Partial<PatientInput>,
): Promise<PatientView> {
  const now = services.clock();
  const today = latestToday(services);
  if (changes.dateOfBirth !== undefined) checkDateOfBirth(changes.dateOfBirth, today);
  if (changes.guarantor) checkGuarantor(changes.guarantor, today);
  const ssn = changes.ssn ? checkSsn(changes.ssn) : null;
  return audited(
    services,
    actor,
    {
      action: "patient.update",
      resourceType: "Patient",
      resourceId: id,
      patientId: id,
      detail: { fields: Object.keys(changes).sort() },
    },
    async (trx) => {
      const access = await requirePatientAccess(trx, services, actor, id, "demographics");
      // Naming the primary practitioner creates a treating relation: not from a care-team grant or
      // break-glass (that would turn temporary access into permanent access).
      if (
        changes.primaryPractitionerId !== undefined &&
        access.via !== "practice" &&
        access.via !== "treating"
      ) {
        throw new DomainError(
          "forbidden",
          "Only the front desk, a manager or a treating clinician can change the primary practitioner.",
        );
      }
      const before = await scoped(trx, actor).selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      if (before.merged_into_id) {
        throw new DomainError(
          "conflict",
          "This record was merged into another; change the surviving record.",
        );
      }
      if (changes.mrn !== undefined && changes.mrn !== before.mrn) {
        const clash = await scoped(trx, actor).select("id").where("mrn", "=", changes.mrn).executeTakeFirst();
        if (clash) {
          throw new DomainError("conflict", `Another patient already has MRN ${changes.mrn}.`, [
            { path: "mrn", message: "is already in use" },
          ]);
        }
      }
      if (changes.primaryPractitionerId) await checkPractitioner(trx, actor, changes.primaryPractitionerId);
      const set: Partial<PatientRow> = { updated_at: now.toISOString() };
      if (changes.mrn !== undefined) set.mrn = changes.mrn;
      if (changes.givenName !== undefined) set.given_name = changes.givenName;
      if (changes.familyName !== undefined) set.family_name = changes.familyName;
      if (changes.dateOfBirth !== undefined) set.date_of_birth = changes.dateOfBirth;
      if (changes.sex !== undefined) set.sex = changes.sex;
      if (changes.phone !== undefined) set.phone = changes.phone;
      if (changes.email !== undefined) set.email = changes.email;
      if (changes.addressLine1 !== undefined) set.address_line1 = changes.addressLine1;
      if (changes.addressLine2 !== undefined) set.address_line2 = changes.addressLine2;
      if (changes.city !== undefined) set.city = changes.city;
      if (changes.state !== undefined) set.state = changes.state;
      if (changes.postalCode !== undefined) set.postal_code = changes.postalCode;
      if (changes.active !== undefined) set.active = changes.active ? 1 : 0;
      if (changes.middleName !== undefined) set.middle_name = changes.middleName;
      if (changes.nameSuffix !== undefined) set.name_suffix = changes.nameSuffix;
      if (changes.preferredName !== undefined) set.preferred_name = changes.preferredName;
      if (changes.genderIdentity !== undefined) set.gender_identity = changes.genderIdentity;
      if (changes.pronouns !== undefined) set.pronouns = changes.pronouns;
      if (changes.language !== undefined) set.language = changes.language;
      if (changes.interpreterNeeded !== undefined) set.interpreter_needed = changes.interpreterNeeded ? 1 : 0;
      if (changes.contactMethod !== undefined) set.contact_method = changes.contactMethod;
      if (changes.mayLeaveMessage !== undefined) set.may_leave_message = boolFlag(changes.mayLeaveMessage);
      if (changes.mayText !== undefined) set.may_text = boolFlag(changes.mayText);
      if (changes.guarantor !== undefined) Object.assign(set, guarantorColumns(changes.guarantor));
      if (changes.primaryPractitionerId !== undefined)
        set.primary_practitioner_id = changes.primaryPractitionerId;
      if (changes.frontDeskNote !== undefined) set.front_desk_note = changes.frontDeskNote;
      if (changes.enteredInError !== undefined) set.entered_in_error = changes.enteredInError ? 1 : 0;
      if (changes.ssn !== undefined) {
        set.ssn_encrypted = ssn ? sealText(services.secrets, ssn) : null;
        set.ssn_last4 = ssn ? ssn.slice(-4) : null;
      }
      await trx
        .updateTable("patients")
        .set(set)
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      if (
        changes.givenName !== undefined ||
        changes.familyName !== undefined ||
        changes.middleName !== undefined ||
        changes.preferredName !== undefined
      )
        await refreshSearchTerms(trx, actor.organizationId, [id]);
      const row = await scoped(trx, actor).selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      return presentPatient(row);
    },
  );
}

/** A random, unused medical record number (8 digits); random so MRNs reveal nothing about volume. */
async function freeMrn(trx: Trx, organizationId: string): Promise<string> {
  for (;;) {
    const mrn = String(randomInt(10_000_000, 100_000_000));
    const used = await trx
      .selectFrom("patients")
      .select("id")
      .where("organization_id", "=", organizationId)
      .where("mrn", "=", mrn)
      .executeTakeFirst();
    if (!used) return mrn;
  }
}
