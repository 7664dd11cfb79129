/**
 * The claim scrubber: every rule of the catalogue (rules.ts) applied to one ProfessionalClaim with what
 * the context knows, under the payer's settings. Answers findings in a stable order (rule catalogue order,
 * then the claim's order), each with the rule id, the severity in force, a message that says what to fix,
 * and the path of the field it is about ("lines[1].diagnosisPointers"; indexes are 0-based, the message
 * counts lines from 1 as the claim shows them).
 */
import {
  formatIcd10,
  isModifier,
  MAX_DIAGNOSES,
  MAX_MODIFIERS,
  MAX_POINTERS,
  normalizeIcd10,
  procedureCodeSystem,
} from "../../clinical/codes.ts";
import { isValidNpi } from "../../directory/npi.ts";
import { formatMoney } from "../../shared/money.ts";
import { isPlainDate } from "../../shared/time-zone.ts";
import type { PersonName, PostalAddress, ProfessionalClaim } from "../claim-model.ts";
import { x12Text } from "../x12/write-837p.ts";
import type { DiagnosisCodeSet, ScrubContext } from "./context.ts";
import { ageOn, isPerinatalCode, isPregnancyCode, sexConflict } from "./diagnosis-edits.ts";
import type { ScrubSeverity } from "./rules.ts";
import { compilePattern, type EffectiveRule, type EffectiveRules } from "./settings.ts";

export interface ScrubFinding {
  ruleId: string;
  severity: ScrubSeverity;
  message: string;
  /** The field the finding is about, e.g. "lines[1].diagnosisPointers", "patient.birthDate". */
  path: string;
}

export interface ScrubResult {
  findings: ScrubFinding[];
  errors: number;
  warnings: number;
  /** No finding of severity error: the claim may go out. */
  clean: boolean;
}

const DAY_MS = 86_400_000;

function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
}

function addDays(date: string, days: number): string {
  return new Date((dayNumber(date) + days) * DAY_MS).toISOString().slice(0, 10);
}

const blank = (s: string | null | undefined): boolean => s == null || s.trim() === "";

