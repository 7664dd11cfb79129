import { randomUUID } from "node:crypto";
import {
  checkEncounterCodes,
  DomainError,
  type ErrorDetail,
  formatIcd10,
  isPlainDate,
  type NormalizedCodes,
  type ProcedureInput,
  type RecordReader,
} from "@salus/core";
import { ENCOUNTER_TYPES, type EncounterType } from "@salus/core/clinical/clinical-kinds";
import { audited } from "../audit/audited.ts";
import {
  checkCodesAgainstLists,
  codeSetVersionFor,
  latestCodeSetVersion,
  missingCodeSetWarnings,
} from "../codes/code-lists.ts";
import type { EncounterStatus, EncountersTable } from "../db/schema-clinical.ts";
import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess, writtenUnderGrant } from "../records/patient-access.ts";
import { encounterVisible, partsOf, readerOf, requireEncounter } from "./clinical-access.ts";
import { encounterFinished } from "./encounter-finished.ts";
import { keepRevision, type RevisionView, revisionsOf } from "./revisions.ts";
import type { DiagnosisView, EncounterView, ProcedureView } from "./schemas.ts";

export type { DiagnosisView, EncounterView, ProcedureView } from "./schemas.ts";

/**
 * Encounters: date of service, practitioner, location, type, reason, status, with their diagnoses
 * (ICD-10-CM, ordered, the first is primary) and procedures (CPT/HCPCS with modifiers, units and
 * diagnosis pointers) — what billing will claim. Flags: `sensitive` (narrower access, see
 * records/patient-access.ts) and `selfPay` (the patient paid out of pocket and asked that the visit stay
 * off insurance claims, 45 CFR 164.522(a)(1)(vi)). Never deleted: a mistake is marked entered-in-error.
 */

export { ENCOUNTER_TYPES, type EncounterType };

export interface EncounterInput {
  date: string;
  practitionerId: string;
  locationId: string;
  appointmentId?: string | null;
  type: EncounterType;
  reason?: string | null;
  status?: "in-progress" | "finished";
  sensitive?: boolean;
  selfPay?: boolean;
  diagnoses?: string[];
  procedures?: ProcedureInput[];
}

export type EncounterPatch = Partial<EncounterInput> & { version?: number };

/**
 * Descriptions of the codes on a set of encounters, from the list in force on each one's date: one query
 * per code-set version found (not one per encounter). Keyed `set|date|code`.
 */
async function descriptionsFor(
  trx: Trx,
  wanted: { codeSet: "icd10cm" | "cpt" | "hcpcs"; date: string; code: string }[],
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const versions = new Map<string, string | null>();
  const byVersion = new Map<string, { codeSet: string; version: string; codes: Set<string> }>();
  for (const w of wanted) {
    const vk = `${w.codeSet}|${w.date}`;
    // The list of the date's fiscal year; when that year has none loaded, the newest list's description
    // still names the code for the reader (the encounter's codeWarnings say the codes were not checked).
    if (!versions.has(vk))
      versions.set(
        vk,
        ((await codeSetVersionFor(trx, w.codeSet, w.date)) ?? (await latestCodeSetVersion(trx, w.codeSet)))
          ?.version ?? null,
      );
    const version = versions.get(vk);
    if (!version) continue;
    const key = `${w.codeSet}|${version}`;
    const group = byVersion.get(key) ?? { codeSet: w.codeSet, version, codes: new Set<string>() };
    group.codes.add(w.code);
    byVersion.set(key, group);
  }
  const found = new Map<string, string | null>();
  for (const g of byVersion.values()) {
    const rows = await trx
      .selectFrom("code_set_entries")
      .select(["code", "description"])
      .where("code_set", "=", g.codeSet)
      .where("version", "=", g.version)
      .where("code", "in", [...g.codes])
      .execute();
    for (const r of rows) found.set(`${g.codeSet}|${g.version}|${r.code}`, r.description);
  }
  for (const w of wanted) {
    const version = versions.get(`${w.codeSet}|${w.date}`);
    out.set(
      `${w.codeSet}|${w.date}|${w.code}`,
      version ? (found.get(`${w.codeSet}|${version}|${w.code}`) ?? null) : null,
    );
  }
  return out;
}

