/**
 * Readers for the two acknowledgements a clearinghouse sends back for an 837P batch:
 * - 999 (implementation acknowledgement, 005010X231A1): was each transaction set accepted? (AK1 names
 *   the batch's GS06, AK2 the ST02, IK3/IK4 the segment and element in error, IK5 the verdict, AK9 the
 *   group's).
 * - 277CA (claim acknowledgement, 005010X214): was each claim accepted into adjudication? (HL level PT,
 *   TRN*2 echoes CLM01, STC the category and status codes, REF*1K the payer's claim number).
 *
 * The whole file is read and checked before anything is answered, so an importer either gets every
 * result or one error naming the segment: nothing is half-posted.
 */

import {
  describe277Status,
  IK3_SEGMENT_ERRORS,
  IK4_ELEMENT_ERRORS,
  IK5_TRANSACTION_ERRORS,
  STATUS_CATEGORIES,
} from "./ack-codes.ts";
import {
  components,
  readEnvelopes,
  tokenizeX12,
  type X12Document,
  type X12Segment,
  type X12Transaction,
  x12Error,
} from "./tokenizer.ts";

export type AckVerdict = "accepted" | "accepted-with-errors" | "rejected" | "partially-accepted";

export interface AckError {
  code: string;
  /** The reason in words, e.g. "Required segment missing: NM1 at position 17". */
  reason: string;
}

export interface TransactionSetAck {
  /** AK201, e.g. "837". */
  code: string;
  /** AK202: the ST02 of the batch's transaction set. */
  controlNumber: string;
  verdict: "accepted" | "accepted-with-errors" | "rejected";
  errors: AckError[];
}

export interface Ack999 {
  kind: "999";
  interchangeControlNumber: string;
  /** AK102: the GS06 of the batch acknowledged. */
  groupControlNumber: string;
  verdict: AckVerdict;
  transactionSets: TransactionSetAck[];
}

export interface ClaimAck {
  /** TRN02 at the patient level: the claim's CLM01. */
  patientControlNumber: string;
  verdict: "accepted" | "rejected";
  /** REF*1K: the payer's claim control number, when given. */
  payerClaimNumber: string | null;
  statuses: AckError[];
  /** The 277CA's segment number of the claim's STC (for messages). */
  segmentNumber: number;
}

export interface Ack277CA {
  kind: "277CA";
  interchangeControlNumber: string;
  /** BHT03 of the 277CA (the clearinghouse's reference, often the batch's BHT03). */
  reference: string;
  claims: ClaimAck[];
  /** Rejections above claim level (the whole batch or a provider), with the reason. */
  batchErrors: AckError[];
}

/** An acknowledgement as read, with what was odd but not fatal (envelope control numbers not echoed). */
export type Acknowledgement = (Ack999 | Ack277CA) & { warnings: string[] };

function single(doc: X12Document, warnings: string[]): X12Transaction[] {
  const interchanges = readEnvelopes(doc, { warnings });
  const out: X12Transaction[] = [];
  for (const i of interchanges) for (const g of i.groups) out.push(...g.transactions);
  return out;
}

function el(s: X12Segment, i: number): string {
  return s.elements[i] ?? "";
}

function require(s: X12Segment, i: number, what: string): string {
  const v = s.elements[i];
  if (!v) throw x12Error(s, `${s.id}${String(i).padStart(2, "0")} (${what}) is missing.`);
  return v;
}

const IK5_VERDICTS: Record<string, TransactionSetAck["verdict"]> = {
  A: "accepted",
  E: "accepted-with-errors",
  M: "rejected",
  R: "rejected",
  W: "rejected",
  X: "rejected",
};
const AK9_VERDICTS: Record<string, AckVerdict> = {
  A: "accepted",
  E: "accepted-with-errors",
  P: "partially-accepted",
  R: "rejected",
  M: "rejected",
  W: "rejected",
  X: "rejected",
};

