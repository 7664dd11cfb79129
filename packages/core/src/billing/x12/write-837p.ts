/**
 * The X12 837P (005010X222A1) writer: professional claims in, one interchange out (ISA/GS, one ST per
 * 5,000 claims, IEA). Per claim: 2000B subscriber (SBR, 2010BA, 2010BB), 2000C patient when the patient
 * is not the subscriber (PAT, 2010CA), 2300 claim (CLM, REF*F8 for a replacement or void, HI), 2310B
 * rendering provider, 2400 lines (LX, SV1, DTP*472); the billing provider once per ST (2000A/2010AA).
 *
 * Before any text exists the segments are checked against the 837P loop map (loop-map.ts); a claim that
 * would make a wrong batch is refused, naming the claim, the segment and the element. Nothing reads the
 * clock: the batch's instant and control numbers are passed in.
 */

import { DomainError, type ErrorDetail } from "../../shared/domain-error.ts";
import type { ClaimLine, PersonName, PostalAddress, ProfessionalClaim } from "../claim-model.ts";
import {
  type CompiledMap,
  checkElementsAgainstMap,
  compileLoopMap,
  describeFinding,
  type LoopMapJson,
} from "./loop-map.ts";
import json837 from "./maps/837p-005010x222a1.json" with { type: "json" };

export interface Envelope837 {
  /** 1000A: who sends the file (ISA06, GS02, NM109). */
  submitter: {
    id: string | null;
    name: string | null;
    contactName: string | null;
    contactEmail?: string | null;
    contactPhone?: string | null;
  };
  /** 1000B: the clearinghouse or payer receiving it (ISA08, GS03, NM109). */
  receiver: { id: string | null; name: string | null };
  /** ISA15. */
  usageIndicator: "T" | "P";
  /** ISA13, 1..999999999, unique and increasing per practice. */
  interchangeControlNumber: number;
  /** GS06, 1..999999999. */
  groupControlNumber: number;
  /** The batch's instant (ISO 8601 UTC) for ISA09/10, GS04/05 and BHT04/05. */
  createdAt: string;
  /** BHT03: the originator's reference for the batch (at most 50 characters). */
  reference: string;
}

export interface Written837 {
  text: string;
  transactionSets: number;
  segments: number;
  claims: number;
  totalChargeCents: number;
}

export const ELEMENT = "*";
export const SUB = ":";
export const REPEAT = "^";
export const TERMINATOR = "~";
/** The implementation guide recommends at most 5,000 claims per transaction set. */
const MAX_CLAIMS_PER_ST = 5000;

let compiled: CompiledMap | null = null;
/** The 837P loop map, compiled once. */
export function map837P(): CompiledMap {
  compiled ??= compileLoopMap(json837 as unknown as LoopMapJson);
  return compiled;
}

/**
 * Whether a character may not appear inside an element: a separator, a control character, or anything
 * outside printable ASCII (clearinghouses reject what is not in X12's basic and extended sets).
 */
function unsafe(c: number): boolean {
  return c < 32 || c > 126 || c === 42 /* * */ || c === 58 /* : */ || c === 94 /* ^ */ || c === 126 /* ~ */;
}

/**
 * A text value as an element: accents dropped (José → Jose), separators and any other character outside
 * printable ASCII become spaces, runs of spaces one, trimmed.
 */
function clean(value: string | null | undefined): string {
  if (value == null) return "";
  let i = 0;
  while (i < value.length && !unsafe(value.charCodeAt(i))) i++;
  if (i === value.length) return value.trim();
  const plain = value.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  let out = "";
  for (let k = 0; k < plain.length; k++) out += unsafe(plain.charCodeAt(k)) ? " " : plain.charAt(k);
  return out.replace(/ {2,}/g, " ").trim();
}

/** As `clean`, in capitals (X12's basic character set; what payers' edits expect of names and codes). */
function t(value: string | null | undefined): string {
  return clean(value).toUpperCase();
}