/** Presents encounters with their codes (and the loaded lists' descriptions, when there are any). */
export async function presentEncounters(trx: Trx, rows: EncountersTable[]): Promise<EncounterView[]> {
  if (!rows.length) return [];
  const org = rows[0]!.organization_id;
  const ids = rows.map((r) => r.id);
  const dx = await trx
    .selectFrom("encounter_diagnoses")
    .selectAll()
    .where("organization_id", "=", org)
    .where("encounter_id", "in", ids)
    .orderBy("position")
    .execute();
  const px = await trx
    .selectFrom("encounter_procedures")
    .selectAll()
    .where("organization_id", "=", org)
    .where("encounter_id", "in", ids)
    .orderBy("position")
    .execute();
  const dateOf = new Map(rows.map((r) => [r.id, r.date]));
  const desc = await descriptionsFor(trx, [
    ...dx.map((d) => ({ codeSet: "icd10cm" as const, date: dateOf.get(d.encounter_id)!, code: d.code })),
    ...px.map((p) => ({ codeSet: p.code_system, date: dateOf.get(p.encounter_id)!, code: p.code })),
  ]);
  // Codes on a date whose fiscal year has no loaded list were checked for format only: say so.
  const warningsByDate = new Map<string, string[]>();
  const out: EncounterView[] = [];
  for (const r of rows) {
    const mineDx = dx.filter((d) => d.encounter_id === r.id);
    const minePx = px.filter((p) => p.encounter_id === r.id);
    const sets = [...(mineDx.length ? (["icd10cm"] as const) : []), ...minePx.map((p) => p.code_system)];
    const warnKey = `${r.date}|${[...new Set(sets)].sort().join(",")}`;
    if (!warningsByDate.has(warnKey))
      warningsByDate.set(warnKey, sets.length ? await missingCodeSetWarnings(trx, r.date, sets) : []);
    out.push({
      id: r.id,
      patientId: r.patient_id,
      practitionerId: r.practitioner_id,
      locationId: r.location_id,
      appointmentId: r.appointment_id,
      date: r.date,
      type: r.type,
      reason: r.reason,
      reasonWithheld: false,
      status: r.status,
      sensitive: r.sensitive === 1,
      selfPay: r.self_pay === 1,
      errorReason: r.error_reason,
      diagnoses: mineDx.map((d) => ({
        position: d.position,
        code: d.code,
        display: formatIcd10(d.code),
        description: desc.get(`icd10cm|${r.date}|${d.code}`) ?? null,
      })),
      procedures: minePx.map((p) => ({
        position: p.position,
        codeSystem: p.code_system,
        code: p.code,
        description: desc.get(`${p.code_system}|${r.date}|${p.code}`) ?? null,
        modifiers: JSON.parse(p.modifiers) as string[],
        units: p.units,
        pointers: JSON.parse(p.pointers) as number[],
        chargeCents: p.charge_cents,
      })),
      codeWarnings: warningsByDate.get(warnKey)!,
      version: r.version,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    });
  }
  return out;
}

/**
 * Presents encounters as `reader` may see them (the one visibility rule): encounters whose codes the
 * reader may not see are left out, and a reason the reader may not see is withheld. Every answer of this
 * file goes through here; `presentEncounters` (everything) is for revisions kept for the record.
 */
export async function presentEncountersFor(
  trx: Trx,
  reader: RecordReader,
  rows: EncountersTable[],
): Promise<EncounterView[]> {
  const shown = rows.filter((r) => partsOf(reader, r).codes);
  return (await presentEncounters(trx, shown)).map((v, i) => withheldFrom(reader, shown[i]!, v));
}

function withheldFrom(
  reader: RecordReader,
  row: Pick<EncountersTable, "sensitive" | "practitioner_id">,
  view: EncounterView,
): EncounterView {
  if (partsOf(reader, row).reason || view.reason === null) return view;
  return { ...view, reason: null, reasonWithheld: true };
}

function invalid(message: string, details: ErrorDetail[]): DomainError {
  return new DomainError("invalid_request", message, details);
}

