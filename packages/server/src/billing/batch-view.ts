import type { ClaimBatchesTable } from "../db/schema-billing.ts";
import type { ClaimBatchView } from "./batch-schemas.ts";

/** The download's file name: the interchange control number says which batch it is. */
export function batchFileName(interchangeControlNumber: number): string {
  return `837P-${String(interchangeControlNumber).padStart(9, "0")}.txt`;
}

/** A batch as the API shows it (every field named; the content only through the download). */
export function presentBatch(row: Omit<ClaimBatchesTable, "content"> & { content?: string }): ClaimBatchView {
  return {
    id: row.id,
    interchangeControlNumber: row.interchange_control_number,
    groupControlNumber: row.group_control_number,
    claims: row.claims,
    totalChargeCents: row.total_charge_cents,
    sha256: row.sha256,
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at,
    fileName: batchFileName(row.interchange_control_number),
  };
}
