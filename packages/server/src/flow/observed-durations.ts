import type { DurationTable } from "@salus/core/flow/projection";
import type { Trx } from "../db/transaction.ts";

const MINUTE = 60_000;
/** How far back observed durations are taken from. */
export const DURATION_WINDOW_DAYS = 120;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Observed service durations (with the practitioner → checked out) per appointment type over the last
 * DURATION_WINDOW_DAYS, in minutes: what the projection plans with instead of the booked length.
 */
export async function observedDurations(
  trx: Trx,
  organizationId: string,
  now: number,
  filter: { locationId?: string; from?: number; to?: number } = {},
): Promise<Map<string, number[]>> {
  let q = trx
    .selectFrom("visit_flow as f")
    .innerJoin("appointments as a", (j) =>
      j.onRef("a.organization_id", "=", "f.organization_id").onRef("a.id", "=", "f.appointment_id"),
    )
    .select(["a.appointment_type_id", "f.with_practitioner_at", "f.checked_out_at"])
    .where("f.organization_id", "=", organizationId)
    .where("f.with_practitioner_at", "is not", null)
    .where("f.checked_out_at", "is not", null)
    .where("a.start_at", ">=", new Date(filter.from ?? now - DURATION_WINDOW_DAYS * 86_400_000).toISOString())
    .where("a.start_at", "<", new Date(filter.to ?? now).toISOString());
  if (filter.locationId) q = q.where("a.location_id", "=", filter.locationId);
  const rows = await q.execute();
  const out = new Map<string, number[]>();
  for (const r of rows) {
    const minutes = (Date.parse(r.checked_out_at!) - Date.parse(r.with_practitioner_at!)) / MINUTE;
    if (!(minutes > 0)) continue;
    const list = out.get(r.appointment_type_id) ?? [];
    list.push(minutes);
    out.set(r.appointment_type_id, list);
  }
  return out;
}

export async function loadDurationTable(
  trx: Trx,
  organizationId: string,
  now: number,
): Promise<DurationTable> {
  const table: Record<
    string,
    { meanMinutes: number; p50Minutes: number; p90Minutes: number; samples: number }
  > = {};
  for (const [type, list] of await observedDurations(trx, organizationId, now)) {
    const sorted = [...list].sort((a, b) => a - b);
    table[type] = {
      meanMinutes: sorted.reduce((s, x) => s + x, 0) / sorted.length,
      p50Minutes: quantile(sorted, 0.5),
      p90Minutes: quantile(sorted, 0.9),
      samples: sorted.length,
    };
  }
  return table;
}
