// The privacy office's API (packages/server/src/privacy/routes.ts; shapes in privacy/schemas.ts): amendments, disclosures and
// their accounting, the access report and the record export. Kept beside the privacy pages.

import { DISCLOSURE_CATEGORIES as CORE_DISCLOSURE_CATEGORIES } from "@salus/core/privacy/patient-rights";
import type {
  AccessReport,
  AccessReportEntry,
  Accounting,
  AmendmentStatus,
  AmendmentView,
  DisclosureRequest,
  DisclosureView,
} from "@salus/server/privacy/schemas";
import type { IsoDate, ListResponse } from "../../api/client.ts";
import { ApiError, api, buildQuery, getCsrfToken } from "../../api/client.ts";

const enc = encodeURIComponent;

export type { AccessReport, AccessReportEntry, Accounting, AmendmentStatus };
export type Amendment = AmendmentView;
export type Disclosure = DisclosureView;
export type DisclosureInput = DisclosureRequest;

/** Disclosure categories (core privacy/patient-rights.ts); `accountable: false` ones are left out of the accounting. */
export const DISCLOSURE_CATEGORIES: Record<string, { label: string; accountable: boolean }> =
  CORE_DISCLOSURE_CATEGORIES;

function items<T>(answer: ListResponse<T> | T[]): T[] {
  return Array.isArray(answer) ? answer : (answer?.items ?? []);
}

export const privacy = {
  amendments: (status: AmendmentStatus | undefined, signal?: AbortSignal) =>
    api<ListResponse<Amendment>>("/api/amendments", { query: { status, limit: 200 }, signal }),
  patientAmendments: async (patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<Amendment>>(`/api/patients/${enc(patientId)}/amendments`, { signal })),
  requestAmendment: (
    patientId: string,
    body: { section: string; requestedChange: string; reason: string; receivedOn?: IsoDate },
  ) => api<Amendment>(`/api/patients/${enc(patientId)}/amendments`, { method: "POST", body }),
  decideAmendment: (id: string, body: { outcome: "accepted" | "denied"; note: string | null }) =>
    api<Amendment>(`/api/amendments/${enc(id)}/decide`, { method: "POST", body }),

  disclosures: async (patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<Disclosure>>(`/api/patients/${enc(patientId)}/disclosures`, { signal })),
  accounting: async (patientId: string, signal?: AbortSignal) =>
    (await api<Accounting>(`/api/patients/${enc(patientId)}/disclosures/accounting`, { signal })).items,
  recordDisclosure: (patientId: string, body: DisclosureInput) =>
    api<Disclosure>(`/api/patients/${enc(patientId)}/disclosures`, { method: "POST", body }),

  accessReport: (
    patientId: string,
    range: { from?: string | undefined; to?: string | undefined },
    signal?: AbortSignal,
  ) => api<AccessReport>(`/api/patients/${enc(patientId)}/access-report`, { query: { ...range }, signal }),
};

/** The download URL of a patient's access report (`csv` or `pdf`), for a plain link. */
export function accessReportUrl(
  patientId: string,
  format: "csv" | "pdf",
  range: { from?: string | undefined; to?: string | undefined } = {},
): string {
  return `/api/patients/${enc(patientId)}/access-report${buildQuery({ ...range, format })}`;
}

/** The download URL of a patient's accounting of disclosures (`csv` or `pdf`). */
export function accountingUrl(patientId: string, format: "csv" | "pdf"): string {
  return `/api/patients/${enc(patientId)}/disclosures/accounting${buildQuery({ format })}`;
}

/** The download URL of a patient's record export (FHIR Bundle JSON or readable PDF). */
export function exportUrl(patientId: string, format: "fhir" | "pdf"): string {
  return `/api/patients/${enc(patientId)}/export${buildQuery({ format })}`;
}

/**
 * Exports the record for a third party (POST, so the disclosure is recorded with it) and saves the file
 * the server answers through a temporary blob: URL.
 */
export async function exportForRecipient(
  patientId: string,
  body: {
    format: "fhir" | "pdf";
    recipientName: string;
    recipientAddress: string | null;
    purpose: string;
    category: string;
  },
): Promise<void> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const csrf = getCsrfToken();
  if (csrf) headers["x-csrf-token"] = csrf;
  const response = await fetch(`/api/patients/${enc(patientId)}/export`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!response.ok) {
    const answer = (await response.json().catch(() => null)) as {
      error?: { code?: string; message?: string };
    } | null;
    throw new ApiError(
      response.status,
      answer?.error?.code ?? `http_${response.status}`,
      answer?.error?.message ?? `The export failed (HTTP ${response.status}).`,
    );
  }
  const url = URL.createObjectURL(await response.blob());
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = body.format === "pdf" ? "record.pdf" : "record.json";
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // The browser has taken the file; the URL must not outlive the click.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