/** Format checks (core), then the loaded lists for the date of service; one 400 naming every code. */
async function checkCodes(
  trx: Trx,
  date: string,
  diagnoses: string[],
  procedures: ProcedureInput[],
): Promise<NormalizedCodes> {
  const format = checkEncounterCodes(diagnoses, procedures);
  if (!format.ok) {
    throw invalid(
      `The encounter's codes are not valid: ${format.errors[0]!.message}${format.errors.length > 1 ? ` (and ${format.errors.length - 1} more)` : ""}.`,
      format.errors,
    );
  }
  const listed = await checkCodesAgainstLists(trx, date, format.value);
  if (listed.length)
    throw invalid(
      `The encounter's codes are not valid: ${listed[0]!.message}${listed.length > 1 ? ` (and ${listed.length - 1} more)` : ""}.`,
      listed,
    );
  return format.value;
}

async function checkReferences(
  trx: Trx,
  actor: Actor,
  patientId: string,
  input: Partial<EncounterInput>,
): Promise<void> {
  const org = actor.organizationId;
  if (input.date !== undefined && !isPlainDate(input.date))
    throw invalid("The date is not a real date.", [
      { path: "date", message: "must be a real date written YYYY-MM-DD" },
    ]);
  if (input.practitionerId !== undefined) {
    const p = await trx
      .selectFrom("staff_members")
      .select("kind")
      .where("organization_id", "=", org)
      .where("id", "=", input.practitionerId)
      .executeTakeFirst();
    if (p?.kind !== "practitioner")
      throw invalid("No practitioner with that id.", [
        { path: "practitionerId", message: "is not a practitioner of this practice" },
      ]);
  }
  if (input.locationId !== undefined) {
    const l = await trx
      .selectFrom("locations")
      .select("id")
      .where("organization_id", "=", org)
      .where("id", "=", input.locationId)
      .executeTakeFirst();
    if (!l)
      throw invalid("No location with that id.", [
        { path: "locationId", message: "is not a location of this practice" },
      ]);
  }
  if (input.appointmentId) {
    const a = await trx
      .selectFrom("appointments")
      .select("id")
      .where("organization_id", "=", org)
      .where("id", "=", input.appointmentId)
      .where("patient_id", "=", patientId)
      .executeTakeFirst();
    if (!a)
      throw invalid("No appointment of this patient with that id.", [
        { path: "appointmentId", message: "is not an appointment of this patient" },
      ]);
  }
}

async function writeCodes(trx: Trx, org: string, encounterId: string, codes: NormalizedCodes): Promise<void> {
  await trx
    .deleteFrom("encounter_diagnoses")
    .where("organization_id", "=", org)
    .where("encounter_id", "=", encounterId)
    .execute();
  await trx
    .deleteFrom("encounter_procedures")
    .where("organization_id", "=", org)
    .where("encounter_id", "=", encounterId)
    .execute();
  if (codes.diagnoses.length)
    await trx
      .insertInto("encounter_diagnoses")
      .values(
        codes.diagnoses.map((code, i) => ({
          organization_id: org,
          encounter_id: encounterId,
          position: i + 1,
          code,
        })),
      )
      .execute();
  if (codes.procedures.length)
    await trx
      .insertInto("encounter_procedures")
      .values(
        codes.procedures.map((p, i) => ({
          organization_id: org,
          encounter_id: encounterId,
          position: i + 1,
          code_system: p.codeSystem,
          code: p.code,
          modifiers: JSON.stringify(p.modifiers),
          units: p.units,
          pointers: JSON.stringify(p.pointers),
          charge_cents: null,
        })),
      )
      .execute();
}

export async function createEncounter(
  services: Services,
  actor: Actor,
  patientId: string,
  input: EncounterInput,
): Promise<EncounterView> {
  const id = randomUUID();
  return audited(
    services,
    actor,
    { action: "encounter.create", resourceType: "Encounter", resourceId: id, patientId },
    async (trx) => {
      const access = await requirePatientAccess(trx, services, actor, patientId, "codes");
      await checkReferences(trx, actor, patientId, input);
      const codes = await checkCodes(trx, input.date, input.diagnoses ?? [], input.procedures ?? []);
      const at = services.clock().toISOString();
      const row: EncountersTable = {
        organization_id: actor.organizationId,
        id,
        patient_id: patientId,
        practitioner_id: input.practitionerId,
        location_id: input.locationId,
        appointment_id: input.appointmentId ?? null,
        date: input.date,
        type: input.type,
        reason: input.reason ?? null,
        status: input.status ?? "in-progress",
        sensitive: input.sensitive ? 1 : 0,
        self_pay: input.selfPay ? 1 : 0,
        error_reason: null,
        created_by: actor.userId,
        version: 1,
        created_at: at,
        updated_at: at,
        // Documented in an emergency: kept, but no treating relation once the grant ends.
        break_glass_id: writtenUnderGrant(access),
      };
      await trx.insertInto("encounters").values(row).execute();
      await writeCodes(trx, actor.organizationId, id, codes);
      if (row.status === "finished")
        await encounterFinished.publish(trx, services, actor, { encounterId: id, patientId });
      return presentOne(trx, readerOf(actor, access), row);
    },
  );
}

