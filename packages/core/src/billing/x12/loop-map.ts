/**
 * Checks X12 segments against a loop map (the 837P 005010X222A1 map of imsweb/x12-parser, from pyx12,
 * BSD licensed: maps/LICENSE-imsweb-x12-parser.txt), converted to JSON by scripts/build-x12-map.ts.
 *
 * The walk: each segment is placed at the first position, at or after the current one, of the innermost
 * loop that can hold it, else of an enclosing loop (closing the inner ones), else it is out of place. A
 * segment starts a loop when it matches the loop's first segment: same identifier and, where the map
 * lists codes for the qualifier (NM101, HL03, DTP01, REF01, the first component of HI01...), one of them.
 * Checked: required loops and segments present, repeat and use limits, element usage (required present,
 * not-used absent), listed codes, lengths, and no element beyond the map. Every finding names the
 * segment's number, its loop and the element, so a wrong batch is refused with a reason.
 */
import type { X12Segment } from "./tokenizer.ts";

export type Usage = "R" | "S" | "N";

export interface MapElement {
  id: string;
  usage: Usage;
  type?: string;
  min?: number;
  max?: number;
  codes?: string[];
  pattern?: string;
  /** Present for a composite element. */
  parts?: MapElement[];
}

export interface MapSegment {
  seg: string;
  name: string;
  usage: Usage;
  maxUse: number | null;
  elements: MapElement[];
}

export interface MapLoop {
  loop: string;
  name: string;
  usage: Usage;
  repeat: number | null;
  kind?: string;
  children: (MapLoop | MapSegment)[];
}

export interface LoopMapJson {
  source: string;
  transaction: string;
  root: MapLoop;
}

export interface MapFinding {
  segmentNumber: number;
  segmentId: string;
  loop: string;
  element?: string;
  message: string;
}

interface CompiledElement {
  id: string;
  usage: Usage;
  type: string;
  min: number;
  max: number;
  codes: Set<string> | null;
  parts: CompiledElement[] | null;
}

interface CompiledSegment {
  kind: "seg";
  id: string;
  name: string;
  usage: Usage;
  maxUse: number;
  elements: CompiledElement[];
  /** The element (1-based) and code set that tell this segment from its namesakes in the same loop. */
  keyIndex: number;
  keyCodes: Set<string> | null;
  keyComposite: boolean;
}

interface CompiledLoop {
  kind: "loop";
  id: string;
  name: string;
  usage: Usage;
  repeat: number;
  children: (CompiledLoop | CompiledSegment)[];
}

export type CompiledMap = CompiledLoop;

function compileElement(e: MapElement): CompiledElement {
  return {
    id: e.id,
    usage: e.usage,
    type: e.type ?? "AN",
    min: e.min ?? 0,
    max: e.max ?? Number.POSITIVE_INFINITY,
    codes: e.codes && e.codes.length > 0 ? new Set(e.codes) : null,
    parts: e.parts ? e.parts.map(compileElement) : null,
  };
}

function compileNode(n: MapLoop | MapSegment): CompiledLoop | CompiledSegment {
  if ("seg" in n) {
    const elements = n.elements.map(compileElement);
    let keyIndex = 0;
    let keyCodes: Set<string> | null = null;
    let keyComposite = false;
    // pyx12's rule: the first of the first three elements that is required and lists codes.
    for (let i = 0; i < Math.min(3, elements.length); i++) {
      const el = elements[i] as CompiledElement;
      const codes = el.parts ? (el.parts[0]?.codes ?? null) : el.codes;
      if (el.usage === "R" && codes) {
        keyIndex = i + 1;
        keyCodes = codes;
        keyComposite = el.parts !== null;
        break;
      }
    }
    return {
      kind: "seg",
      id: n.seg,
      name: n.name,
      usage: n.usage,
      maxUse: n.maxUse ?? Number.POSITIVE_INFINITY,
      elements,
      keyIndex,
      keyCodes,
      keyComposite,
    };
  }
  return {
    kind: "loop",
    id: n.loop,
    name: n.name,
    usage: n.usage,
    repeat: n.repeat ?? Number.POSITIVE_INFINITY,
    children: n.children.map(compileNode),
  };
}

/** Prepares a map for checking (sets of codes, the key element of each segment). */
export function compileLoopMap(json: LoopMapJson): CompiledMap {
  return compileNode(json.root) as CompiledLoop;
}

function segmentMatches(s: X12Segment, m: CompiledSegment, subSep: string): boolean {
  if (s.id !== m.id) return false;
  if (!m.keyCodes) return true;
  let value = s.elements[m.keyIndex];
  if (value === undefined) return false;
  if (m.keyComposite) {
    const k = value.indexOf(subSep);
    if (k >= 0) value = value.slice(0, k);
  }
  return m.keyCodes.has(value);
}

function loopMatches(s: X12Segment, l: CompiledLoop, subSep: string): boolean {
  const first = l.children[0];
  if (!first) return false;
  return first.kind === "seg" ? segmentMatches(s, first, subSep) : loopMatches(s, first, subSep);
}

