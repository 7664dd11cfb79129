// The clinical record API (packages/server/src/http/routes/clinical-routes.ts): encounters with their
// ICD-10-CM diagnoses and CPT/HCPCS procedures, code look-up, problems, allergies, medications, notes with
// addenda, documents. Kept beside the chart pages so the slice's types live in one place.
import { ApiError, api, buildQuery, getCsrfToken } from "../../../api/client.ts";
import type { IsoDate, IsoInstant, ListResponse } from "../../../api/types.ts";

const enc = encodeURIComponent;

export interface Diagnosis {
  /** ICD-10-CM code without the dot, as stored (`E119`); shown with the dot (`E11.9`). */
  code: string;
  description?: string | null;
}

export interface Procedure {
  code: string;
  description?: string | null;
  modifiers: string[];
  units: number;
  /** 1-based positions in the encounter's diagnoses list (claim pointers A-D). */
  diagnosisPointers: number[];
}

export type EncounterStatus = "active" | "entered-in-error" | string;

export interface Encounter {
  id: string;
  patientId: string;
  date: IsoDate;
  practitionerId: string;
  practitionerName?: string | null;
  locationId: string | null;
  locationName?: string | null;
  type: string;
  reason: string | null;
  sensitive: boolean;
  selfPay: boolean;
  diagnoses: Diagnosis[];
  procedures: Procedure[];
  status: EncounterStatus;
  enteredInErrorReason?: string | null;
  /** False when the caller sees the encounter's codes but not its clinical content (sensitive). */
  restricted?: boolean;
  version?: number;
}

export interface EncounterInput {
  date: IsoDate;
  practitionerId: string;
  locationId: string | null;
  type: string;
  reason: string | null;
  sensitive: boolean;
  selfPay: boolean;
  diagnoses: { code: string }[];
  procedures: Procedure[];
}

export interface CodeEntry {
  code: string;
  description: string;
}

export interface Addendum {
  id: string;
  text: string;
  authorId?: string;
  authorName?: string | null;
  createdAt: IsoInstant;
}

export interface Note {
  id: string;
  encounterId: string;
  status: "draft" | "signed" | "entered-in-error" | string;
  text: string;
  authorId?: string;
  authorName?: string | null;
  createdAt: IsoInstant;
  signedAt: IsoInstant | null;
  signedByName?: string | null;
  addenda: Addendum[];
}

export interface ListItem {
  id: string;
  patientId: string;
  status: string;
  createdAt?: IsoInstant;
}

export interface Problem extends ListItem {
  code: string | null;
  description: string;
  onsetDate: IsoDate | null;
  resolvedDate?: IsoDate | null;
}

export interface Allergy extends ListItem {
  substance: string;
  reaction: string | null;
  severity: string | null;
}

export interface Medication extends ListItem {
  name: string;
  dose: string | null;
  frequency?: string | null;
  startDate: IsoDate | null;
  endDate?: IsoDate | null;
}

export interface ChartDocument {
  id: string;
  patientId: string;
  title: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  category?: string | null;
  status: string;
  uploadedAt: IsoInstant;
  uploadedByName?: string | null;
  enteredInErrorReason?: string | null;
}

function items<T>(answer: ListResponse<T> | T[]): T[] {
  return Array.isArray(answer) ? answer : (answer?.items ?? []);
}

export type ChartList = "problems" | "allergies" | "medications";

