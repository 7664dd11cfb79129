/**
 * X12 tokenizer: one pass over the text, separators read from the ISA segment (element separator at
 * ISA's fourth character, repetition separator in ISA11, sub-element separator in ISA16, segment
 * terminator right after it), no regular expression per segment and no copy of the text. Elements are
 * kept whole; `components` and `repetitions` split one element only when a reader asks for it, which is
 * what keeps this several times faster than a reader that splits every composite up front.
 *
 * Errors are `invalid_request` DomainErrors whose message and detail path name the segment by its number
 * (1-based, counting from ISA), so a biller can find it in the file.
 */
import { DomainError } from "../../shared/domain-error.ts";

export interface X12Separators {
  element: string;
  subElement: string;
  /** ISA11 when it is a separator (5010: usually '^'); null for files that carry the 'U' standards id. */
  repetition: string | null;
  segment: string;
}

export interface X12Segment {
  /** The segment identifier (ISA, GS, NM1, ...). */
  id: string;
  /** elements[0] is the identifier, elements[1] the first data element (so elements[3] is NM103). */
  elements: string[];
  /** 1-based position in the file, counting ISA as 1. */
  number: number;
}

export interface X12Document {
  separators: X12Separators;
  segments: X12Segment[];
}

/** An error naming the segment (number and identifier) it was found in. */
export function x12Error(segment: { number: number; id: string } | null, message: string): DomainError {
  const where = segment ? `Segment ${segment.number} (${segment.id || "no identifier"})` : "The file";
  const text = `${where}: ${message}`;
  return new DomainError("invalid_request", text, [
    { path: segment ? `segment.${segment.number}` : "file", message: text },
  ]);
}

// ISA01..ISA16 are fixed width: this is what lets the separators be read before anything is split.
const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1] as const;
const ISA_LENGTH = 3 + ISA_WIDTHS.reduce((a, w) => a + w + 1, 0) + 1; // 106 with the terminator

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Reads the separators from the ISA at `start`, checking ISA's fixed widths. */
function readSeparators(text: string, start: number): X12Separators {
  const isa = { number: 1, id: "ISA" };
  if (text.length - start < ISA_LENGTH) {
    throw x12Error(isa, `the interchange header is ${text.length - start} characters long; ISA needs 106.`);
  }
  const element = text.charAt(start + 3);
  if (isAlnum(element.charCodeAt(0)) || element === " ") {
    throw x12Error(isa, `'${element}' cannot be the element separator (the fourth character of ISA).`);
  }
  // ISA01..ISA15 each end at the element separator exactly `width` characters on.
  let at = start + 4;
  let repetition = "";
  for (let i = 0; i < ISA_WIDTHS.length - 1; i++) {
    const width = ISA_WIDTHS[i] as number;
    const sep = text.indexOf(element, at);
    if (sep < 0 || sep - at !== width) {
      const found = sep < 0 ? text.length - at : sep - at;
      throw x12Error(
        isa,
        `ISA${String(i + 1).padStart(2, "0")} must be exactly ${width} characters wide, found ${found}.`,
      );
    }
    if (i === 10) repetition = text.charAt(at);
    at = sep + 1;
  }
  // ISA16 is the sub-element separator; the character after it ends the segment.
  const subElement = text.charAt(at);
  const segment = text.charAt(at + 1);
  if (subElement === element || segment === element || segment === subElement) {
    throw x12Error(isa, "the element, sub-element (ISA16) and segment separators must all differ.");
  }
  if (isAlnum(segment.charCodeAt(0))) {
    throw x12Error(isa, `'${segment}' after ISA16 cannot be the segment terminator.`);
  }
  const distinct = !isAlnum(repetition.charCodeAt(0)) && repetition !== element && repetition !== subElement;
  return { element, subElement, repetition: distinct && repetition !== segment ? repetition : null, segment };
}

