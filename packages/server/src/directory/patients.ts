import { randomInt, randomUUID } from "node:crypto";
import { DomainError, dateInZone, isPlainDate, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { PatientRow } from "../db/schema.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type ListQuery, likePattern, lowerLike, type Page } from "./list-query.ts";

/**
 * Patient demographics (the records issue deepens them). Every read and write is audited with the
 * patient's id, and every query is scoped to the actor's organization: an id from another organization
 * is answered exactly like an id that does not exist.
 */
export interface PatientView {
  id: string;
  mrn: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  sex: PatientRow["sex"];
  phone: string | null;
  email: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  active: boolean;
}

/** Input: nullable fields may be omitted (stored as null); the MRN is generated when absent. */
export type PatientInput = Pick<PatientView, "givenName" | "familyName" | "dateOfBirth" | "sex"> &
  Partial<
    Pick<PatientView, "phone" | "email" | "addressLine1" | "addressLine2" | "city" | "state" | "postalCode">
  > & {
    mrn?: string | undefined;
    active?: boolean | undefined;
  };

/** The presenter: names every field that leaves the server. */
export function presentPatient(r: PatientRow): PatientView {
  return {
    id: r.id,
    mrn: r.mrn,
    givenName: r.given_name,
    familyName: r.family_name,
    dateOfBirth: r.date_of_birth,
    sex: r.sex,
    phone: r.phone,
    email: r.email,
    addressLine1: r.address_line1,
    addressLine2: r.address_line2,
    city: r.city,
    state: r.state,
    postalCode: r.postal_code,
    active: r.active === 1,
  };
}

function scoped(trx: Trx, actor: Actor) {
  return trx.selectFrom("patients").where("organization_id", "=", actor.organizationId);
}

function checkDateOfBirth(dob: string, today: string): void {
  if (!isPlainDate(dob)) {
    throw new DomainError("invalid_request", "Date of birth must be a real date written YYYY-MM-DD.", [
      { path: "dateOfBirth", message: "must be a real date written YYYY-MM-DD" },
    ]);
  }
  if (dob > today) {
    throw new DomainError("invalid_request", "Date of birth cannot be in the future.", [
      { path: "dateOfBirth", message: "cannot be in the future" },
    ]);
  }
}

/** Structured criteria (FHIR search) besides the free text `q`. */
export interface PatientCriteria {
  family?: string | undefined;
  given?: string | undefined;
  birthdate?: string | undefined;
  mrn?: string | undefined;
  id?: string | undefined;
}

export async function listPatients(
  services: Services,
  actor: Actor,
  query: ListQuery & PatientCriteria,
): Promise<Page<PatientView>> {
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
      let q = scoped(trx, actor);
      if (query.family) q = q.where(lowerLike("family_name", `${likePattern(query.family!).slice(1)}`));
      if (query.given) q = q.where(lowerLike("given_name", `${likePattern(query.given!).slice(1)}`));
      if (query.birthdate) q = q.where("date_of_birth", "=", query.birthdate);
      if (query.mrn) q = q.where("mrn", "=", query.mrn);
      if (query.id) q = q.where("id", "=", query.id);
      const text = query.q?.trim();
      if (text) {
        if (isPlainDate(text)) {
          q = q.where("date_of_birth", "=", text);
        } else {
          const terms = text
            .split(/[\s,]+/)
            .filter(Boolean)
            .slice(0, 4);
          for (const term of terms) {
            const pattern = likePattern(term);
            q = q.where((eb) =>
              eb.or([
                lowerLike("given_name", pattern),
                lowerLike("family_name", pattern),
                eb("mrn", "=", term),
              ]),
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
      return { items: rows.map(presentPatient), total: Number(count.n) };
    },
  );
}

export async function getPatient(services: Services, actor: Actor, id: string): Promise<PatientView> {
  return audited(
    services,
    actor,
    { action: "patient.read", resourceType: "Patient", resourceId: id, patientId: id },
    async (trx) => {
      const row = await scoped(trx, actor).selectAll().where("id", "=", id).executeTakeFirst();
      if (!row) throw notFound("patient");
      return presentPatient(row);
    },
  );
}

export async function createPatient(
  services: Services,
  actor: Actor,
  input: PatientInput,
): Promise<PatientView> {
  const now = services.clock();
  checkDateOfBirth(input.dateOfBirth, dateInZone(now, "Pacific/Kiritimati"));
  const id = randomUUID();
  return audited(
    services,
    actor,
    { action: "patient.create", resourceType: "Patient", resourceId: id, patientId: id },
    async (trx) => {
      const mrn = input.mrn ?? (await freeMrn(trx, actor.organizationId));
      const clash = await scoped(trx, actor).select("id").where("mrn", "=", mrn).executeTakeFirst();
      if (clash) {
        throw new DomainError("conflict", `Another patient already has MRN ${mrn}.`, [
          { path: "mrn", message: "is already in use" },
        ]);
      }
      const at = now.toISOString();
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
          created_at: at,
          updated_at: at,
        })
        .execute();
      const row = await scoped(trx, actor).selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      return presentPatient(row);
    },
  );
}

export async function updatePatient(
  services: Services,
  actor: Actor,
  id: string,
  changes: Partial<PatientInput>,
): Promise<PatientView> {
  const now = services.clock();
  if (changes.dateOfBirth !== undefined)
    checkDateOfBirth(changes.dateOfBirth, dateInZone(now, "Pacific/Kiritimati"));
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
      const before = await scoped(trx, actor).selectAll().where("id", "=", id).executeTakeFirst();
      if (!before) throw notFound("patient");
      if (changes.mrn !== undefined && changes.mrn !== before.mrn) {
        const clash = await scoped(trx, actor).select("id").where("mrn", "=", changes.mrn).executeTakeFirst();
        if (clash) {
          throw new DomainError("conflict", `Another patient already has MRN ${changes.mrn}.`, [
            { path: "mrn", message: "is already in use" },
          ]);
        }
      }
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
      await trx
        .updateTable("patients")
        .set(set)
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
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