/** Scrubs one claim. `rules` comes from `effectiveRules(settings, claim.payer.ref)`. */
export function scrubClaim(claim: ProfessionalClaim, ctx: ScrubContext, rules: EffectiveRules): ScrubResult {
  const findings: ScrubFinding[] = [];
  const on = (id: string): EffectiveRule | null => {
    const r = rules.get(id);
    return r?.enabled ? r : null;
  };
  const add = (r: EffectiveRule, ruleId: string, path: string, message: string) =>
    findings.push({ ruleId, severity: r.severity, message, path });

  const lines = claim.lines;
  const validDates = lines.map((l) => isPlainDate(l.serviceDate));
  // The claim's date of service: its first line's (claims are built per date of service).
  const sortedDates = lines
    .filter((_, i) => validDates[i])
    .map((l) => l.serviceDate)
    .sort();
  const firstDate = sortedDates[0] ?? null;
  const lastDate = sortedDates.at(-1) ?? null;

  // ---- providers ----
  let r = on("billing-npi");
  if (r) {
    const npi = claim.billingProvider.npi;
    if (blank(npi))
      add(
        r,
        "billing-npi",
        "billingProvider.npi",
        "The practice's billing NPI is missing; enter it in Billing settings.",
      );
    else if (!isValidNpi(npi!.trim()))
      add(
        r,
        "billing-npi",
        "billingProvider.npi",
        `The practice's billing NPI ${npi} is not a valid NPI (10 digits with a check digit); correct it in Billing settings.`,
      );
  }
  r = on("billing-provider-incomplete");
  if (r) {
    const bp = claim.billingProvider;
    if (blank(bp.name))
      add(
        r,
        "billing-provider-incomplete",
        "billingProvider.name",
        "The practice's billing name is missing; enter it in Billing settings.",
      );
    if (blank(bp.taxId))
      add(
        r,
        "billing-provider-incomplete",
        "billingProvider.taxId",
        "The practice's tax id (EIN) is missing; enter it in Billing settings.",
      );
    else if (!/^\d{9}$/.test(bp.taxId!.replace("-", "")))
      add(
        r,
        "billing-provider-incomplete",
        "billingProvider.taxId",
        `The practice's tax id ${bp.taxId} is not 9 digits; correct it in Billing settings.`,
      );
    addressGaps(bp.address, "billingProvider.address", "the practice's billing address", (p, m) =>
      add(r!, "billing-provider-incomplete", p, `${m}; complete it in Billing settings.`),
    );
  }
  const rp = claim.renderingProvider;
  const who = personName(rp.name) ?? "the rendering practitioner";
  r = on("rendering-npi");
  if (r) {
    if (blank(rp.npi))
      add(
        r,
        "rendering-npi",
        "renderingProvider.npi",
        `The NPI of ${who} is missing; enter it on their staff record.`,
      );
    else if (!isValidNpi(rp.npi!.trim()))
      add(
        r,
        "rendering-npi",
        "renderingProvider.npi",
        `The NPI ${rp.npi} of ${who} is not a valid NPI (10 digits with a check digit); correct it on their staff record.`,
      );
  }
  r = on("rendering-license-expired");
  if (r && ctx.renderingLicenses && lastDate) {
    const licenses = ctx.renderingLicenses;
    if (licenses.length === 0)
      add(
        r,
        "rendering-license-expired",
        "renderingProvider",
        `No license is on file for ${who}; record their license before billing their services.`,
      );
    else if (!licenses.some((l) => l.expiresOn >= lastDate)) {
      const latest = licenses.reduce((a, b) => (a.expiresOn > b.expiresOn ? a : b));
      add(
        r,
        "rendering-license-expired",
        "renderingProvider",
        `The license of ${who} (${latest.state}) expired on ${latest.expiresOn}, before the date of service ${lastDate}; a service by an unlicensed practitioner cannot be billed — record the renewed license if it was renewed.`,
      );
    }
  }
  r = on("rendering-not-credentialed");
  if (r) {
    const list = r.params.credentialedNpis;
    if (Array.isArray(list) && list.length > 0 && !blank(rp.npi) && !list.includes(rp.npi!.trim()))
      add(
        r,
        "rendering-not-credentialed",
        "renderingProvider.npi",
        `${capital(who)} (NPI ${rp.npi}) is not credentialed with ${claim.payer.name ?? "this payer"}; bill the service under a credentialed practitioner or add the NPI to the payer's credentialed list once enrolled.`,
      );
  }

  // ---- diagnoses ----
  const codes = claim.diagnosisCodes;
  const normalized = codes.map((c) => normalizeIcd10(c));
  r = on("diagnosis-missing");
  if (r && codes.length === 0)
    add(
      r,
      "diagnosis-missing",
      "diagnosisCodes",
      "The claim has no diagnosis; add the ICD-10-CM code(s) that justify the services.",
    );
  r = on("diagnosis-too-many");
  if (r && codes.length > MAX_DIAGNOSES)
    add(
      r,
      "diagnosis-too-many",
      "diagnosisCodes",
      `The claim has ${codes.length} diagnoses; a professional claim holds at most ${MAX_DIAGNOSES}. Keep those the lines point to, or split the claim.`,
    );
  r = on("diagnosis-malformed");
  if (r)
    for (const [i, code] of codes.entries())
      if (!normalized[i])
        add(
          r,
          "diagnosis-malformed",
          `diagnosisCodes[${i}]`,
          blank(code)
            ? `Diagnosis ${i + 1} is empty; enter an ICD-10-CM code or remove it.`
            : `Diagnosis ${i + 1} (${JSON.stringify(code)}) is not an ICD-10-CM code: a letter, two letters or digits, then up to four more (e.g. E11.9).`,
        );
  const set: DiagnosisCodeSet | null = firstDate ? ctx.diagnosisCodeSetFor(firstDate) : null;
  r = on("diagnosis-code-set-missing");
  if (r && firstDate && !set && normalized.some(Boolean))
    add(
      r,
      "diagnosis-code-set-missing",
      "diagnosisCodes",
      `No ICD-10-CM list is loaded for the date of service ${firstDate}, so the codes were checked for their form only; load that fiscal year's list (salus codes load icd10cm).`,
    );
  if (set) {
    const notIn = on("diagnosis-not-in-code-set");
    const header = on("diagnosis-header-code");
    for (const [i, code] of normalized.entries()) {
      if (!code) continue;
      const status = set.status(code);
      if (status === "unknown" && notIn)
        add(
          notIn,
          "diagnosis-not-in-code-set",
          `diagnosisCodes[${i}]`,
          `Diagnosis ${i + 1} ${formatIcd10(code)} is not in the ICD-10-CM ${set.version} list (dates of service ${set.validFrom} to ${set.validTo}); check the code for a typo or a code deleted that year.`,
        );
      else if (status === "header" && header)
        add(
          header,
          "diagnosis-header-code",
          `diagnosisCodes[${i}]`,
          `Diagnosis ${i + 1} ${formatIcd10(code)} is a category, not a billable code; choose the more specific code under ${formatIcd10(code)} that fits the visit.`,
        );
    }
  }
  r = on("diagnosis-pointer-invalid");
  if (r)
    for (const [i, line] of lines.entries()) {
      const path = `lines[${i}].diagnosisPointers`;
      const n = line.lineNumber;
      const ps = line.diagnosisPointers;
      if (ps.length === 0) {
        add(
          r,
          "diagnosis-pointer-invalid",
          path,
          `Line ${n} (${line.procedureCode}) points to no diagnosis; point it to the diagnosis that justifies it.`,
        );
        continue;
      }
      if (ps.length > MAX_POINTERS)
        add(
          r,
          "diagnosis-pointer-invalid",
          path,
          `Line ${n} points to ${ps.length} diagnoses; a line holds at most ${MAX_POINTERS} pointers.`,
        );
      const bad = ps.filter((p) => !Number.isInteger(p) || p < 1 || p > codes.length);
      if (bad.length)
        add(
          r,
          "diagnosis-pointer-invalid",
          path,
          `Line ${n} (${line.procedureCode}) points to diagnosis ${bad.join(", ")}, but the claim has ${codes.length === 0 ? "no diagnoses" : codes.length === 1 ? "only diagnosis 1" : `diagnoses 1 to ${codes.length}`}; point it to one that is there.`,
        );
      if (new Set(ps).size !== ps.length)
        add(
          r,
          "diagnosis-pointer-invalid",
          path,
          `Line ${n} points to the same diagnosis twice; remove the repeated pointer.`,
        );
    }
  const patient = claim.patient;
  r = on("diagnosis-sex-inconsistent");
  if (r)
    for (const [i, code] of normalized.entries()) {
      const what = code ? sexConflict(code, patient.sex) : null;
      if (what)
        add(
          r,
          "diagnosis-sex-inconsistent",
          `diagnosisCodes[${i}]`,
          `Diagnosis ${i + 1} ${formatIcd10(code!)} is ${what}, but the patient's sex is recorded as ${patient.sex}; correct the code or the patient's sex.`,
        );
    }
  r = on("diagnosis-age-inconsistent");
  if (
    r &&
    firstDate &&
    patient.birthDate &&
    isPlainDate(patient.birthDate) &&
    patient.birthDate <= firstDate
  ) {
    const age = ageOn(patient.birthDate, firstDate);
    const adult = num(r.params.adultAgeYears, 18);
    const minM = num(r.params.maternityMinAge, 9);
    const maxM = num(r.params.maternityMaxAge, 64);
    for (const [i, code] of normalized.entries()) {
      if (!code) continue;
      if (isPerinatalCode(code) && age >= adult)
        add(
          r,
          "diagnosis-age-inconsistent",
          `diagnosisCodes[${i}]`,
          `Diagnosis ${i + 1} ${formatIcd10(code)} is a perinatal code, but the patient was ${age} on ${firstDate}; use the code for the condition as it is now, or correct the date of birth.`,
        );
      else if (isPregnancyCode(code) && (age < minM || age > maxM))
        add(
          r,
          "diagnosis-age-inconsistent",
          `diagnosisCodes[${i}]`,
          `Diagnosis ${i + 1} ${formatIcd10(code)} is a pregnancy code, but the patient was ${age} on ${firstDate} (expected ${minM} to ${maxM}); check the code and the date of birth.`,
        );
    }
  }

  // ---- lines ----
  r = on("procedure-code-malformed");
  if (r)
    for (const [i, line] of lines.entries())
      if (
        !procedureCodeSystem(line.procedureCode) ||
        line.procedureCode !== line.procedureCode.trim().toUpperCase()
      )
        add(
          r,
          "procedure-code-malformed",
          `lines[${i}].procedureCode`,
          `Line ${line.lineNumber}: ${JSON.stringify(line.procedureCode)} is not a CPT code (five digits, or four digits and F or T) or a HCPCS code (a letter A-V and four digits).`,
        );
  r = on("modifier-malformed");
  if (r)
    for (const [i, line] of lines.entries()) {
      const path = `lines[${i}].modifiers`;
      if (line.modifiers.length > MAX_MODIFIERS)
        add(
          r,
          "modifier-malformed",
          path,
          `Line ${line.lineNumber} has ${line.modifiers.length} modifiers; a line holds at most ${MAX_MODIFIERS}.`,
        );
      for (const m of line.modifiers)
        if (!isModifier(m) || m !== m.trim().toUpperCase())
          add(
            r,
            "modifier-malformed",
            path,
            `Line ${line.lineNumber}: modifier ${JSON.stringify(m)} is not two letters or digits (e.g. 25, LT).`,
          );
      if (new Set(line.modifiers).size !== line.modifiers.length)
        add(r, "modifier-malformed", path, `Line ${line.lineNumber} repeats a modifier; list each once.`);
    }
  r = on("units-not-positive");
  if (r)
    for (const [i, line] of lines.entries())
      if (!Number.isInteger(line.units) || line.units < 1)
        add(
          r,
          "units-not-positive",
          `lines[${i}].units`,
          `Line ${line.lineNumber} bills ${line.units} units; bill one unit or more, in whole units.`,
        );
  r = on("charge-not-positive");
  if (r) {
    for (const [i, line] of lines.entries())
      if (!(line.chargeCents > 0))
        add(
          r,
          "charge-not-positive",
          `lines[${i}].chargeCents`,
          `Line ${line.lineNumber} (${line.procedureCode}) charges ${money(line.chargeCents)}; a billed line must charge more than zero — check the fee schedule price.`,
        );
    if (!(claim.totalChargeCents > 0))
      add(
        r,
        "charge-not-positive",
        "totalChargeCents",
        `The claim's total is ${money(claim.totalChargeCents)}; a claim must charge more than zero.`,
      );
  }
  r = on("total-mismatch");
  if (r) {
    let sum = 0;
    let summable = true;
    for (const l of lines) {
      if (!Number.isSafeInteger(l.chargeCents)) summable = false;
      else sum += l.chargeCents;
    }
    if (summable && Number.isSafeInteger(sum) && sum !== claim.totalChargeCents)
      add(
        r,
        "total-mismatch",
        "totalChargeCents",
        `The lines add up to ${money(sum)} but the claim's total is ${money(claim.totalChargeCents)}; rebuild the claim from its charges so the total matches.`,
      );
  }

  // ---- dates ----
  r = on("service-date-invalid");
  if (r) {
    if (lines.length === 0)
      add(
        r,
        "service-date-invalid",
        "lines",
        "The claim has no lines, so no date of service; a claim bills at least one service.",
      );
    for (const [i, line] of lines.entries())
      if (!validDates[i])
        add(
          r,
          "service-date-invalid",
          `lines[${i}].serviceDate`,
          `Line ${line.lineNumber}'s date of service ${JSON.stringify(line.serviceDate)} is not a calendar date (YYYY-MM-DD).`,
        );
  }
  r = on("service-date-future");
  if (r)
    for (const [i, line] of lines.entries())
      if (validDates[i] && line.serviceDate > ctx.today)
        add(
          r,
          "service-date-future",
          `lines[${i}].serviceDate`,
          `Line ${line.lineNumber}'s date of service ${line.serviceDate} is after today (${ctx.today}); bill the service once it has been given.`,
        );
  r = on("service-before-birth");
  if (r && patient.birthDate && isPlainDate(patient.birthDate))
    for (const [i, line] of lines.entries())
      if (validDates[i] && line.serviceDate < patient.birthDate)
        add(
          r,
          "service-before-birth",
          `lines[${i}].serviceDate`,
          `Line ${line.lineNumber}'s date of service ${line.serviceDate} is before the patient's date of birth ${patient.birthDate}; correct the date or the patient's date of birth.`,
        );
  r = on("timely-filing");
  const limit = r ? num(r.params.limitDays, NaN) || (claim.payer.timelyFilingDays ?? NaN) : NaN;
  if (r && firstDate && limit > 0) {
    const deadline = addDays(firstDate, limit);
    if (ctx.today > deadline)
      add(
        r,
        "timely-filing",
        "lines[0].serviceDate",
        `The date of service ${firstDate} is past ${claim.payer.name ?? "the payer"}'s timely filing limit of ${limit} days (the last day was ${deadline}); the payer will deny it — send it only with proof of timely filing, else write it off.`,
      );
  }
  r = on("timely-filing-near");
  const limitNear = claim.payer.timelyFilingDays ?? NaN;
  const tf = rules.get("timely-filing");
  const nearLimit = (tf?.enabled ? num(tf.params.limitDays, NaN) : NaN) || limitNear;
  if (r && firstDate && nearLimit > 0) {
    const deadline = addDays(firstDate, nearLimit);
    const left = dayNumber(deadline) - dayNumber(ctx.today);
    if (left >= 0 && left <= num(r.params.withinDays, 14))
      add(
        r,
        "timely-filing-near",
        "lines[0].serviceDate",
        `${left === 0 ? "Today is" : `${left} day${left === 1 ? "" : "s"} left until`} the last day (${deadline}) of ${claim.payer.name ?? "the payer"}'s ${nearLimit}-day filing limit; send this claim in the next batch.`,
      );
  }

  // ---- place of service ----
  r = on("place-of-service-invalid");
  if (r) {
    const pos = ctx.placeOfServiceCodes;
    const check = (code: string | null | undefined, path: string, where: string) => {
      if (blank(code))
        add(
          r!,
          "place-of-service-invalid",
          path,
          `${where} has no place of service; choose one (e.g. 11 office).`,
        );
      else if (!/^\d{2}$/.test(code!) || (pos && !pos.has(code!)))
        add(
          r!,
          "place-of-service-invalid",
          path,
          `${where}'s place of service ${JSON.stringify(code)} is not an assigned code of the CMS place-of-service list; choose one such as 11 (office) or 02 (telehealth).`,
        );
    };
    check(claim.placeOfService, "placeOfService", "The claim");
    for (const [i, line] of lines.entries())
      if (line.placeOfService != null && line.placeOfService !== "")
        check(line.placeOfService, `lines[${i}].placeOfService`, `Line ${line.lineNumber}`);
  }

  // ---- payer, coverage, member ----
  const payerName = claim.payer.name ?? "the payer";
  r = on("payer-id-missing");
  if (r && blank(claim.payer.payerId))
    add(
      r,
      "payer-id-missing",
      "payer.payerId",
      `${capital(payerName)} has no electronic payer id; enter it on the payer (Payers) so the claim can be routed.`,
    );
  r = on("coverage-inactive");
  if (r) {
    const cov = claim.coverage;
    if (!cov)
      add(
        r,
        "coverage-inactive",
        "coverage",
        `No coverage with ${payerName} is on file for the patient; record the insurance card or bill the patient.`,
      );
    else if (!cov.active)
      add(
        r,
        "coverage-inactive",
        "coverage",
        `The patient's coverage with ${payerName} is marked inactive; verify eligibility and update the coverage, or bill another payer.`,
      );
    else if (firstDate && lastDate) {
      if (cov.effectiveFrom && firstDate < cov.effectiveFrom)
        add(
          r,
          "coverage-inactive",
          "coverage.effectiveFrom",
          `The patient's coverage with ${payerName} starts on ${cov.effectiveFrom}, after the date of service ${firstDate}; bill the plan that covered that date.`,
        );
      else if (cov.effectiveTo && lastDate > cov.effectiveTo)
        add(
          r,
          "coverage-inactive",
          "coverage.effectiveTo",
          `The patient's coverage with ${payerName} ended on ${cov.effectiveTo}, before the date of service ${lastDate}; ask the patient for their current insurance.`,
        );
    }
  }
  const memberId = claim.subscriber.memberId?.trim() ?? "";
  r = on("member-id-missing");
  if (r && !memberId)
    add(
      r,
      "member-id-missing",
      "subscriber.memberId",
      "The member id is missing; copy it from the patient's insurance card onto the coverage.",
    );
  r = on("member-id-format");
  if (r && memberId) {
    const pattern = (typeof r.params.pattern === "string" && r.params.pattern) || claim.payer.memberIdPattern;
    if (pattern) {
      const re = compilePattern(pattern);
      if (!re)
        add(
          r,
          "member-id-format",
          "payer.memberIdPattern",
          `${capital(payerName)}'s member id pattern ${JSON.stringify(pattern)} is not a valid regular expression; correct it on the payer.`,
        );
      else if (!re.test(memberId))
        add(
          r,
          "member-id-format",
          "subscriber.memberId",
          `The member id ${memberId} does not have ${payerName}'s format; check it against the insurance card (a missing prefix or a mistyped letter is common).`,
        );
    }
  }
  r = on("patient-demographics-missing");
  if (r) {
    const gap = (path: string, message: string) => add(r!, "patient-demographics-missing", path, message);
    nameGaps(patient.name, "patient.name", "the patient", gap);
    if (blank(patient.birthDate))
      gap("patient.birthDate", "The patient's date of birth is missing; record it on the patient.");
    if (!patient.sex) gap("patient.sex", "The patient's sex is missing; record it on the patient.");
    addressGaps(patient.address, "patient.address", "the patient's address", (p, m) =>
      gap(p, `${m}; complete it on the patient.`),
    );
    // When the patient is not the subscriber: the subscriber's name (2010BA NM1). Their address and
    // birth date are situational in 5010 (required when the patient is the subscriber): the writer puts
    // them in when the coverage holds them and leaves them out otherwise, so neither is asked.
    const sub = claim.subscriber;
    if (sub.relationship !== "18") {
      if (!sub.name)
        gap(
          "subscriber.name",
          "The patient is not the subscriber, but the subscriber's name is missing; record it on the coverage.",
        );
      else nameGaps(sub.name, "subscriber.name", "the subscriber", gap);
    }
  }
  r = on("duplicate-claim");
  if (r && ctx.sentClaims && claim.frequency === "1") {
    for (const [i, line] of lines.entries()) {
      const key = lineKey(line.procedureCode, line.modifiers, line.serviceDate);
      const dup = ctx.sentClaims.find((c) =>
        c.lines.some((l) => lineKey(l.procedureCode, l.modifiers, l.serviceDate) === key),
      );
      if (dup)
        add(
          r,
          "duplicate-claim",
          `lines[${i}]`,
          `Line ${line.lineNumber} (${line.procedureCode}${line.modifiers.length ? `-${line.modifiers.join("-")}` : ""} on ${line.serviceDate}) was already billed to ${payerName} on claim ${dup.patientControlNumber} (${dup.status}); send a replacement of that claim instead, or remove the line.`,
        );
    }
  }
  r = on("self-pay-restricted");
  if (r && claim.selfPayRestricted)
    add(
      r,
      "self-pay-restricted",
      "selfPayRestricted",
      "The patient paid for this visit themselves and asked that it not be disclosed to their health plan; do not send it: void the claim and bill the patient.",
    );
  r = on("original-claim-missing");
  if (r && (claim.frequency === "7" || claim.frequency === "8") && blank(claim.originalPayerClaimNumber))
    add(
      r,
      "original-claim-missing",
      "originalPayerClaimNumber",
      `This ${claim.frequency === "7" ? "replacement" : "void"} does not name the payer's claim number of the claim it ${claim.frequency === "7" ? "replaces" : "voids"}; enter it from the payer's acknowledgement or remittance.`,
    );

  let errors = 0;
  for (const f of findings) if (f.severity === "error") errors++;
  return { findings, errors, warnings: findings.length - errors, clean: errors === 0 };
}

