import type { Trx } from "./transaction.ts";

/**
 * The handle a use case gets from `audited()`: its queries bound to the actor's organization (issue 11,
 * item 2). Placeholder until the scoping plugin lands: for now the transaction itself.
 */
export type ScopedTrx = Trx;

export function scopeToOrganization(trx: Trx, _organizationId: string | null): ScopedTrx {
  return trx;
}