interface Frame {
  loop: CompiledLoop;
  idx: number;
  counts: number[];
}

function newFrame(loop: CompiledLoop): Frame {
  const counts: number[] = [];
  for (let i = 0; i < loop.children.length; i++) counts.push(0);
  return { loop, idx: 0, counts };
}

function valueLength(value: string, type: string): number {
  // R, N, N0, N1, N2 count digits only.
  if (type !== "R" && type.charCodeAt(0) !== 78 /* N */) return value.length;
  // Numeric lengths count digits only (no sign, no decimal point).
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

// No closure is made per segment or value: the checker runs over every segment of a 10,000-claim batch,
// and a closure per call (plus its name, under tsx) cost more than the checks themselves.
function report(findings: MapFinding[], s: X12Segment, loop: string, element: string, message: string): void {
  findings.push({ segmentNumber: s.number, segmentId: s.id, loop, element, message });
}

function checkValue(
  value: string,
  el: CompiledElement,
  s: X12Segment,
  loop: string,
  findings: MapFinding[],
  subSep: string,
): void {
  if (value === "") {
    if (el.usage === "R") report(findings, s, loop, el.id, `${el.id} is required and is empty.`);
    return;
  }
  if (el.usage === "N") {
    report(
      findings,
      s,
      loop,
      el.id,
      `${el.id} is not used in this implementation and must be empty (found '${value}').`,
    );
    return;
  }
  if (el.parts) {
    const parts = value.indexOf(subSep) < 0 ? [value] : value.split(subSep);
    if (parts.length > el.parts.length) {
      report(
        findings,
        s,
        loop,
        el.id,
        `${el.id} has ${parts.length} components; at most ${el.parts.length}.`,
      );
    }
    for (let i = 0; i < el.parts.length; i++) {
      checkValue(parts[i] ?? "", el.parts[i] as CompiledElement, s, loop, findings, subSep);
    }
    return;
  }
  if (el.codes && !el.codes.has(value)) {
    const list = [...el.codes].slice(0, 12).join(", ");
    report(
      findings,
      s,
      loop,
      el.id,
      `${el.id} '${value}' is not one of the codes this implementation allows (${list}${el.codes.size > 12 ? ", ..." : ""}).`,
    );
    return;
  }
  const len = valueLength(value, el.type);
  if (len < el.min || len > el.max) {
    report(
      findings,
      s,
      loop,
      el.id,
      `${el.id} '${value}' is ${len} characters long; it must be ${el.min === el.max ? el.min : `${el.min} to ${el.max}`}.`,
    );
  }
}

/**
 * Walks `segments` (ISA to IEA of one interchange, or ST to SE when `map` starts there) through the
 * map; answers every finding (empty when the segments fit). `subSep` is the sub-element separator.
 */
export function checkLoopMap(
  segments: readonly X12Segment[],
  map: CompiledMap,
  subSep: string,
): MapFinding[] {
  return walk(segments.length, (i) => segments[i] as X12Segment, map, subSep);
}

/**
 * The same for segments still as element arrays (elements[0] the identifier), numbered from 1: what the
 * writer checks before it joins them into text. One cursor object is reused for every segment (nothing
 * keeps it: findings copy its number and identifier), so a 200,000-segment batch allocates no wrappers.
 */
export function checkElementsAgainstMap(
  rows: readonly (readonly string[])[],
  map: CompiledMap,
  subSep: string,
): MapFinding[] {
  const cursor: X12Segment = { id: "", elements: [], number: 0 };
  return walk(
    rows.length,
    (i) => {
      const row = rows[i] as string[];
      cursor.id = row[0] ?? "";
      cursor.elements = row;
      cursor.number = i + 1;
      return cursor;
    },
    map,
    subSep,
  );
}

function walk(
  count: number,
  segmentAt: (i: number) => X12Segment,
  map: CompiledMap,
  subSep: string,
): MapFinding[] {
  const findings: MapFinding[] = [];
  const root: CompiledLoop = { kind: "loop", id: "", name: "", usage: "R", repeat: 1, children: [map] };
  const frames: Frame[] = [{ loop: root, idx: -1, counts: [0] }];
  const limit = 200;

  const closeMissing = (frame: Frame, from: number, to: number, at: X12Segment | null) => {
    for (let j = from; j < to; j++) {
      const c = frame.loop.children[j];
      if (c && c.usage === "R" && frame.counts[j] === 0) {
        findings.push({
          segmentNumber: at?.number ?? 0,
          segmentId: at?.id ?? "",
          loop: frame.loop.id,
          message:
            c.kind === "seg"
              ? `required segment ${c.id} (${c.name}) of loop ${frame.loop.id || "(envelope)"} is missing${at ? ` before segment ${at.number}` : ""}.`
              : `required loop ${c.id} (${c.name}) is missing${at ? ` before segment ${at.number}` : ""}.`,
        });
      }
    }
  };

  for (let n = 0; n < count; n++) {
    if (findings.length >= limit) break;
    const s = segmentAt(n);
    let placed = false;
    for (let d = frames.length - 1; d >= 0 && !placed; d--) {
      const frame = frames[d] as Frame;
      const children = frame.loop.children;
      for (let j = Math.max(frame.idx, 0); j < children.length; j++) {
        const c = children[j] as CompiledLoop | CompiledSegment;
        const matches = c.kind === "seg" ? segmentMatches(s, c, subSep) : loopMatches(s, c, subSep);
        if (!matches) continue;
        // Close the loops inside this one, reporting what they missed.
        while (frames.length - 1 > d) {
          const inner = frames.pop() as Frame;
          closeMissing(inner, inner.idx + 1, inner.loop.children.length, s);
        }
        closeMissing(frame, frame.idx + 1, j, s);
        frame.idx = j;
        frame.counts[j] = (frame.counts[j] ?? 0) + 1;
        if (c.kind === "seg") {
          if ((frame.counts[j] as number) > c.maxUse) {
            findings.push({
              segmentNumber: s.number,
              segmentId: s.id,
              loop: frame.loop.id,
              message: `${c.id} (${c.name}) appears ${frame.counts[j]} times in loop ${frame.loop.id}; at most ${c.maxUse}.`,
            });
          }
          checkSegment(s, c, frame.loop.id, findings, subSep);
        } else {
          if ((frame.counts[j] as number) > c.repeat) {
            findings.push({
              segmentNumber: s.number,
              segmentId: s.id,
              loop: c.id,
              message: `loop ${c.id} (${c.name}) repeats ${frame.counts[j]} times; at most ${c.repeat}.`,
            });
          }
          // Enter the loop (and any wrapper loops that start it) down to the segment itself.
          let loop: CompiledLoop = c;
          for (;;) {
            const f = newFrame(loop);
            f.counts[0] = 1;
            frames.push(f);
            const first = loop.children[0] as CompiledLoop | CompiledSegment;
            if (first.kind === "seg") {
              checkSegment(s, first, loop.id, findings, subSep);
              break;
            }
            loop = first;
          }
        }
        placed = true;
        break;
      }
    }
    if (!placed) {
      const here = frames[frames.length - 1] as Frame;
      findings.push({
        segmentNumber: s.number,
        segmentId: s.id,
        loop: here.loop.id,
        message: unplacedMessage(s, frames),
      });
    }
  }
  while (frames.length > 1) {
    const inner = frames.pop() as Frame;
    closeMissing(inner, inner.idx + 1, inner.loop.children.length, null);
  }
  closeMissing(frames[0] as Frame, 0, 1, null);
  return findings;
}

/** Why a segment fits nowhere: a namesake with another qualifier, or simply out of place. */
function unplacedMessage(s: X12Segment, frames: readonly Frame[]): string {
  const here = (frames[frames.length - 1] as Frame).loop.id || "(start)";
  for (let d = frames.length - 1; d >= 0; d--) {
    const frame = frames[d] as Frame;
    for (const c of frame.loop.children) {
      const seg = c.kind === "seg" ? c : firstSegment(c);
      if (seg && seg.id === s.id && seg.keyCodes) {
        const key = `${s.id}${String(seg.keyIndex).padStart(2, "0")}`;
        return `${key} '${s.elements[seg.keyIndex] ?? ""}' is not a qualifier expected here (in loop ${here}); expected one of ${[...seg.keyCodes].slice(0, 12).join(", ")} or another segment.`;
      }
    }
  }
  return `${s.id} is not expected here (in loop ${here}): out of order, or not part of this transaction.`;
}

function firstSegment(l: CompiledLoop): CompiledSegment | null {
  const first = l.children[0];
  if (!first) return null;
  return first.kind === "seg" ? first : firstSegment(first);
}

function checkSegment(
  s: X12Segment,
  m: CompiledSegment,
  loop: string,
  findings: MapFinding[],
  subSep: string,
): void {
  if (m.usage === "N") {
    findings.push({
      segmentNumber: s.number,
      segmentId: s.id,
      loop,
      message: `${s.id} is not used in loop ${loop}.`,
    });
    return;
  }
  const els = m.elements;
  if (s.elements.length - 1 > els.length) {
    report(
      findings,
      s,
      loop,
      s.id,
      `${s.id} has ${s.elements.length - 1} elements; the map defines ${els.length}.`,
    );
  }
  for (let i = 0; i < els.length; i++) {
    checkValue(s.elements[i + 1] ?? "", els[i] as CompiledElement, s, loop, findings, subSep);
  }
}

/** One finding as a sentence naming the segment, e.g. "Segment 12 (NM1, loop 2010AA): NM109 ...". */
export function describeFinding(f: MapFinding): string {
  if (f.segmentNumber === 0) return `End of the transaction: ${f.message}`;
  return `Segment ${f.segmentNumber} (${f.segmentId}${f.loop ? `, loop ${f.loop}` : ""}): ${f.message}`;
}
