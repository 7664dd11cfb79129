import { randomUUID } from "node:crypto";
import { DomainError } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { loadPayer } from "./load-payer.ts";
import { type PayerInput, payerColumns } from "./payer-input.ts";
import type { PayerView } from "./price-schemas.ts";

/**
 * Adds a payer. Two active payers may not share a name or an electronic payer id: a coverage or a
 * remittance naming that id would be ambiguous.
 */
export async function createPayer(services: Services, actor: Actor, input: PayerInput): Promise<PayerView> {
  const columns = payerColumns(input);
  const id = randomUUID();
  return audited(
    services,
    actor,
    { action: "billing.payer.create", resourceType: "Payer", resourceId: id, detail: { name: columns.name } },
    async (trx) => {
      await refuseTwin(trx, columns, null);
      const at = services.clock().toISOString();
      await trx
        .insertInto("payers")
        .values({
          organization_id: actor.organizationId,
          id,
          ...columns,
          active: 1,
          version: 1,
          created_at: at,
          updated_at: at,
        })
        .execute();
      return loadPayer(trx, id);
    },
  );
}

/** Refuses a second active payer with the same name or electronic payer id. */
export async function refuseTwin(
  trx: Parameters<typeof loadPayer>[0],
  columns: { name: string; payer_id: string | null },
  exceptId: string | null,
): Promise<void> {
  let q = trx
    .selectFrom("payers")
    .select(["id", "name", "payer_id"])
    .where("active", "=", 1)
    .where((eb) =>
      columns.payer_id
        ? eb.or([eb("name", "=", columns.name), eb("payer_id", "=", columns.payer_id)])
        : eb("name", "=", columns.name),
    );
  if (exceptId) q = q.where("id", "!=", exceptId);
  const twin = await q.executeTakeFirst();
  if (!twin) return;
  const byName = twin.name === columns.name;
  throw new DomainError(
    "conflict",
    byName
      ? `A payer named ${columns.name} already exists; change that one or choose another name.`
      : `The payer ${twin.name} already has the payer id ${columns.payer_id}.`,
    [{ path: byName ? "name" : "payerId", message: "already used by another active payer" }],
  );
}
