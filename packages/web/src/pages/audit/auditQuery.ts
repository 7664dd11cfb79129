import type { AuditFilters } from "@salus/server/admin/schemas";
import { buildQuery } from "../../api/client.ts";
import { auditQuery } from "../../api/endpoints.ts";

export interface AuditForm {
  userId: string | null;
  patientId: string;
  action: string | null;
  /** Calendar dates `YYYY-MM-DD` in the browser's zone (inclusive range). */
  range: [string | null, string | null];
}

function localInstant(date: string, endOfDay: boolean): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const local = endOfDay ? new Date(y, m - 1, d, 23, 59, 59, 999) : new Date(y, m - 1, d, 0, 0, 0, 0);
  return local.toISOString();
}

/** The API filters for the form: the date range covers whole days in the user's time zone. */
export function toFilters(form: AuditForm): AuditFilters {
  const filters: AuditFilters = {};
  if (form.userId) filters.userId = form.userId;
  if (form.patientId.trim()) filters.patientId = form.patientId.trim();
  if (form.action) filters.action = form.action;
  const [from, to] = form.range;
  if (from) filters.from = localInstant(from, false);
  if (to ?? from) filters.to = localInstant((to ?? from)!, true);
  return filters;
}

/** The CSV export address for the same filters. */
export function exportHref(filters: AuditFilters): string {
  return `/api/audit/export.csv${buildQuery(auditQuery(filters))}`;
}
