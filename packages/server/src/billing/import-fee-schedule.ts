import { diffFeeEntries, parseFeeScheduleCsv } from "@salus/core/billing/fee-schedule-csv";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { readFeeEntries } from "./fee-entries.ts";
import { requireFeeScheduleRow, touchFeeSchedule } from "./fee-schedule-view.ts";
import type { FeeImportView } from "./price-schemas.ts";

const SAMPLE = 50;

/**
 * Replaces a fee schedule's prices with a CSV file's (core fee-schedule-csv.ts for the format).
 *
 * All or nothing: the whole file is checked before anything is written, and the changes are written in
 * one transaction with the audit entry, so a refused file (a third decimal on row 812) leaves the
 * schedule exactly as it was. Idempotent: only the difference is applied, so the same file imported
 * twice (a retry after a lost answer, a double click) changes nothing the second time and does not
 * bump the schedule's version. `dryRun` answers the same report without writing.
 */
export async function importFeeSchedule(
  services: Services,
  actor: Actor,
  feeScheduleId: string,
  input: { csv: string; dryRun: boolean; version?: number | undefined },
): Promise<FeeImportView> {
  // Parsed outside the transaction: a refusal needs no database, and a big file holds no lock meanwhile.
  const entries = parseFeeScheduleCsv(input.csv);
  const run = async (trx: Parameters<Parameters<typeof audited>[3]>[0]): Promise<FeeImportView> => {
    const row = await requireFeeScheduleRow(trx, feeScheduleId, input.version);
    const diff = diffFeeEntries(await readFeeEntries(trx, row.id), entries);
    const changes = diff.added.length + diff.changed.length + diff.removed.length;
    let version = row.version;
    if (!input.dryRun && changes > 0) {
      // Removed prices by modifier, 500 codes per statement.
      const byModifier = new Map<string, string[]>();
      for (const e of diff.removed)
        byModifier.set(e.modifier, [...(byModifier.get(e.modifier) ?? []), e.procedureCode]);
      for (const [modifier, codes] of byModifier)
        for (let i = 0; i < codes.length; i += 500)
          await trx
            .deleteFrom("fee_schedule_entries")
            .where("fee_schedule_id", "=", row.id)
            .where("modifier", "=", modifier)
            .where("procedure_code", "in", codes.slice(i, i + 500))
            .execute();
      for (const { after } of diff.changed)
        await trx
          .updateTable("fee_schedule_entries")
          .set({ amount_cents: after.amountCents, description: after.description })
          .where("fee_schedule_id", "=", row.id)
          .where("procedure_code", "=", after.procedureCode)
          .where("modifier", "=", after.modifier)
          .execute();
      // Multi-row inserts: a 10,000-row schedule is 20 statements, not 10,000.
      for (let i = 0; i < diff.added.length; i += 500)
        await trx
          .insertInto("fee_schedule_entries")
          .values(
            diff.added.slice(i, i + 500).map((e) => ({
              organization_id: actor.organizationId,
              fee_schedule_id: row.id,
              procedure_code: e.procedureCode,
              modifier: e.modifier,
              amount_cents: e.amountCents,
              description: e.description,
            })),
          )
          .execute();
      await touchFeeSchedule(trx, row, services.clock().toISOString());
      version = row.version + 1;
    }
    const sample = [
      ...diff.added.map((e) => ({
        procedureCode: e.procedureCode,
        modifier: e.modifier,
        beforeCents: null,
        afterCents: e.amountCents,
      })),
      ...diff.changed.map(({ before, after }) => ({
        procedureCode: after.procedureCode,
        modifier: after.modifier,
        beforeCents: before.amountCents,
        afterCents: after.amountCents,
      })),
      ...diff.removed.map((e) => ({
        procedureCode: e.procedureCode,
        modifier: e.modifier,
        beforeCents: e.amountCents,
        afterCents: null,
      })),
    ].slice(0, SAMPLE);
    return {
      feeScheduleId: row.id,
      dryRun: input.dryRun,
      rows: entries.length,
      added: diff.added.length,
      changed: diff.changed.length,
      removed: diff.removed.length,
      unchanged: diff.unchanged,
      version,
      sample,
    };
  };
  return audited(
    services,
    actor,
    {
      action: input.dryRun ? "billing.fee-schedule.import-check" : "billing.fee-schedule.import",
      resourceType: "FeeSchedule",
      resourceId: feeScheduleId,
      readOnly: input.dryRun,
      fromResult: (r) => ({
        detail: { rows: r.rows, added: r.added, changed: r.changed, removed: r.removed, version: r.version },
      }),
    },
    run,
  );
}
