import { dateInZone, normalizeIcd10 } from "@salus/core";
import type { ProfessionalClaim } from "@salus/core/billing/claim-model";
import {
  type DiagnosisCodeSet,
  type DiagnosisCodeStatus,
  type EffectiveRules,
  effectiveRules,
  type ScrubContext,
  type ScrubRuleSetting,
  type ScrubSeverity,
  type SentClaim,
} from "@salus/core/billing/scrubber/index";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { ScopedTrx } from "../db/scoped.ts";

/** SQLite caps bound parameters per statement; lists are queried in slices of this many. */
const SLICE = 500;
/** Upper bound of a prefix range over [0-9A-Z] codes ("~" sorts after both). */
const AFTER_CODE = "~";
/** Statuses of a claim the payer holds: a new claim repeating its lines is a duplicate. */
const SENT_STATUSES = ["submitted", "accepted", "paid", "denied"] as const;

function slices<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += SLICE) out.push(items.slice(i, i + SLICE));
  return out;
}

/** The first date of service of a claim (its lines' earliest), or null. */
export function claimDate(claim: ProfessionalClaim): string | null {
  let first: string | null = null;
  for (const l of claim.lines)
    if (/^\d{4}-\d{2}-\d{2}$/.test(l.serviceDate) && (!first || l.serviceDate < first)) first = l.serviceDate;
  return first;
}

/**
 * Today as the practice's latest local date over its locations' zones: a date of service is "in the
 * future" only once it is after today everywhere the practice works (never refuses a visit given today
 * in a zone behind UTC).
 */
export async function practiceToday(trx: ScopedTrx, now: Date): Promise<string> {
  const zones = await trx.selectFrom("locations").select("time_zone").distinct().execute();
  let today = dateInZone(now, "UTC");
  let latest: string | null = null;
  for (const z of zones) {
    const d = dateInZone(now, z.time_zone);
    if (!latest || d > latest) latest = d;
  }
  if (latest) today = latest;
  return today;
}

/**
 * The ICD-10-CM code sets of the given dates, answering only for the codes asked: one query for the codes
 * present, one prefix probe per code absent (a category is a code with longer codes under it in the
 * loaded list; the CMS file holds only billable codes, so a header is never itself an entry there).
 */
export async function diagnosisCodeSets(
  db: Kysely<Database>,
  requests: readonly { date: string; codes: readonly string[] }[],
): Promise<(date: string) => DiagnosisCodeSet | null> {
  const versions = await db
    .selectFrom("code_set_versions")
    .selectAll()
    .where("code_set", "=", "icd10cm")
    .orderBy("valid_from", "desc")
    .orderBy("loaded_at", "desc")
    .execute();
  const versionFor = (date: string) =>
    versions.find((v) => v.valid_from <= date && v.valid_to >= date) ?? null;
  const wanted = new Map<string, Set<string>>();
  for (const r of requests) {
    const v = versionFor(r.date);
    if (!v) continue;
    const set = wanted.get(v.version) ?? new Set<string>();
    for (const c of r.codes) {
      const n = normalizeIcd10(c);
      if (n) set.add(n);
    }
    wanted.set(v.version, set);
  }
  const views = new Map<string, DiagnosisCodeSet>();
  for (const v of versions) {
    const codes = [...(wanted.get(v.version) ?? [])];
    const status = new Map<string, DiagnosisCodeStatus>();
    for (const part of slices(codes)) {
      const rows = await db
        .selectFrom("code_set_entries")
        .select("code")
        .where("code_set", "=", "icd10cm")
        .where("version", "=", v.version)
        .where("code", "in", part)
        .execute();
      for (const r of rows) status.set(r.code, "billable");
    }
    for (const code of codes) {
      // A present code with longer codes under it (a list that includes headers) is a header too.
      const child = await db
        .selectFrom("code_set_entries")
        .select("code")
        .where("code_set", "=", "icd10cm")
        .where("version", "=", v.version)
        .where("code", ">", code)
        .where("code", "<", `${code}${AFTER_CODE}`)
        .limit(1)
        .executeTakeFirst();
      if (child) status.set(code, "header");
      else if (!status.has(code)) status.set(code, "unknown");
    }
    views.set(v.version, {
      version: v.version,
      validFrom: v.valid_from,
      validTo: v.valid_to,
      status: (code) => status.get(code) ?? "unknown",
    });
  }
  return (date) => {
    const v = versionFor(date);
    return v ? (views.get(v.version) ?? null) : null;
  };
}

/**
 * Assigned place-of-service codes, when a list is loaded as versioned data (code set 'pos' in the code
 * tables); null when none is, so the rule checks the form only.
 */
export async function placeOfServiceCodes(
  db: Kysely<Database>,
  date: string,
): Promise<ReadonlySet<string> | null> {
  const v = await db
    .selectFrom("code_set_versions")
    .select("version")
    .where("code_set", "=", "pos")
    .where("valid_from", "<=", date)
    .where("valid_to", ">=", date)
    .orderBy("valid_from", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!v) return null;
  const rows = await db
    .selectFrom("code_set_entries")
    .select(["code", "description"])
    .where("code_set", "=", "pos")
    .where("version", "=", v.version)
    .execute();
  return new Set(rows.filter((r) => !/^UNASSIGNED/i.test(r.description ?? "")).map((r) => r.code));
}