/** What the 837P writes for a name or other text (the scrubber asks whether anything is left of it). */
export const x12Text = t;

/** Cents as an X12 decimal: 12500 → "125", 12550 → "125.5", 12555 → "125.55". */
export function x12Amount(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = Math.trunc(abs / 100);
  const rest = abs % 100;
  if (rest === 0) return `${sign}${whole}`;
  if (rest % 10 === 0) return `${sign}${whole}.${rest / 10}`;
  return `${sign}${whole}.${rest < 10 ? "0" : ""}${rest}`;
}

const d8 = (date: string | null | undefined) => (date ? date.replace(/-/g, "") : "");
const sexCode = (s: string | null | undefined) => (s === "female" ? "F" : s === "male" ? "M" : s ? "U" : "");
const icd = (code: string) => code.replace(".", "").trim().toUpperCase();

function refuse(claim: ProfessionalClaim | null, message: string, path: string): DomainError {
  const text = claim ? `Claim ${claim.patientControlNumber}: ${message}` : message;
  return new DomainError("invalid_request", text, [{ path, message: text }]);
}

/** NM1 for a person; the id pair is written when there is an id, or always when the loop requires it. */
function nameSegment(
  code: string,
  name: PersonName,
  idQualifier: string,
  id: string | null | undefined,
  required = false,
): string[] {
  const seg = ["NM1", code, "1", t(name.family), t(name.given), t(name.middle), "", t(name.suffix)];
  if (id || required) seg.push(idQualifier, t(id));
  return seg;
}

function completeAddress(a: PostalAddress | null | undefined): boolean {
  return Boolean(a?.line1?.trim() && a.city?.trim() && a.state?.trim() && a.postalCode?.trim());
}

function addressSegments(out: string[][], a: PostalAddress | null | undefined): void {
  if (!a) return;
  out.push(a.line2 ? ["N3", t(a.line1), t(a.line2)] : ["N3", t(a.line1)]);
  out.push(["N4", t(a.city), t(a.state), t(a.postalCode).replace(/[^0-9A-Z]/g, "")]);
}

/** Checks a claim's own arithmetic and limits, which the loop map cannot see. */
function checkClaim(c: ProfessionalClaim, i: number): void {
  const at = `claims[${i}]`;
  if (!c.patientControlNumber || c.patientControlNumber.length > 20) {
    throw refuse(
      c,
      "the patient control number (CLM01) must be 1 to 20 characters.",
      `${at}.patientControlNumber`,
    );
  }
  if (c.lines.length === 0) throw refuse(c, "it has no service lines.", `${at}.lines`);
  if (c.lines.length > 50)
    throw refuse(c, `it has ${c.lines.length} service lines; an 837P claim holds at most 50.`, `${at}.lines`);
  if (c.diagnosisCodes.length === 0) throw refuse(c, "it has no diagnosis code.", `${at}.diagnosisCodes`);
  if (c.diagnosisCodes.length > 12) {
    throw refuse(
      c,
      `it has ${c.diagnosisCodes.length} diagnosis codes; an 837P claim holds at most 12.`,
      `${at}.diagnosisCodes`,
    );
  }
  let sum = 0;
  for (let k = 0; k < c.lines.length; k++) {
    const l = c.lines[k] as ClaimLine;
    if (!Number.isSafeInteger(l.chargeCents) || l.chargeCents <= 0) {
      throw refuse(
        c,
        `line ${l.lineNumber} has a charge of ${l.chargeCents} cents; it must be positive.`,
        `${at}.lines[${k}].chargeCents`,
      );
    }
    if (!(l.units > 0))
      throw refuse(
        c,
        `line ${l.lineNumber} has ${l.units} units; it must be positive.`,
        `${at}.lines[${k}].units`,
      );
    if (
      l.diagnosisPointers.length === 0 ||
      !l.diagnosisPointers.every((p) => p >= 1 && p <= c.diagnosisCodes.length)
    ) {
      throw refuse(
        c,
        `line ${l.lineNumber}'s diagnosis pointers must point at the claim's ${c.diagnosisCodes.length} diagnoses.`,
        `${at}.lines[${k}].diagnosisPointers`,
      );
    }
    sum += l.chargeCents;
  }
  if (sum !== c.totalChargeCents) {
    throw refuse(
      c,
      `the lines add up to ${x12Amount(sum)} but the claim total (CLM02) is ${x12Amount(c.totalChargeCents)}.`,
      `${at}.totalChargeCents`,
    );
  }
  if ((c.frequency === "7" || c.frequency === "8") && !c.originalPayerClaimNumber) {
    throw refuse(
      c,
      `a ${c.frequency === "7" ? "replacement" : "void"} needs the payer's claim number of the original claim (REF*F8).`,
      `${at}.originalPayerClaimNumber`,
    );
  }
}