function read999(doc: X12Document, transactions: X12Transaction[]): Ack999 {
  const isa = doc.segments[0] as X12Segment;
  let group = "";
  let verdict: AckVerdict | null = null;
  const sets: TransactionSetAck[] = [];
  for (const tx of transactions) {
    let current: TransactionSetAck | null = null;
    let ik3: X12Segment | null = null;
    for (const s of tx.body) {
      switch (s.id) {
        case "AK1":
          if (group && group !== el(s, 2))
            throw x12Error(s, "a 999 for more than one functional group is not supported.");
          if (el(s, 1) !== "HC")
            throw x12Error(s, `AK101 '${el(s, 1)}' acknowledges a group that is not claims (HC).`);
          group = require(s, 2, "group control number");
          break;
        case "AK2":
          if (!group) throw x12Error(s, "AK2 before AK1.");
          current = {
            code: require(s, 1, "transaction set code"),
            controlNumber: require(s, 2, "transaction set control number"),
            verdict: "accepted",
            errors: [],
          };
          ik3 = null;
          break;
        case "IK3": {
          if (!current) throw x12Error(s, "IK3 outside an AK2 (transaction set response).");
          ik3 = s;
          const code = el(s, 4);
          const words = IK3_SEGMENT_ERRORS[code] ?? `segment error ${code}`;
          const loop = el(s, 3) ? ` in loop ${el(s, 3)}` : "";
          current.errors.push({
            code: `IK3-${code}`,
            reason: `${words}: ${el(s, 1)} at segment ${el(s, 2)}${loop}`,
          });
          break;
        }
        case "IK4": {
          if (!current || !ik3) throw x12Error(s, "IK4 outside an IK3 (segment in error).");
          const code = el(s, 3);
          const words = IK4_ELEMENT_ERRORS[code] ?? `element error ${code}`;
          // IK401 is element:component:repetition; named as X12 does, e.g. NM109 or SV101-02.
          const [element = "", component = ""] = components(el(s, 1), doc.separators);
          const name = `${el(ik3, 1)}${element.padStart(2, "0")}${component ? `-${component.padStart(2, "0")}` : ""}`;
          const bad = el(s, 4) ? ` (found '${el(s, 4)}')` : "";
          current.errors.push({ code: `IK4-${code}`, reason: `${words}: ${name}${bad}` });
          break;
        }
        case "IK5": {
          if (!current) throw x12Error(s, "IK5 outside an AK2 (transaction set response).");
          const v = IK5_VERDICTS[el(s, 1)];
          if (!v) throw x12Error(s, `IK501 '${el(s, 1)}' is not an acknowledgement code (A, E, M, R, W, X).`);
          current.verdict = v;
          for (let i = 2; i <= 6; i++) {
            const code = el(s, i);
            if (code)
              current.errors.push({
                code: `IK5-${code}`,
                reason: IK5_TRANSACTION_ERRORS[code] ?? `transaction set error ${code}`,
              });
          }
          sets.push(current);
          current = null;
          break;
        }
        case "AK9": {
          if (current) throw x12Error(s, `transaction set ${current.controlNumber} has no IK5 before AK9.`);
          const v = AK9_VERDICTS[el(s, 1)];
          if (!v)
            throw x12Error(s, `AK901 '${el(s, 1)}' is not an acknowledgement code (A, E, P, R, M, W, X).`);
          verdict = v;
          break;
        }
        default:
          break;
      }
    }
    if (current)
      throw x12Error(
        tx.body[tx.body.length - 1] ?? tx.st,
        `transaction set ${current.controlNumber} has no IK5.`,
      );
  }
  if (!group) throw x12Error(transactions[0]?.st ?? isa, "the 999 has no AK1 (which batch it acknowledges).");
  if (!verdict) throw x12Error(transactions[0]?.st ?? isa, "the 999 has no AK9 (the group's verdict).");
  return {
    kind: "999",
    interchangeControlNumber: el(isa, 13),
    groupControlNumber: group,
    verdict,
    transactionSets: sets,
  };
}

const REJECTING_CATEGORIES = new Set(["A3", "A4", "A6", "A7", "A8", "E0", "E1", "E2"]);

function stcStatuses(s: X12Segment, doc: X12Document): { rejected: boolean; statuses: AckError[] } {
  const statuses: AckError[] = [];
  let rejected = false;
  // STC01 and, when present, STC10 and STC11 each carry category:status[:entity].
  for (const i of [1, 10, 11]) {
    const v = el(s, i);
    if (!v) continue;
    const [category = "", status = "", entity = ""] = components(v, doc.separators);
    if (!category) continue;
    if (REJECTING_CATEGORIES.has(category)) rejected = true;
    const cat = STATUS_CATEGORIES[category] ?? `status category ${category}`;
    statuses.push({
      code: [category, status, entity].filter(Boolean).join(":"),
      reason: `${cat}: ${describe277Status(status, entity)}`,
    });
  }
  if (statuses.length === 0) throw x12Error(s, "STC01 (claim status) is missing.");
  return { rejected, statuses };
}