/** The practice's stored scrubber settings (every payer's; a handful of rows). */
export async function loadScrubSettings(trx: ScopedTrx): Promise<ScrubRuleSetting[]> {
  const rows = await trx.selectFrom("scrub_rule_settings").selectAll().execute();
  return rows.map((r) => ({
    payerRef: r.payer_ref,
    ruleId: r.rule_id,
    enabled: r.enabled === 1,
    severity: (r.severity as ScrubSeverity | null) ?? null,
    params: r.params ? (JSON.parse(r.params) as Record<string, unknown>) : null,
  }));
}

export interface ScrubInputs {
  contextOf(claim: ProfessionalClaim): ScrubContext;
  rulesOf(claim: ProfessionalClaim): EffectiveRules;
}

/**
 * Everything the rules need for a set of stored claims, read in a fixed number of queries (plus one
 * prefix probe per distinct diagnosis code): code sets by date of service, the place-of-service list,
 * the rendering practitioners' licenses, the claims already sent for the same patients (duplicates) and
 * the per-payer settings. `claimIdsOf` maps each claim to its stored id (excluded from its own duplicates).
 */
export async function loadScrubInputs(
  trx: ScopedTrx,
  claims: readonly ProfessionalClaim[],
  now: Date,
): Promise<ScrubInputs> {
  const today = await practiceToday(trx, now);
  const codeSetFor = await diagnosisCodeSets(
    trx,
    claims.flatMap((c) => {
      const d = claimDate(c);
      return d ? [{ date: d, codes: c.diagnosisCodes }] : [];
    }),
  );
  const pos = await placeOfServiceCodes(trx, today);
  const staffIds = [
    ...new Set(claims.map((c) => c.renderingProvider.staffId).filter((s): s is string => !!s)),
  ];
  const licenses = new Map<string, { state: string; expiresOn: string }[]>();
  for (const part of slices(staffIds)) {
    for (const l of await trx
      .selectFrom("practitioner_licenses")
      .select(["staff_id", "state", "expires_on"])
      .where("staff_id", "in", part)
      .execute()) {
      const list = licenses.get(l.staff_id) ?? [];
      list.push({ state: l.state, expiresOn: l.expires_on });
      licenses.set(l.staff_id, list);
    }
  }
  const patientIds = [...new Set(claims.map((c) => c.patient.id).filter((s): s is string => !!s))];
  const sent: { id: string; patientId: string; payerRef: string; claim: SentClaim }[] = [];
  for (const part of slices(patientIds)) {
    const rows = await trx
      .selectFrom("claims")
      .select(["id", "patient_id", "payer_ref", "patient_control_number", "status"])
      .where("patient_id", "in", part)
      .where("status", "in", SENT_STATUSES)
      .execute();
    const linesOf = new Map<string, SentClaim["lines"][number][]>();
    for (const ids of slices(rows.map((r) => r.id))) {
      for (const l of await trx
        .selectFrom("claim_lines")
        .select(["claim_id", "procedure_code", "modifiers", "date_of_service"])
        .where("claim_id", "in", ids)
        .execute()) {
        const list = linesOf.get(l.claim_id) ?? [];
        list.push({
          procedureCode: l.procedure_code,
          modifiers: JSON.parse(l.modifiers) as string[],
          serviceDate: l.date_of_service,
        });
        linesOf.set(l.claim_id, list);
      }
    }
    for (const r of rows)
      sent.push({
        id: r.id,
        patientId: r.patient_id,
        payerRef: r.payer_ref,
        claim: {
          patientControlNumber: r.patient_control_number,
          status: r.status,
          lines: linesOf.get(r.id) ?? [],
        },
      });
  }
  // Sent claims by patient and payer: each claim's look-up is then one map read, not a scan of them all.
  const sentBy = new Map<string, typeof sent>();
  for (const s of sent) {
    const key = `${s.patientId}|${s.payerRef}`;
    const list = sentBy.get(key) ?? [];
    list.push(s);
    sentBy.set(key, list);
  }
  const settings = await loadScrubSettings(trx);
  const rulesByPayer = new Map<string, EffectiveRules>();
  return {
    contextOf: (claim) => ({
      today,
      diagnosisCodeSetFor: codeSetFor,
      placeOfServiceCodes: pos,
      renderingLicenses: claim.renderingProvider.staffId
        ? (licenses.get(claim.renderingProvider.staffId) ?? [])
        : null,
      sentClaims: (sentBy.get(`${claim.patient.id}|${claim.payer.ref}`) ?? [])
        .filter((s) => s.id !== claim.id)
        .map((s) => s.claim),
    }),
    rulesOf: (claim) => {
      const key = claim.payer.ref ?? "";
      let rules = rulesByPayer.get(key);
      if (!rules) {
        rules = effectiveRules(settings, claim.payer.ref ?? null);
        rulesByPayer.set(key, rules);
      }
      return rules;
    },
  };
}
