import { DomainError, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { refuseTwin } from "./create-payer.ts";
import { findPayerRow, loadPayer, presentPayer } from "./load-payer.ts";
import { type PayerInput, payerColumns } from "./payer-input.ts";
import type { PayerView } from "./price-schemas.ts";

/**
 * Changes a payer (or deactivates it: `active: false`; payers are never deleted, since claims and ledger
 * entries name them). `version` is the version the biller saw: a change made meanwhile is refused with
 * `conflict`, so two billers never overwrite each other's edits unseen.
 */
export async function updatePayer(
  services: Services,
  actor: Actor,
  payerRef: string,
  changes: Partial<PayerInput> & { active?: boolean | undefined; version: number },
): Promise<PayerView> {
  const { version, active, ...fields } = changes;
  return audited(
    services,
    actor,
    {
      action: "billing.payer.update",
      resourceType: "Payer",
      resourceId: payerRef,
      detail: {
        fields: Object.keys(changes)
          .filter((k) => k !== "version")
          .sort(),
      },
    },
    async (trx) => {
      const row = await findPayerRow(trx, payerRef);
      if (!row) throw notFound("payer");
      if (row.version !== version)
        throw new DomainError(
          "conflict",
          `The payer ${row.name} was changed by someone else (version ${row.version}, you edited ${version}); reload it and make your change again.`,
          [{ path: "version", message: "changed meanwhile" }],
        );
      const current = presentPayer(row);
      const columns = payerColumns({ ...current, ...definedOnly(fields) });
      const nextActive = active ?? current.active;
      if (nextActive) await refuseTwin(trx, columns, payerRef);
      await trx
        .updateTable("payers")
        .set({
          ...columns,
          active: nextActive ? 1 : 0,
          version: row.version + 1,
          updated_at: services.clock().toISOString(),
        })
        .where("id", "=", payerRef)
        .where("version", "=", row.version)
        .execute();
      return loadPayer(trx, payerRef);
    },
  );
}

/** The keys actually sent (a PATCH leaves absent fields as they are; null clears one). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
