/**
 * Billing API shapes for claim batches (X12 837P), acknowledgements (999, 277CA) and the rejection
 * worklist. Re-exported from billing/schemas.ts (the web imports them type-only from there).
 */
import { z } from "zod";
import { id, text } from "../http/schemas.ts";

export const batchStatus = z.enum(["written", "accepted", "partially-accepted", "rejected"]);

/** One 837P batch, without its content (GET .../download answers the file). */
export const claimBatchOut = z.object({
  id: z.string(),
  interchangeControlNumber: z.number().int(),
  groupControlNumber: z.number().int(),
  claims: z.number().int(),
  totalChargeCents: z.number().int(),
  sha256: z.string(),
  status: batchStatus,
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  fileName: z.string(),
});
export type ClaimBatchView = z.output<typeof claimBatchOut>;

export const claimBatchesOut = z.object({
  items: z.array(claimBatchOut),
  /** Claims ready to batch now (what POST /api/billing/batches would take). */
  readyClaims: z.number().int(),
  readyTotalCents: z.number().int(),
});
export type ClaimBatchesView = z.output<typeof claimBatchesOut>;

/** Create a batch from every ready claim; `claimIds` (optional) must then be exactly the ready ones. */
export const createBatchIn = z.strictObject({
  claimIds: z.array(id).max(50_000).optional(),
});

export const createdBatchOut = z.object({
  batchId: z.string(),
  claims: z.number().int(),
  interchangeControlNumber: z.number().int(),
  totalChargeCents: z.number().int(),
  batch: claimBatchOut,
});
export type CreatedBatchView = z.output<typeof createdBatchOut>;

/** An acknowledgement file's text (999 or 277CA), as uploaded. */
export const importAckIn = z.strictObject({
  content: text(900_000),
  fileName: text(200).optional(),
});

export const ackClaimResultOut = z.object({
  patientControlNumber: z.string(),
  claimId: z.string().nullable(),
  verdict: z.enum(["accepted", "rejected"]),
  /** What happened to the claim: moved, already there, or not ours. */
  outcome: z.enum(["moved", "unchanged", "not-found", "not-movable"]),
  status: z.string().nullable(),
  reasons: z.array(z.string()),
});

export const acknowledgementOut = z.object({
  id: z.string(),
  kind: z.enum(["999", "277CA"]),
  sha256: z.string(),
  batchId: z.string().nullable(),
  batchInterchangeControlNumber: z.number().int().nullable(),
  importedAt: z.string(),
  importedBy: z.string().nullable(),
  verdict: z.string(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  claims: z.array(ackClaimResultOut),
  warnings: z.array(z.string()),
});
export type AcknowledgementView = z.output<typeof acknowledgementOut>;

export const importAckOut = acknowledgementOut.extend({
  /** True when this very file had been imported before: nothing changed this time. */
  duplicate: z.boolean(),
});
export type ImportAckView = z.output<typeof importAckOut>;

export const acknowledgementsOut = z.object({ items: z.array(acknowledgementOut) });

export const rejectionStatus = z.enum(["open", "resolved"]);

export const rejectionOut = z.object({
  id: z.string(),
  claimId: z.string().nullable(),
  patientControlNumber: z.string().nullable(),
  patientId: z.string().nullable(),
  patientName: z.string().nullable(),
  payerName: z.string().nullable(),
  dateOfService: z.string().nullable(),
  claimStatus: z.string().nullable(),
  batchId: z.string().nullable(),
  acknowledgementId: z.string(),
  acknowledgementKind: z.string().nullable(),
  code: z.string().nullable(),
  reason: z.string(),
  status: rejectionStatus,
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type RejectionView = z.output<typeof rejectionOut>;

export const rejectionsQuery = z.strictObject({
  status: rejectionStatus.default("open"),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const rejectionsOut = z.object({ items: z.array(rejectionOut), open: z.number().int() });
export type RejectionsView = z.output<typeof rejectionsOut>;
