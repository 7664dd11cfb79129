import { csvRow, DomainError, dateInZone, ROLE_LABELS, type Role } from "@salus/core";
import { accountingStart, actionInWords } from "@salus/core/privacy/patient-rights";
import { DateTime } from "luxon";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatient } from "./patient-scope.ts";
import { practiceZone } from "./practice-zone.ts";
import type { AccessReport, AccessReportEntry } from "./schemas.ts";

export type { AccessReport, AccessReportEntry } from "./schemas.ts";

/**
 * "Who looked at my record": every entry of the audit trail about the patient (reads, changes, refusals,
 * searches whose results listed them), with who (name and roles), when, what in plain words, the outcome
 * and whether it was under break-glass. Drawn from the tamper-evident trail, so it cannot be edited.
 */

const MAX_ENTRIES = 50_000;

function parseDetail(detail: string | null): Record<string, unknown> {
  if (!detail) return {};
  try {
    const v = JSON.parse(detail);
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Start of `from` and end of `to` in the practice's zone, as UTC instants. */
function range(from: string, to: string, zone: string): { start: string; end: string } {
  const start = DateTime.fromISO(from, { zone }).startOf("day");
  const end = DateTime.fromISO(to, { zone }).endOf("day");
  if (!start.isValid || !end.isValid)
    throw new DomainError("invalid_request", "from and to must be real dates.");
  return { start: start.toUTC().toISO()!, end: end.toUTC().toISO()! };
}

export async function accessReport(
  services: Services,
  actor: Actor,
  patientId: string,
  options: { from?: string | undefined; to?: string | undefined; format: "json" | "csv" | "pdf" },
): Promise<AccessReport> {
  const zone = await practiceZone(services, actor);
  const now = services.clock();
  const today = dateInZone(now, zone);
  const from = options.from ?? accountingStart(today);
  const to = options.to ?? today;
  if (from > to) {
    throw new DomainError("invalid_request", "from must not be after to.", [
      { path: "from", message: "is after to" },
    ]);
  }
  const { start, end } = range(from, to, zone);
  return audited(
    services,
    actor,
    {
      action: "privacy.access-report",
      resourceType: "AuditEvent",
      patientId,
      detail: { from, to, format: options.format },
    },
    async (trx) => {
      await requirePatient(trx, services, actor, patientId, "privacy");
      const patient = await trx
        .selectFrom("patients")
        .select(["given_name", "family_name", "mrn"])
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", patientId)
        .executeTakeFirstOrThrow();
      // Searches record the ids they returned in detail.ids (patient_id is null there); a UUID in quotes
      // cannot match anything but that id, so the LIKE is exact.
      const rows = await trx
        .selectFrom("audit_entries")
        .leftJoin("users", "users.id", "audit_entries.user_id")
        .select([
          "audit_entries.at",
          "audit_entries.seq",
          "audit_entries.user_id",
          "audit_entries.actor",
          "audit_entries.action",
          "audit_entries.outcome",
          "audit_entries.detail",
          "users.display_name",
        ])
        .where("audit_entries.organization_id", "=", actor.organizationId)
        .where("audit_entries.at", ">=", start)
        .where("audit_entries.at", "<=", end)
        .where((eb) =>
          eb.or([
            eb("audit_entries.patient_id", "=", patientId),
            eb.and([
              eb("audit_entries.patient_id", "is", null),
              eb("audit_entries.action", "like", "%.search"),
              eb("audit_entries.detail", "like", `%"${patientId.replace(/[%_"\\]/g, "")}"%`),
            ]),
          ]),
        )
        .orderBy("audit_entries.at", "desc")
        .orderBy("audit_entries.seq", "desc")
        .limit(MAX_ENTRIES + 1)
        .execute();
      const userIds = [...new Set(rows.map((r) => r.user_id).filter((x): x is string => !!x))];
      const roles = new Map<string, string[]>();
      if (userIds.length) {
        const memberships = await trx
          .selectFrom("memberships")
          .select(["user_id", "role"])
          .where("organization_id", "=", actor.organizationId)
          .where("user_id", "in", userIds)
          .orderBy("role")
          .execute();
        for (const m of memberships) {
          roles.set(m.user_id, [...(roles.get(m.user_id) ?? []), ROLE_LABELS[m.role as Role] ?? m.role]);
        }
      }
      const items = rows.slice(0, MAX_ENTRIES).map((r): AccessReportEntry => {
        const detail = parseDetail(r.detail);
        return {
          at: r.at,
          userId: r.user_id,
          userName: r.display_name ?? null,
          userEmail: r.actor,
          roles: r.user_id ? (roles.get(r.user_id) ?? []) : [],
          action: r.action,
          actionText: actionInWords(r.action),
          outcome: r.outcome,
          breakGlass: detail.access === "break-glass" || typeof detail.breakGlassId === "string",
          via: typeof detail.via === "string" ? detail.via : null,
        };
      });
      return {
        patientId,
        patientName: `${patient.given_name} ${patient.family_name}`,
        mrn: patient.mrn,
        from,
        to,
        timeZone: zone,
        producedAt: now.toISOString(),
        items,
        truncated: rows.length > MAX_ENTRIES,
      };
    },
  );
}

const OUTCOME_WORDS = { success: "allowed", failure: "failed", denied: "refused" } as const;

/** The report as CSV (formula-safe cells): a user name like `=HYPERLINK(...)` stays text. */
export function accessReportCsv(r: AccessReport): string {
  let out = csvRow(["when_utc", "user", "email", "roles", "what", "outcome", "break_glass", "action_code"]);
  for (const e of r.items) {
    out += csvRow([
      e.at,
      e.userName,
      e.userEmail,
      e.roles.join("; "),
      e.actionText,
      OUTCOME_WORDS[e.outcome],
      e.breakGlass ? "yes" : "no",
      e.action,
    ]);
  }
  return out;
}

export { OUTCOME_WORDS };
