/**
 * Per-payer tuning of the scrubber: a practice-wide setting (payerRef '') overrides a rule's defaults, a
 * payer's own setting overrides the practice-wide one. Parameters merge key by key, so a payer that only
 * changes one parameter keeps the others.
 */
import type { ErrorDetail } from "../../shared/domain-error.ts";
import { SCRUB_RULES, SCRUB_SEVERITIES, type ScrubSeverity, scrubRule } from "./rules.ts";

export type ScrubParams = Readonly<Record<string, unknown>>;

/** One stored setting (table scrub_rule_settings): payerRef '' applies to every payer. */
export interface ScrubRuleSetting {
  payerRef: string;
  ruleId: string;
  enabled: boolean;
  severity: ScrubSeverity | null;
  params: ScrubParams | null;
}

export interface EffectiveRule {
  enabled: boolean;
  severity: ScrubSeverity;
  params: ScrubParams;
}

export type EffectiveRules = ReadonlyMap<string, EffectiveRule>;

function defaultsOf(ruleId: string): ScrubParams {
  const def = scrubRule(ruleId);
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(def?.params ?? {})) out[k] = spec.default;
  return out;
}

/** Every rule as it applies to claims to `payerRef` (null: no payer, practice-wide settings only). */
export function effectiveRules(
  settings: readonly ScrubRuleSetting[],
  payerRef: string | null,
): EffectiveRules {
  const out = new Map<string, EffectiveRule>();
  for (const r of SCRUB_RULES)
    out.set(r.id, { enabled: true, severity: r.defaultSeverity, params: defaultsOf(r.id) });
  // Practice-wide first, then the payer's own: the more specific setting wins.
  const ordered = [
    ...settings.filter((s) => s.payerRef === ""),
    ...(payerRef ? settings.filter((s) => s.payerRef === payerRef) : []),
  ];
  for (const s of ordered) {
    const base = out.get(s.ruleId);
    if (!base) continue; // a setting of a rule this version no longer has is ignored, never an error
    out.set(s.ruleId, {
      enabled: s.enabled,
      severity: s.severity ?? base.severity,
      params: { ...base.params, ...dropNulls(s.params) },
    });
  }
  return out;
}

function dropNulls(params: ScrubParams | null): ScrubParams {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params ?? {})) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

const MAX_PATTERN = 200;

/**
 * Checks a setting before it is stored: a known rule, a known severity, and each parameter of the kind the
 * rule declares (whole numbers in range, a regular expression that compiles, a list of short codes).
 * Answers one detail per problem with the field's path; empty when the setting is fine.
 */
export function checkScrubRuleSetting(setting: {
  ruleId: string;
  severity?: string | null;
  params?: Record<string, unknown> | null;
}): ErrorDetail[] {
  const def = scrubRule(setting.ruleId);
  if (!def)
    return [{ path: "ruleId", message: `There is no scrubber rule ${JSON.stringify(setting.ruleId)}.` }];
  const errors: ErrorDetail[] = [];
  if (setting.severity != null && !(SCRUB_SEVERITIES as readonly string[]).includes(setting.severity))
    errors.push({ path: "severity", message: "Severity must be error or warning." });
  for (const [key, value] of Object.entries(setting.params ?? {})) {
    const spec = def.params[key];
    const path = `params.${key}`;
    if (!spec) {
      const known = Object.keys(def.params);
      errors.push({
        path,
        message: known.length
          ? `Rule ${def.id} has no parameter ${key}; it has ${known.join(", ")}.`
          : `Rule ${def.id} has no parameters.`,
      });
      continue;
    }
    if (value === null) continue; // back to the default
    if (spec.kind === "integer") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < spec.min || value > spec.max)
        errors.push({
          path,
          message: `${spec.label} must be a whole number from ${spec.min} to ${spec.max}.`,
        });
    } else if (spec.kind === "pattern") {
      if (typeof value !== "string" || value.length === 0 || value.length > MAX_PATTERN) {
        errors.push({
          path,
          message: `${spec.label} must be a regular expression of 1 to ${MAX_PATTERN} characters.`,
        });
      } else if (!compilePattern(value)) {
        errors.push({ path, message: `${JSON.stringify(value)} is not a valid regular expression.` });
      }
    } else if (
      !Array.isArray(value) ||
      value.length > 500 ||
      !value.every((v) => typeof v === "string" && /^[A-Za-z0-9-]{1,20}$/.test(v))
    ) {
      errors.push({
        path,
        message: `${spec.label} must be a list of codes (letters, digits, hyphens), at most 500.`,
      });
    }
  }
  return errors;
}

const PATTERNS = new Map<string, RegExp | null>();

/**
 * A member-id pattern as a whole-string regular expression, or null when it does not compile. Compiled
 * once per pattern: scrubbing 10,000 claims must not compile 10,000 regular expressions.
 */
export function compilePattern(pattern: string): RegExp | null {
  let re = PATTERNS.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${pattern})$`, "u");
    } catch {
      re = null;
    }
    if (PATTERNS.size > 1000) PATTERNS.clear();
    PATTERNS.set(pattern, re);
  }
  return re;
}