export async function getEncounter(services: Services, actor: Actor, id: string): Promise<EncounterView> {
  return audited(
    services,
    actor,
    {
      action: "encounter.read",
      resourceType: "Encounter",
      resourceId: id,
      fromResult: (e: EncounterView) => ({ patientId: e.patientId }),
    },
    async (trx) => {
      const { encounter, access } = await requireEncounter(trx, services, actor, id, "codes");
      return presentOne(trx, readerOf(actor, access), encounter);
    },
  );
}

export async function listEncounters(
  services: Services,
  actor: Actor,
  patientId: string,
  options: { includeEnteredInError?: boolean } = {},
): Promise<{ items: EncounterView[]; total: number }> {
  return audited(
    services,
    actor,
    {
      action: "encounter.search",
      resourceType: "Encounter",
      patientId,
      fromResult: (r: { items: EncounterView[] }) => ({ detail: { encounterIds: r.items.map((e) => e.id) } }),
    },
    async (trx) => {
      const access = await requirePatientAccess(trx, services, actor, patientId, "codes");
      let q = trx
        .selectFrom("encounters")
        .selectAll()
        .where("organization_id", "=", actor.organizationId)
        .where("patient_id", "=", patientId);
      if (!options.includeEnteredInError) q = q.where("status", "!=", "entered-in-error");
      const rows = (await q.orderBy("date", "desc").orderBy("created_at", "desc").execute()).filter((e) =>
        encounterVisible(actor, access, e, "codes"),
      );
      const items = await presentEncountersFor(trx, readerOf(actor, access), rows);
      return { items, total: items.length };
    },
  );
}

export async function updateEncounter(
  services: Services,
  actor: Actor,
  id: string,
  patch: EncounterPatch,
): Promise<EncounterView> {
  return audited(
    services,
    actor,
    {
      action: "encounter.update",
      resourceType: "Encounter",
      resourceId: id,
      // Which fields changed and the versions, not their values: the audit trail holds references, and
      // the codes themselves are in the record.
      detail: { changed: Object.keys(patch).filter((k) => k !== "version") },
      fromResult: (e: EncounterView) => ({ patientId: e.patientId, detail: { version: e.version } }),
    },
    async (trx) => {
      const { encounter, access } = await requireEncounter(trx, services, actor, id, "codes");
      if (encounter.status === "entered-in-error")
        throw new DomainError(
          "conflict",
          "This encounter was marked entered in error; it can no longer change.",
        );
      if (patch.version !== undefined && patch.version !== encounter.version)
        throw new DomainError(
          "conflict",
          "Someone changed this encounter since you loaded it; reload and try again.",
        );
      await checkReferences(trx, actor, encounter.patient_id, patch);
      const current = (await presentEncounters(trx, [encounter]))[0]!;
      const date = patch.date ?? encounter.date;
      const codesChanged =
        patch.diagnoses !== undefined || patch.procedures !== undefined || patch.date !== undefined;
      if (codesChanged) {
        const codes = await checkCodes(
          trx,
          date,
          patch.diagnoses ?? current.diagnoses.map((d) => d.code),
          patch.procedures ??
            current.procedures.map((p) => ({
              code: p.code,
              modifiers: p.modifiers,
              units: p.units,
              pointers: p.pointers,
            })),
        );
        if (patch.diagnoses !== undefined || patch.procedures !== undefined)
          await writeCodes(trx, actor.organizationId, id, codes);
      }
      await keepRevision(trx, services, actor, "encounters", current);
      const next: EncountersTable = {
        ...encounter,
        date,
        practitioner_id: patch.practitionerId ?? encounter.practitioner_id,
        location_id: patch.locationId ?? encounter.location_id,
        appointment_id: patch.appointmentId !== undefined ? patch.appointmentId : encounter.appointment_id,
        type: patch.type ?? encounter.type,
        reason: patch.reason !== undefined ? patch.reason : encounter.reason,
        status: patch.status ?? encounter.status,
        sensitive: patch.sensitive !== undefined ? (patch.sensitive ? 1 : 0) : encounter.sensitive,
        self_pay: patch.selfPay !== undefined ? (patch.selfPay ? 1 : 0) : encounter.self_pay,
        version: encounter.version + 1,
        updated_at: services.clock().toISOString(),
        // A new practitioner named under break-glass gets no treating relation from it.
        break_glass_id:
          patch.practitionerId !== undefined && patch.practitionerId !== encounter.practitioner_id
            ? (writtenUnderGrant(access) ?? encounter.break_glass_id)
            : encounter.break_glass_id,
      };
      await trx
        .updateTable("encounters")
        .set({
          break_glass_id: next.break_glass_id,
          date: next.date,
          practitioner_id: next.practitioner_id,
          location_id: next.location_id,
          appointment_id: next.appointment_id,
          type: next.type,
          reason: next.reason,
          status: next.status,
          sensitive: next.sensitive,
          self_pay: next.self_pay,
          version: next.version,
          updated_at: next.updated_at,
        })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .where("version", "=", encounter.version)
        .execute();
      if (next.status === "finished")
        await encounterFinished.publish(trx, services, actor, {
          encounterId: id,
          patientId: next.patient_id,
        });
      return presentOne(trx, readerOf(actor, access), next);
    },
  );
}

