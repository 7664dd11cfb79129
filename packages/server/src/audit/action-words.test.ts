import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { AUDIT_ACTION_WORDS, actionInWords } from "@salus/core/audit/action-words";
import { describe, expect, it } from "vitest";

/**
 * Issue 10 item 8: the patient's access report shows every action in plain words. This test reads the
 * source of the server and the CLI for every audit action code they can write and checks that each has
 * words in core audit/action-words.ts. It finds:
 * - literals after `action:` (`action: "note.read"`);
 * - any other string literal whose first segment is an action domain (`disabled ? "user.disable" :
 *   "user.enable"`; table columns like `users.email` have other first segments);
 * - template literals after `action:`, which must be listed in DYNAMIC below with every value they take,
 *   so a new computed action cannot slip past.
 */
const ROOTS = ["packages/server/src", "packages/cli/src"].map((p) =>
  resolve(import.meta.dirname, "../../../..", p),
);

const DYNAMIC: Record<string, readonly string[]> = {
  // billing/review-charge.ts and billing/correct-claim.ts: the decision on a charge, the correction of a claim
  "billing.charge.${decision}": ["approve", "hold", "void", "edit"].map((d) => `billing.charge.${d}`),
  "billing.claim.${what}": ["replace", "void", "secondary", "close"].map((w) => `billing.claim.${w}`),
  // clinical/chart-lists.ts: RESOURCE[kind].action is problem, allergy or medication
  "${RESOURCE[kind].action}.search": ["problem", "allergy", "medication"].map((k) => `${k}.search`),
  "${RESOURCE[kind].action}.create": ["problem", "allergy", "medication"].map((k) => `${k}.create`),
  "${RESOURCE[kind].action}.update": ["problem", "allergy", "medication"].map((k) => `${k}.update`),
  "${RESOURCE[kind].action}.entered-in-error": ["problem", "allergy", "medication"].map(
    (k) => `${k}.entered-in-error`,
  ),
  "${RESOURCE[kind].action}.history": ["problem", "allergy", "medication"].map((k) => `${k}.history`),
  // directory/locations.ts
  '${table === "rooms" ? "room" : "equipment"}.create': ["room.create", "equipment.create"],
  '${table === "rooms" ? "room" : "equipment"}.update': ["room.update", "equipment.update"],
  // scheduling/change-series.ts: SeriesChange.action is cancel or move
  "appointment.series.${change.action}": ["appointment.series.cancel", "appointment.series.move"],
  // fhir/fhir-records-routes.ts: RecordType
  ...Object.fromEntries(
    ["search", "read"].map((verb) => [
      `fhir.\${type.toLowerCase()}.${verb}`,
      ["encounter", "condition", "procedure", "coverage", "documentreference"].map(
        (t) => `fhir.${t}.${verb}`,
      ),
    ]),
  ),
};

const FILE_EXTENSION = /^(pdf|json|jsonl|csv|txt|ndjson|xml|html|ics|zip|gz|db|keys|seals|backup)$/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "node_modules" && name !== "testing") out.push(...sourceFiles(p));
    } else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

function emitted(): { codes: Map<string, string>; templates: Map<string, string> } {
  const codes = new Map<string, string>();
  const templates = new Map<string, string>();
  const files = ROOTS.flatMap(sourceFiles);
  const texts = files.map((f) => [
    relative(resolve(import.meta.dirname, "../../../.."), f),
    readFileSync(f, "utf8"),
  ]);
  for (const [file, text] of texts) {
    for (const m of text!.matchAll(/\baction: "([a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+)"/g))
      codes.set(m[1]!, file!);
    for (const m of text!.matchAll(/\baction: `([^`]+)`/g)) templates.set(m[1]!, file!);
  }
  const domains = new Set([...codes.keys()].map((c) => c.split(".")[0]!));
  for (const [file, raw] of texts) {
    // Domain event names (platform/event-bus.ts) look like action codes but are never written to the trail.
    const text = raw!.replace(/defineEvent<[^>]*>\("[^"]*"\)/g, "");
    for (const m of text.matchAll(/"([a-z][a-z0-9_-]*)\.([a-z0-9_-]+(?:\.[a-z0-9_-]+)*)"/g)) {
      // File names ("record.pdf", "outbox.jsonl") share a domain's first segment; they are not actions.
      if (FILE_EXTENSION.test(m[2]!)) continue;
      if (domains.has(m[1]!) && !codes.has(`${m[1]}.${m[2]}`)) codes.set(`${m[1]}.${m[2]}`, file!);
    }
  }
  return { codes, templates };
}

describe("every audit action has plain words", () => {
  const { codes, templates } = emitted();

  it("finds the action codes the code base writes (the scan itself works)", () => {
    expect(codes.size).toBeGreaterThan(100);
    for (const known of ["note.read", "permission.denied", "user.enable", "appointment.link.respond"])
      expect(codes.has(known), known).toBe(true);
  });

  it("each literal action code has words", () => {
    const missing = [...codes].filter(([code]) => !AUDIT_ACTION_WORDS[code]).map(([c, f]) => `${c} (${f})`);
    expect(missing, "add words for these codes to core/src/audit/action-words.ts").toEqual([]);
  });

  it("each computed action is listed with its values, and each value has words", () => {
    const unknown = [...templates].filter(([t]) => !DYNAMIC[t]).map(([t, f]) => `\`${t}\` (${f})`);
    expect(unknown, "list these computed actions and their values in DYNAMIC").toEqual([]);
    const missing = Object.values(DYNAMIC)
      .flat()
      .filter((c) => !AUDIT_ACTION_WORDS[c]);
    expect(missing).toEqual([]);
  });

  it("words are words, not the code again", () => {
    for (const [code, words] of Object.entries(AUDIT_ACTION_WORDS)) {
      expect(words, code).not.toBe(code);
      expect(words, code).toMatch(/^[A-Z]/);
      expect(actionInWords(code)).toBe(words);
    }
  });
});