/**
 * Splits an X12 interchange into segments. Line breaks between segments are ignored (many files put one
 * after each terminator); a segment that is never terminated, an identifier that is not 2-3 capital
 * letters or digits, or a file that does not start with ISA is refused naming the segment.
 */
export function tokenizeX12(text: string): X12Document {
  let start = 0;
  const n = text.length;
  // A byte-order mark or blank lines before ISA are harmless.
  while (start < n) {
    const c = text.charCodeAt(start);
    if (c === 0xfeff || c === 32 || c === 9 || c === 10 || c === 13) start++;
    else break;
  }
  if (start >= n) throw x12Error(null, "the file is empty.");
  if (
    text.charCodeAt(start) !== 73 ||
    text.charCodeAt(start + 1) !== 83 ||
    text.charCodeAt(start + 2) !== 65
  ) {
    let end = start;
    while (end < n && end < start + 3 && isAlnum(text.charCodeAt(end))) end++;
    const first = text.slice(start, end);
    throw x12Error(
      { number: 1, id: first },
      "an X12 interchange must start with an ISA segment (interchange control header).",
    );
  }
  const separators = readSeparators(text, start);
  const elem = separators.element.charCodeAt(0);
  const term = separators.segment.charCodeAt(0);
  const segments: X12Segment[] = [];
  let i = start;
  let number = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if ((c === 10 || c === 13 || c === 32 || c === 9) && c !== term && c !== elem) {
      i++;
      continue;
    }
    number++;
    const elements: string[] = [];
    let fieldStart = i;
    let j = i;
    for (; j < n; j++) {
      const d = text.charCodeAt(j);
      if (d === elem) {
        elements.push(text.slice(fieldStart, j));
        fieldStart = j + 1;
      } else if (d === term) break;
    }
    elements.push(text.slice(fieldStart, j));
    const id = elements[0] as string;
    const segment = { id, elements, number };
    if (!isSegmentId(id)) {
      throw x12Error(segment, `'${id}' is not a segment identifier (2 or 3 capital letters and digits).`);
    }
    if (j >= n) {
      throw x12Error(
        segment,
        `the segment is not terminated by '${separators.segment}': the file is truncated.`,
      );
    }
    segments.push(segment);
    i = j + 1;
  }
  return { separators, segments };
}

function isSegmentId(id: string): boolean {
  const len = id.length;
  if (len < 2 || len > 3) return false;
  const first = id.charCodeAt(0);
  if (first < 65 || first > 90) return false;
  for (let k = 1; k < len; k++) {
    const c = id.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) return false;
  }
  return true;
}

/** The components of a composite element (a plain element answers itself). */
export function components(element: string | undefined, separators: X12Separators): string[] {
  if (!element) return [];
  return element.split(separators.subElement);
}

/** The repetitions of a repeated element. */
export function repetitions(element: string | undefined, separators: X12Separators): string[] {
  if (!element) return [];
  return separators.repetition ? element.split(separators.repetition) : [element];
}

export interface X12Transaction {
  /** ST01: 837, 999, 277, 835 ... */
  code: string;
  /** ST02. */
  controlNumber: string;
  /** ST03 (implementation convention reference), when present. */
  version: string;
  st: X12Segment;
  /** The segments between ST and SE, both excluded. */
  body: X12Segment[];
}

export interface X12Group {
  /** GS01: HC (837), FA (999), HN (277), HP (835). */
  functionalId: string;
  /** GS06. */
  controlNumber: string;
  gs: X12Segment;
  transactions: X12Transaction[];
}

export interface X12Interchange {
  controlNumber: string;
  isa: X12Segment;
  groups: X12Group[];
}

/**
 * Checks the envelopes of a tokenized file: every ISA closed by an IEA, GS by GE, ST by SE with matching
 * control numbers and counts (IEA01 groups, GE01 transaction sets, SE01 segments including ST and SE).
 */