function claimSegments(out: string[][], c: ProfessionalClaim, hl: { next: number }, parent: number): void {
  const self = c.subscriber.relationship === "18";
  const subscriberHl = hl.next++;
  out.push(["HL", String(subscriberHl), String(parent), "22", self ? "0" : "1"]);
  const seq = c.sequence === "secondary" ? "S" : c.sequence === "tertiary" ? "T" : "P";
  out.push([
    "SBR",
    seq,
    self ? "18" : "",
    t(c.subscriber.groupNumber),
    "",
    "",
    "",
    "",
    "",
    t(c.payer.claimFilingIndicator),
  ]);
  // 2010BA subscriber: the patient's own details when the patient is the subscriber.
  const subName = self ? c.patient.name : (c.subscriber.name ?? { family: null, given: null });
  out.push(nameSegment("IL", subName, "MI", c.subscriber.memberId, true));
  if (self) {
    addressSegments(out, c.patient.address);
    out.push(["DMG", "D8", d8(c.patient.birthDate), sexCode(c.patient.sex)]);
  } else {
    // Situational for a dependant's subscriber (5010 requires N3/N4 here only when the patient is the
    // subscriber): written when the coverage holds the whole address, left out otherwise.
    if (completeAddress(c.subscriber.address)) addressSegments(out, c.subscriber.address);
    if (c.subscriber.birthDate)
      out.push(["DMG", "D8", d8(c.subscriber.birthDate), sexCode(c.subscriber.sex) || "U"]);
  }
  // 2010BB payer.
  out.push(["NM1", "PR", "2", t(c.payer.name), "", "", "", "", "PI", t(c.payer.payerId)]);
  if (c.payer.address?.line1) addressSegments(out, c.payer.address);
  if (!self) {
    out.push(["HL", String(hl.next++), String(subscriberHl), "23", "0"]);
    out.push(["PAT", c.subscriber.relationship]);
    out.push([
      "NM1",
      "QC",
      "1",
      t(c.patient.name.family),
      t(c.patient.name.given),
      t(c.patient.name.middle),
      "",
      t(c.patient.name.suffix),
    ]);
    addressSegments(out, c.patient.address);
    out.push(["DMG", "D8", d8(c.patient.birthDate), sexCode(c.patient.sex)]);
  }
  // 2300 claim.
  const pos = c.placeOfService ?? c.lines[0]?.placeOfService ?? "";
  out.push([
    "CLM",
    t(c.patientControlNumber),
    x12Amount(c.totalChargeCents),
    "",
    "",
    `${pos}${SUB}B${SUB}${c.frequency}`,
    "Y",
    "A",
    "Y",
    "Y",
  ]);
  if (c.frequency === "7" || c.frequency === "8") out.push(["REF", "F8", t(c.originalPayerClaimNumber)]);
  const hi = ["HI"];
  for (let k = 0; k < c.diagnosisCodes.length; k++) {
    hi.push(`${k === 0 ? "ABK" : "ABF"}${SUB}${icd(c.diagnosisCodes[k] as string)}`);
  }
  out.push(hi);
  // 2310B rendering provider.
  const r = c.renderingProvider;
  out.push(nameSegment("82", r.name, "XX", r.npi));
  if (r.taxonomy) out.push(["PRV", "PE", "PXC", t(r.taxonomy)]);
  // 2400 lines (plain loops: no closure per claim on a 10,000-claim batch).
  for (let k = 0; k < c.lines.length; k++) {
    const l = c.lines[k] as ClaimLine;
    out.push(["LX", String(k + 1)]);
    let proc = `HC${SUB}${t(l.procedureCode)}`;
    for (const m of l.modifiers.slice(0, 4)) proc += `${SUB}${t(m)}`;
    const linePos = l.placeOfService && l.placeOfService !== pos ? l.placeOfService : "";
    out.push([
      "SV1",
      proc,
      x12Amount(l.chargeCents),
      "UN",
      String(l.units),
      linePos,
      "",
      l.diagnosisPointers.slice(0, 4).join(SUB),
    ]);
    out.push(["DTP", "472", "D8", d8(l.serviceDate)]);
  }
}