function lineKey(code: string, modifiers: readonly string[], date: string): string {
  return `${code.trim().toUpperCase()}|${[...modifiers]
    .map((m) => m.trim().toUpperCase())
    .sort()
    .join(",")}|${date}`;
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function money(cents: number): string {
  return Number.isSafeInteger(cents) ? formatMoney(cents) : String(cents);
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function personName(n: PersonName): string | null {
  const s = [n.given, n.family].filter((x) => !blank(x)).join(" ");
  return s || null;
}

function nameGaps(
  n: PersonName,
  path: string,
  whose: string,
  gap: (path: string, message: string) => void,
): void {
  for (const [part, label] of [
    ["family", "family"],
    ["given", "given"],
  ] as const) {
    const value = n[part];
    if (blank(value)) gap(`${path}.${part}`, `The ${label} name of ${whose} is missing.`);
    // Claims carry plain Latin letters: a name written only in another script would go out empty.
    else if (x12Text(value) === "")
      gap(
        `${path}.${part}`,
        `The ${label} name of ${whose} has no Latin letters, and a claim carries only those; record the name as it is on the insurance card, in Latin letters.`,
      );
  }
}

function addressGaps(
  a: PostalAddress,
  path: string,
  what: string,
  gap: (path: string, message: string) => void,
): void {
  const missing: string[] = [];
  let first: string | null = null;
  for (const [key, label] of [
    ["line1", "street"],
    ["city", "city"],
    ["state", "state"],
    ["postalCode", "ZIP code"],
  ] as const) {
    if (blank(a[key])) {
      missing.push(label);
      first ??= key;
    }
  }
  if (first) gap(`${path}.${first}`, `${capital(what)} lacks its ${missing.join(", ")}`);
}