export function readEnvelopes(doc: X12Document, options: { warnings?: string[] } = {}): X12Interchange[] {
  // A received file whose IEA02/GE02 do not echo ISA13/GS06 is still readable (the counts say nothing
  // is missing); a reader that passes `warnings` gets the mismatch there instead of a refusal.
  const mismatch = (s: X12Segment, message: string) => {
    if (options.warnings) options.warnings.push(`Segment ${s.number} (${s.id}): ${message}`);
    else throw x12Error(s, message);
  };
  const out: X12Interchange[] = [];
  let interchange: X12Interchange | null = null;
  let group: X12Group | null = null;
  let transaction: X12Transaction | null = null;
  for (const s of doc.segments) {
    const e = s.elements;
    if (transaction && s.id !== "SE") {
      if (s.id === "ST" || s.id === "GE" || s.id === "IEA" || s.id === "GS" || s.id === "ISA") {
        throw x12Error(
          s,
          `transaction set ${transaction.controlNumber} (segment ${transaction.st.number}) has no SE.`,
        );
      }
      transaction.body.push(s);
      continue;
    }
    switch (s.id) {
      case "ISA":
        if (interchange)
          throw x12Error(s, `interchange ${interchange.controlNumber} has no IEA before this ISA.`);
        interchange = { controlNumber: e[13] ?? "", isa: s, groups: [] };
        break;
      case "IEA":
        if (!interchange) throw x12Error(s, "IEA without an ISA.");
        if (group) throw x12Error(s, `functional group ${group.controlNumber} has no GE.`);
        if (e[2] !== interchange.controlNumber) {
          mismatch(s, `IEA02 ${e[2]} does not match ISA13 ${interchange.controlNumber}.`);
        }
        if (Number(e[1]) !== interchange.groups.length) {
          throw x12Error(
            s,
            `IEA01 says ${e[1]} functional groups; the interchange has ${interchange.groups.length}.`,
          );
        }
        out.push(interchange);
        interchange = null;
        break;
      case "GS":
        if (!interchange) throw x12Error(s, "GS outside an interchange (no ISA before it).");
        if (group) throw x12Error(s, `functional group ${group.controlNumber} has no GE before this GS.`);
        group = { functionalId: e[1] ?? "", controlNumber: e[6] ?? "", gs: s, transactions: [] };
        break;
      case "GE":
        if (!group || !interchange) throw x12Error(s, "GE without a GS.");
        if (e[2] !== group.controlNumber) {
          mismatch(s, `GE02 ${e[2]} does not match GS06 ${group.controlNumber}.`);
        }
        if (Number(e[1]) !== group.transactions.length) {
          throw x12Error(
            s,
            `GE01 says ${e[1]} transaction sets; the group has ${group.transactions.length}.`,
          );
        }
        interchange.groups.push(group);
        group = null;
        break;
      case "ST":
        if (!group) throw x12Error(s, "ST outside a functional group (no GS before it).");
        transaction = { code: e[1] ?? "", controlNumber: e[2] ?? "", version: e[3] ?? "", st: s, body: [] };
        break;
      case "SE": {
        if (!transaction || !group) throw x12Error(s, "SE without an ST.");
        if (e[2] !== transaction.controlNumber) {
          throw x12Error(s, `SE02 ${e[2]} does not match ST02 ${transaction.controlNumber}.`);
        }
        const count = transaction.body.length + 2;
        if (Number(e[1]) !== count) {
          throw x12Error(s, `SE01 says ${e[1]} segments; the transaction set has ${count} (ST to SE).`);
        }
        group.transactions.push(transaction);
        transaction = null;
        break;
      }
      default:
        throw x12Error(s, "segment outside a transaction set (between envelopes).");
    }
  }
  const last = doc.segments[doc.segments.length - 1] ?? null;
  if (transaction)
    throw x12Error(last, `transaction set ${transaction.controlNumber} has no SE: the file is truncated.`);
  if (group)
    throw x12Error(last, `functional group ${group.controlNumber} has no GE: the file is truncated.`);
  if (interchange)
    throw x12Error(last, `interchange ${interchange.controlNumber} has no IEA: the file is truncated.`);
  return out;
}
