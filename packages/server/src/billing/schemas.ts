/**
 * Billing's API shapes (issue 13): the zod input and output schemas are the single source; view types
 * are inferred from them (`z.output`) and the web imports them type-only from
 * `@salus/server/billing/schemas`. Sections per area; each helper area keeps to its own section.
 */
import { z } from "zod";

// ---- prices: billing identity, payers, fee schedules ----

// ---- charges, ledger, claims ----

// ---- batches, acknowledgements, worklist ----

// ---- scrubber ----

export const billingSchemasVersion = z.literal(1);