export const clinical = {
  encounters: async (patientId: string, signal?: AbortSignal) =>
    items(
      await api<ListResponse<Encounter>>(`/api/patients/${enc(patientId)}/encounters`, {
        query: { limit: 200 },
        signal,
      }),
    ),
  encounter: (id: string, signal?: AbortSignal) => api<Encounter>(`/api/encounters/${enc(id)}`, { signal }),
  createEncounter: (patientId: string, body: EncounterInput) =>
    api<Encounter>(`/api/patients/${enc(patientId)}/encounters`, { method: "POST", body }),
  updateEncounter: (id: string, body: Partial<EncounterInput> & { expectedVersion?: number }) =>
    api<Encounter>(`/api/encounters/${enc(id)}`, { method: "PATCH", body }),
  encounterInError: (id: string, reason: string) =>
    api<Encounter>(`/api/encounters/${enc(id)}/entered-in-error`, { method: "POST", body: { reason } }),

  icd10: async (q: string, signal?: AbortSignal) =>
    items(await api<ListResponse<CodeEntry>>("/api/codes/icd10", { query: { q, limit: 20 }, signal })),

  list: async <T extends ListItem>(kind: ChartList, patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<T>>(`/api/patients/${enc(patientId)}/${kind}`, { signal })),
  addToList: <T extends ListItem>(kind: ChartList, patientId: string, body: Record<string, unknown>) =>
    api<T>(`/api/patients/${enc(patientId)}/${kind}`, { method: "POST", body }),
  updateListItem: <T extends ListItem>(kind: ChartList, id: string, body: Record<string, unknown>) =>
    api<T>(`/api/${kind}/${enc(id)}`, { method: "PATCH", body }),

  notes: async (encounterId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<Note>>(`/api/encounters/${enc(encounterId)}/notes`, { signal })),
  createNote: (encounterId: string, text: string) =>
    api<Note>(`/api/encounters/${enc(encounterId)}/notes`, { method: "POST", body: { text } }),
  updateNote: (id: string, text: string) =>
    api<Note>(`/api/notes/${enc(id)}`, { method: "PATCH", body: { text } }),
  signNote: (id: string) => api<Note>(`/api/notes/${enc(id)}/sign`, { method: "POST", body: {} }),
  addAddendum: (id: string, text: string) =>
    api<Note>(`/api/notes/${enc(id)}/addenda`, { method: "POST", body: { text } }),

  documents: async (patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<ChartDocument>>(`/api/patients/${enc(patientId)}/documents`, { signal })),
  documentInError: (id: string, reason: string) =>
    api<ChartDocument>(`/api/documents/${enc(id)}/entered-in-error`, { method: "POST", body: { reason } }),
};

/** The URL of a document's content (same origin, session cookie). */
export function documentContentUrl(id: string): string {
  return `/api/documents/${enc(id)}/content`;
}

/**
 * Uploads a document: the file's bytes as the request body (Salus checks the content, not the name or
 * the declared type), its title, file name and category in the query.
 */
export async function uploadDocument(
  patientId: string,
  file: File,
  meta: { title: string; category: string },
): Promise<ChartDocument> {
  const query = buildQuery({ title: meta.title, filename: file.name, category: meta.category });
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": file.type || "application/octet-stream",
  };
  const csrf = getCsrfToken();
  if (csrf) headers["x-csrf-token"] = csrf;
  let response: Response;
  try {
    response = await fetch(`/api/patients/${enc(patientId)}/documents${query}`, {
      method: "POST",
      headers,
      body: file,
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network_error", "Salus cannot be reached. Check the connection and try again.");
  }
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as ChartDocument;
}

/** Fetches a document's bytes as a Blob (typed as the server says), for a blob: URL in the viewer. */
export async function fetchDocumentContent(id: string, signal?: AbortSignal): Promise<Blob> {
  const response = await fetch(documentContentUrl(id), { credentials: "same-origin", signal });
  if (!response.ok) throw await errorFrom(response);
  return await response.blob();
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string; requestId?: string } } | null = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const e = body?.error;
  if (response.status === 413) {
    return new ApiError(
      413,
      e?.code ?? "payload_too_large",
      e?.message ?? "The file is larger than Salus accepts.",
    );
  }
  return new ApiError(
    response.status,
    e?.code ?? `http_${response.status}`,
    e?.message ?? `The request failed (HTTP ${response.status}).`,
    e?.requestId,
  );
}