function trimTrailing(seg: string[]): string[] {
  let end = seg.length;
  while (end > 1 && seg[end - 1] === "") end--;
  return end === seg.length ? seg : seg.slice(0, end);
}

const pad = (v: string, width: number) =>
  v.length >= width ? v.slice(0, width) : v + " ".repeat(width - v.length);

/**
 * Writes the 837P interchange for `claims`. Refuses (invalid_request, naming the claim and segment) a
 * claim whose lines do not add up, that lacks what the implementation guide requires, or an envelope
 * without submitter or receiver ids; answers the text and its counts otherwise.
 */
export function write837P(
  claims: readonly ProfessionalClaim[],
  env: Envelope837,
  options: { lineBreaks?: boolean; maxClaimsPerTransaction?: number } = {},
): Written837 {
  if (claims.length === 0) throw refuse(null, "There are no claims to write.", "claims");
  const settingsProblems: ErrorDetail[] = [];
  const need = (value: string | null | undefined, path: string, what: string) => {
    if (!value?.trim()) settingsProblems.push({ path, message: `Billing settings: ${what} is missing.` });
  };
  need(env.submitter.id, "submitterId", "the submitter id (ISA06, 1000A NM109)");
  need(env.submitter.name, "submitterName", "the submitter name (1000A NM103)");
  need(env.submitter.contactName, "submitterContactName", "the submitter contact (1000A PER02)");
  need(env.receiver.id, "receiverId", "the receiver id (ISA08, 1000B NM109)");
  need(env.receiver.name, "receiverName", "the receiver name (1000B NM103)");
  if (settingsProblems.length > 0) {
    throw new DomainError(
      "invalid_request",
      settingsProblems.map((p) => p.message).join(" "),
      settingsProblems,
    );
  }
  for (const n of [env.interchangeControlNumber, env.groupControlNumber]) {
    if (!Number.isSafeInteger(n) || n < 1 || n > 999_999_999) {
      throw refuse(null, `Control number ${n} is outside 1..999999999.`, "controlNumbers");
    }
  }
  claims.forEach(checkClaim);

  const at = new Date(env.createdAt);
  const iso = at.toISOString(); // YYYY-MM-DDTHH:MM
  const date8 = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  const time4 = `${iso.slice(11, 13)}${iso.slice(14, 16)}`;
  const sender = t(env.submitter.id);
  const receiver = t(env.receiver.id);
  const icn = String(env.interchangeControlNumber).padStart(9, "0");
  const gcn = String(env.groupControlNumber);

  const segs: string[][] = [];
  /** For each segment, the claim it belongs to (-1: envelope and billing provider). */
  const owner: number[] = [];
  const push = (seg: string[], claim: number) => {
    segs.push(seg);
    owner.push(claim);
  };
  push(
    [
      "ISA",
      "00",
      pad("", 10),
      "00",
      pad("", 10),
      "ZZ",
      pad(sender, 15),
      "ZZ",
      pad(receiver, 15),
      date8.slice(2),
      time4,
      REPEAT,
      "00501",
      icn,
      "0",
      env.usageIndicator,
      SUB,
    ],
    -1,
  );
  push(["GS", "HC", sender, receiver, date8, time4, gcn, "X", "005010X222A1"], -1);
  const bp = claims[0]?.billingProvider as ProfessionalClaim["billingProvider"];
  let sets = 0;
  const perSet = options.maxClaimsPerTransaction ?? MAX_CLAIMS_PER_ST;
  for (let from = 0; from < claims.length; from += perSet) {
    sets++;
    const stStart = segs.length;
    const stControl = String(sets).padStart(4, "0");
    push(["ST", "837", stControl, "005010X222A1"], -1);
    push(["BHT", "0019", "00", t(env.reference).slice(0, 50), date8, time4, "CH"], -1);
    push(["NM1", "41", "2", t(env.submitter.name), "", "", "", "", "46", sender], -1);
    const per = ["PER", "IC", t(env.submitter.contactName)];
    if (env.submitter.contactPhone) per.push("TE", env.submitter.contactPhone.replace(/[^0-9]/g, ""));
    if (env.submitter.contactEmail) per.push("EM", clean(env.submitter.contactEmail).replace(/\s/g, ""));
    if (per.length === 3) per.push("EM", "");
    push(per, -1);
    push(["NM1", "40", "2", t(env.receiver.name), "", "", "", "", "46", receiver], -1);
    const hl = { next: 1 };
    const billingHl = hl.next++;
    push(["HL", String(billingHl), "", "20", "1"], -1);
    if (bp.taxonomy) push(["PRV", "BI", "PXC", t(bp.taxonomy)], -1);
    push(["NM1", "85", "2", t(bp.name), "", "", "", "", "XX", t(bp.npi)], -1);
    const bpAddr: string[][] = [];
    addressSegments(bpAddr, bp.address);
    for (const s of bpAddr) push(s, -1);
    push(["REF", "EI", (bp.taxId ?? "").replace(/[^0-9]/g, "")], -1);
    const to = Math.min(claims.length, from + perSet);
    for (let i = from; i < to; i++) {
      const c = claims[i] as ProfessionalClaim;
      if (c.billingProvider.npi !== bp.npi) {
        throw refuse(
          c,
          "every claim of a batch must have the same billing provider (NPI).",
          `claims[${i}].billingProvider.npi`,
        );
      }
      const mine: string[][] = [];
      claimSegments(mine, c, hl, billingHl);
      for (const s of mine) push(s, i);
    }
    push(["SE", String(segs.length - stStart + 1), stControl], -1);
  }
  push(["GE", String(sets), gcn], -1);
  push(["IEA", "1", icn], -1);

  // Check against the loop map before a byte is written.
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k] as string[];
    if (seg[0] !== "ISA") segs[k] = trimTrailing(seg);
  }
  const findings = checkElementsAgainstMap(segs, map837P(), SUB);
  if (findings.length > 0) {
    const details = findings.slice(0, 20).map((f) => {
      const claim = owner[f.segmentNumber - 1] ?? -1;
      const c = claim >= 0 ? claims[claim] : null;
      const message = `${c ? `Claim ${c.patientControlNumber}: ` : "Billing settings: "}${describeFinding(f)}`;
      return { path: c ? `claims[${claim}]` : "billingSettings", message };
    });
    const more = findings.length > 20 ? ` (and ${findings.length - 20} more)` : "";
    throw new DomainError(
      "invalid_request",
      `The 837P batch does not fit the 005010X222A1 loop map: ${details[0]?.message}${more}`,
      details,
    );
  }
  const end = options.lineBreaks === false ? TERMINATOR : `${TERMINATOR}\n`;
  let text = "";
  for (const s of segs) text += s.join(ELEMENT) + end;
  let total = 0;
  for (const c of claims) total += c.totalChargeCents;
  return {
    text,
    transactionSets: sets,
    segments: segs.length,
    claims: claims.length,
    totalChargeCents: total,
  };
}