export async function markEncounterEnteredInError(
  services: Services,
  actor: Actor,
  id: string,
  reason: string,
): Promise<EncounterView> {
  return audited(
    services,
    actor,
    {
      action: "encounter.entered-in-error",
      resourceType: "Encounter",
      resourceId: id,
      fromResult: (e: EncounterView) => ({ patientId: e.patientId }),
    },
    async (trx) => {
      const { encounter, access } = await requireEncounter(trx, services, actor, id, "codes");
      if (encounter.status === "entered-in-error")
        throw new DomainError("conflict", "This encounter is already marked entered in error.");
      await keepRevision(trx, services, actor, "encounters", (await presentEncounters(trx, [encounter]))[0]!);
      const next = {
        ...encounter,
        status: "entered-in-error" as const,
        error_reason: reason,
        version: encounter.version + 1,
        updated_at: services.clock().toISOString(),
      };
      await trx
        .updateTable("encounters")
        .set({
          status: next.status,
          error_reason: reason,
          version: next.version,
          updated_at: next.updated_at,
        })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return presentOne(trx, readerOf(actor, access), next);
    },
  );
}

async function presentOne(trx: Trx, reader: RecordReader, row: EncountersTable): Promise<EncounterView> {
  const [view] = await presentEncounters(trx, [row]);
  return withheldFrom(reader, row, view!);
}

/** Every version of an encounter, oldest first (the codes and fields as they were). */
export async function encounterHistory(
  services: Services,
  actor: Actor,
  id: string,
): Promise<{ items: RevisionView[] }> {
  return audited(
    services,
    actor,
    {
      action: "encounter.history",
      resourceType: "Encounter",
      resourceId: id,
      fromResult: (r: { items: RevisionView[] }) => ({
        patientId: String(r.items.at(-1)?.value.patientId ?? "") || null,
      }),
    },
    async (trx) => {
      const { encounter, access } = await requireEncounter(trx, services, actor, id, "codes");
      const reader = readerOf(actor, access);
      const current = (await presentEncounters(trx, [encounter]))[0]!;
      const items = await revisionsOf(trx, services, actor, "encounters", current);
      // Each version is shown under the rule for the visit as it is now and as it was then: a reason
      // written while the visit was sensitive stays withheld after the flag is cleared.
      const mayReason = (v: Record<string, unknown>) =>
        partsOf(reader, encounter).reason &&
        partsOf(reader, {
          sensitive: v.sensitive === true,
          practitioner_id: typeof v.practitionerId === "string" ? v.practitionerId : null,
        }).reason;
      return {
        items: items.map((r) =>
          mayReason(r.value) || r.value.reason == null
            ? { ...r, value: { ...r.value, reasonWithheld: false } }
            : { ...r, value: { ...r.value, reason: null, reasonWithheld: true } },
        ),
      };
    },
  );
}
