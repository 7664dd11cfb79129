import { DomainError, notFound } from "@salus/core";
import { type FeeEntry, writeFeeScheduleCsv } from "@salus/core/billing/fee-schedule-csv";
import { audited } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadFeeSchedule, requireFeeScheduleRow, touchFeeSchedule } from "./fee-schedule-view.ts";
import type { FeeEntriesView, FeeEntryView } from "./price-schemas.ts";

/**
 * A fee schedule's prices one at a time: list (a code prefix or words of the description), set (add or
 * change the price of a code and modifier) and remove, and the CSV export. Each change bumps the
 * schedule's version, so an import checked against an older version is refused.
 */

function present(r: {
  procedure_code: string;
  modifier: string;
  amount_cents: number;
  description: string | null;
}): FeeEntryView {
  return {
    procedureCode: r.procedure_code,
    modifier: r.modifier,
    amountCents: r.amount_cents,
    description: r.description,
  };
}

/** All entries of a schedule, in code then modifier order. */
export async function readFeeEntries(db: ScopedTrx, feeScheduleId: string): Promise<FeeEntry[]> {
  const rows = await db
    .selectFrom("fee_schedule_entries")
    .select(["procedure_code", "modifier", "amount_cents", "description"])
    .where("fee_schedule_id", "=", feeScheduleId)
    .orderBy("procedure_code")
    .orderBy("modifier")
    .execute();
  return rows.map(present);
}

export async function listFeeEntries(
  db: ScopedTrx,
  feeScheduleId: string,
  query: { q?: string | undefined; limit: number; offset: number },
): Promise<FeeEntriesView> {
  await loadFeeSchedule(db, feeScheduleId);
  let base = db.selectFrom("fee_schedule_entries").where("fee_schedule_id", "=", feeScheduleId);
  const q = query.q?.trim();
  if (q) {
    const code = q.toUpperCase();
    base = /^[A-Z0-9]{1,5}$/.test(code)
      ? base.where((eb) =>
          eb.or([
            eb.and([eb("procedure_code", ">=", code), eb("procedure_code", "<", `${code}~`)]),
            eb(eb.fn("lower", ["description"]), "like", `%${escapeLike(q.toLowerCase())}%`),
          ]),
        )
      : base.where((eb) => eb(eb.fn("lower", ["description"]), "like", `%${escapeLike(q.toLowerCase())}%`));
  }
  const total = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await base
    .select(["procedure_code", "modifier", "amount_cents", "description"])
    .orderBy("procedure_code")
    .orderBy("modifier")
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return { items: rows.map(present), total: Number(total.n) };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, "");
}

export interface FeeEntryInput {
  procedureCode: string;
  modifier: string;
  amountCents: number;
  description?: string | null | undefined;
  version?: number | undefined;
}

/** Adds or changes the price of one procedure code and modifier. */
export async function setFeeEntry(
  services: Services,
  actor: Actor,
  feeScheduleId: string,
  input: FeeEntryInput,
): Promise<FeeEntryView> {
  if (!Number.isSafeInteger(input.amountCents) || input.amountCents < 0)
    throw new DomainError("invalid_amount", "The price must be a whole number of cents, zero or more.", [
      { path: "amountCents", message: "must be a whole number of cents, zero or more" },
    ]);
  const values = {
    procedure_code: input.procedureCode,
    modifier: input.modifier,
    amount_cents: input.amountCents,
    description: input.description ?? null,
  };
  return audited(
    services,
    actor,
    {
      action: "billing.fee-entry.set",
      resourceType: "FeeSchedule",
      resourceId: feeScheduleId,
      detail: {
        procedureCode: values.procedure_code,
        modifier: values.modifier,
        amountCents: values.amount_cents,
      },
    },
    async (trx) => {
      const row = await requireFeeScheduleRow(trx, feeScheduleId, input.version);
      await trx
        .insertInto("fee_schedule_entries")
        .values({ organization_id: actor.organizationId, fee_schedule_id: row.id, ...values })
        .onConflict((oc) =>
          oc
            .columns(["organization_id", "fee_schedule_id", "procedure_code", "modifier"])
            .doUpdateSet({ amount_cents: values.amount_cents, description: values.description }),
        )
        .execute();
      await touchFeeSchedule(trx, row, services.clock().toISOString());
      return present(values);
    },
  );
}

/** Removes the price of one procedure code and modifier. */
export async function deleteFeeEntry(
  services: Services,
  actor: Actor,
  feeScheduleId: string,
  procedureCode: string,
  modifier: string,
): Promise<void> {
  await audited(
    services,
    actor,
    {
      action: "billing.fee-entry.delete",
      resourceType: "FeeSchedule",
      resourceId: feeScheduleId,
      detail: { procedureCode, modifier },
    },
    async (trx) => {
      const row = await requireFeeScheduleRow(trx, feeScheduleId);
      const gone = await trx
        .deleteFrom("fee_schedule_entries")
        .where("fee_schedule_id", "=", row.id)
        .where("procedure_code", "=", procedureCode)
        .where("modifier", "=", modifier)
        .executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) throw notFound("price for that code and modifier");
      await touchFeeSchedule(trx, row, services.clock().toISOString());
    },
  );
}

/** The schedule as a CSV file (the import's format) and a file name for it. */
export async function exportFeeSchedule(
  db: ScopedTrx,
  feeScheduleId: string,
): Promise<{ filename: string; csv: string }> {
  const schedule = await loadFeeSchedule(db, feeScheduleId);
  const csv = writeFeeScheduleCsv(await readFeeEntries(db, feeScheduleId));
  const slug =
    schedule.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "fee-schedule";
  return { filename: `${slug}-${schedule.effectiveFrom}.csv`, csv };
}