function read277(doc: X12Document, transactions: X12Transaction[]): Ack277CA {
  const isa = doc.segments[0] as X12Segment;
  const claims: ClaimAck[] = [];
  const batchErrors: AckError[] = [];
  let reference = "";
  for (const tx of transactions) {
    let level = "";
    let claim: ClaimAck | null = null;
    let sawBht = false;
    for (const s of tx.body) {
      switch (s.id) {
        case "BHT":
          sawBht = true;
          reference = el(s, 3);
          break;
        case "HL":
          if (!sawBht) throw x12Error(s, "HL before BHT.");
          if (claim) {
            if (claim.statuses.length === 0)
              throw x12Error(
                s,
                `claim ${claim.patientControlNumber} has no STC (status) before the next HL.`,
              );
            claims.push(claim);
            claim = null;
          }
          level = require(s, 3, "hierarchical level code");
          if (level === "PT")
            claim = {
              patientControlNumber: "",
              verdict: "accepted",
              payerClaimNumber: null,
              statuses: [],
              segmentNumber: s.number,
            };
          break;
        case "TRN":
          if (claim && el(s, 1) === "2")
            claim.patientControlNumber = require(s, 2, "the claim's patient control number");
          break;
        case "STC": {
          const { rejected, statuses } = stcStatuses(s, doc);
          if (claim) {
            if (!claim.patientControlNumber)
              throw x12Error(s, "STC of a claim before its TRN (patient control number).");
            claim.statuses.push(...statuses);
            claim.segmentNumber = s.number;
            if (rejected) claim.verdict = "rejected";
          } else if (rejected) {
            batchErrors.push(...statuses);
          }
          break;
        }
        case "REF":
          if (claim && el(s, 1) === "1K") claim.payerClaimNumber = el(s, 2) || null;
          break;
        default:
          break;
      }
    }
    if (claim) {
      if (claim.statuses.length === 0)
        throw x12Error(
          tx.body[tx.body.length - 1] ?? tx.st,
          `claim ${claim.patientControlNumber} has no STC (status).`,
        );
      claims.push(claim);
    }
    if (!sawBht) throw x12Error(tx.st, "the 277CA has no BHT.");
  }
  return { kind: "277CA", interchangeControlNumber: el(isa, 13), reference, claims, batchErrors };
}

/**
 * Reads a 999 or 277CA file. Anything else (an 837, a truncated file, broken envelopes, a segment out of
 * place) is refused with an `invalid_request` naming the segment.
 */
export function readAcknowledgement(text: string): Acknowledgement {
  const doc = tokenizeX12(text);
  const warnings: string[] = [];
  const transactions = single(doc, warnings);
  if (transactions.length === 0)
    throw x12Error(doc.segments[0] ?? null, "the file holds no transaction set.");
  const codes = new Set(transactions.map((t) => t.code));
  if (codes.size > 1) {
    throw x12Error(
      transactions[1]?.st ?? null,
      `the file mixes transaction sets (${[...codes].join(", ")}); import one kind per file.`,
    );
  }
  const first = transactions[0] as X12Transaction;
  if (first.code === "999") return { ...read999(doc, transactions), warnings };
  if (first.code === "277") {
    if (first.version && !first.version.startsWith("005010X214")) {
      throw x12Error(
        first.st,
        `ST03 '${first.version}' is a 277 but not a claim acknowledgement (277CA, 005010X214).`,
      );
    }
    return { ...read277(doc, transactions), warnings };
  }
  throw x12Error(first.st, `this is an X12 ${first.code}, not an acknowledgement (999 or 277CA).`);
}

/** The acknowledgement's verdict per claim, for 999s by transaction set: for summaries and messages. */
export function summarizeAcknowledgement(ack: Acknowledgement): { accepted: number; rejected: number } {
  if (ack.kind === "999") {
    let accepted = 0;
    let rejected = 0;
    for (const t of ack.transactionSets) t.verdict === "rejected" ? rejected++ : accepted++;
    return { accepted, rejected };
  }
  const rejected = ack.claims.filter((c) => c.verdict === "rejected").length;
  return { accepted: ack.claims.length - rejected, rejected };
}
