// Claim batches, acknowledgements and the rejection worklist (packages/server/src/billing/batch-routes.ts;
// shapes in billing/batch-schemas.ts, re-exported from billing/schemas.ts).
import type {
  AcknowledgementView,
  ClaimBatchesView,
  ClaimBatchView,
  CreatedBatchView,
  ImportAckView,
  RejectionsView,
  RejectionView,
} from "@salus/server/billing/schemas";
import { api } from "../../../api/client.ts";

export type {
  AcknowledgementView,
  ClaimBatchesView,
  ClaimBatchView,
  CreatedBatchView,
  ImportAckView,
  RejectionsView,
  RejectionView,
};

export const batchKeys = {
  batches: ["billing", "batches"] as const,
  acks: ["billing", "acknowledgements"] as const,
  rejections: (status: string) => ["billing", "rejections", status] as const,
};

/** The 837P file of a batch (a plain GET: the browser downloads it with the session cookie). */
export const batchDownloadUrl = (id: string) => `/api/billing/batches/${encodeURIComponent(id)}/download`;

export const batches = {
  list: (signal?: AbortSignal) => api<ClaimBatchesView>("/api/billing/batches", { signal }),
  create: () => api<CreatedBatchView>("/api/billing/batches", { method: "POST", body: {} }),
  acknowledgements: (signal?: AbortSignal) =>
    api<{ items: AcknowledgementView[] }>("/api/billing/acknowledgements", { signal }),
  importAck: (content: string, fileName?: string) =>
    api<ImportAckView>("/api/billing/acknowledgements", {
      method: "POST",
      body: fileName ? { content, fileName } : { content },
    }),
  rejections: (status: "open" | "resolved", signal?: AbortSignal) =>
    api<RejectionsView>("/api/billing/rejections", { query: { status }, signal }),
  resolve: (id: string) =>
    api<{ id: string; status: "resolved" }>(`/api/billing/rejections/${encodeURIComponent(id)}/resolve`, {
      method: "POST",
      body: {},
    }),
};
