// The clinical record API (packages/server/src/clinical/routes.ts; shapes in clinical/schemas.ts): encounters with their
// ICD-10-CM diagnoses and CPT/HCPCS procedures, code look-up, problems, allergies, medications, notes with
// addenda, documents. Kept beside the chart pages so the slice's types live in one place.

import { ENCOUNTER_TYPES } from "@salus/core/clinical/clinical-kinds";
import type {
  AllergyView,
  CodeView,
  DocumentView,
  EncounterView,
  MedicationView,
  NoteView,
  ProblemView,
} from "@salus/server/clinical/schemas";
import type { IsoDate, IsoInstant, ListResponse } from "../../../api/client.ts";
import { ApiError, api, buildQuery, getCsrfToken } from "../../../api/client.ts";

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

/** The encounter types (core clinical/clinical-kinds.ts). */
export const ENCOUNTER_TYPE_VALUES = ENCOUNTER_TYPES;
export type EncounterStatus = "in-progress" | "finished" | "entered-in-error";

export interface Encounter {
  id: string;
  patientId: string;
  date: IsoDate;
  practitionerId: string;
  locationId: string;
  appointmentId: string | null;
  type: string;
  reason: string | null;
  /** A sensitive visit's reason this reader may not see (a biller sees the codes only). */
  reasonWithheld?: boolean;
  sensitive: boolean;
  selfPay: boolean;
  diagnoses: Diagnosis[];
  procedures: Procedure[];
  /** No code list loaded for the fiscal year of the date of service: the codes were checked for format only. */
  codeWarnings?: string[];
  status: EncounterStatus;
  enteredInErrorReason: string | null;
  version: number;
}

export interface EncounterInput {
  date: IsoDate;
  practitionerId: string;
  locationId: string;
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

export type Note = NoteView;

/** What the chart's three lists have in common. */
export type ListItem = Pick<ProblemView, "id" | "patientId" | "status" | "errorReason" | "createdAt">;

export type Problem = ProblemView;
export type Allergy = AllergyView;
export type Medication = MedicationView;

export type ChartDocument = DocumentView;

// The server's encounter answer and body (clinical-routes.ts): diagnoses and procedures carry positions,
// procedures point at diagnoses with `pointers`.
type EncounterOut = EncounterView;

function fromServer(e: EncounterOut): Encounter {
  const { errorReason, diagnoses, procedures, ...rest } = e;
  return {
    ...rest,
    enteredInErrorReason: errorReason,
    diagnoses: [...diagnoses]
      .sort((a, b) => a.position - b.position)
      .map((d) => ({ code: d.code, description: d.description })),
    procedures: [...procedures]
      .sort((a, b) => a.position - b.position)
      .map((p) => ({
        code: p.code,
        description: p.description,
        modifiers: p.modifiers,
        units: p.units,
        diagnosisPointers: p.pointers,
      })),
  };
}

function toServer(e: Partial<EncounterInput>): Record<string, unknown> {
  const { diagnoses, procedures, ...rest } = e;
  return {
    ...rest,
    ...(diagnoses ? { diagnoses: diagnoses.map((d) => d.code) } : {}),
    ...(procedures
      ? {
          procedures: procedures.map((p) => ({
            code: p.code,
            modifiers: p.modifiers,
            units: p.units,
            pointers: p.diagnosisPointers,
          })),
        }
      : {}),
  };
}

function items<T>(answer: ListResponse<T> | T[]): T[] {
  return Array.isArray(answer) ? answer : (answer?.items ?? []);
}

export type ChartList = "problems" | "allergies" | "medications";

export const clinical = {
  encounters: async (patientId: string, signal?: AbortSignal) =>
    items(
      await api<ListResponse<EncounterOut>>(`/api/patients/${enc(patientId)}/encounters`, {
        query: { includeEnteredInError: true },
        signal,
      }),
    ).map(fromServer),
  encounter: async (id: string, signal?: AbortSignal) =>
    fromServer(await api<EncounterOut>(`/api/encounters/${enc(id)}`, { signal })),
  createEncounter: async (patientId: string, body: EncounterInput) =>
    fromServer(
      await api<EncounterOut>(`/api/patients/${enc(patientId)}/encounters`, {
        method: "POST",
        body: toServer(body),
      }),
    ),
  updateEncounter: async (id: string, body: Partial<EncounterInput> & { version?: number }) =>
    fromServer(
      await api<EncounterOut>(`/api/encounters/${enc(id)}`, { method: "PATCH", body: toServer(body) }),
    ),
  encounterInError: async (id: string, reason: string) =>
    fromServer(
      await api<EncounterOut>(`/api/encounters/${enc(id)}/entered-in-error`, {
        method: "POST",
        body: { reason },
      }),
    ),

  /** Most relevant first, from the list of the date of service's fiscal year (`warning` when none is loaded). */
  icd10: async (q: string, date?: IsoDate, signal?: AbortSignal) => {
    const answer = await api<{ warning?: string | null; items: CodeView[] }>("/api/codes/icd10", {
      query: date ? { q, date } : { q },
      signal,
    });
    return {
      warning: answer.warning ?? null,
      items: answer.items.map((c) => ({ code: c.code, description: c.description ?? "" })),
    };
  },

  list: async <T extends ListItem>(kind: ChartList, patientId: string, signal?: AbortSignal) =>
    items(await api<ListResponse<T>>(`/api/patients/${enc(patientId)}/${kind}`, { signal })),
  addToList: <T extends ListItem>(kind: ChartList, patientId: string, body: Record<string, unknown>) =>
    api<T>(`/api/patients/${enc(patientId)}/${kind}`, { method: "POST", body }),
  updateListItem: <T extends ListItem>(kind: ChartList, id: string, body: Record<string, unknown>) =>
    api<T>(`/api/${kind}/${enc(id)}`, { method: "PATCH", body }),
  listItemInError: <T extends ListItem>(kind: ChartList, id: string, reason: string) =>
    api<T>(`/api/${kind}/${enc(id)}/entered-in-error`, { method: "POST", body: { reason } }),

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
    items(
      await api<ListResponse<ChartDocument>>(`/api/patients/${enc(patientId)}/documents`, {
        query: { includeEnteredInError: true },
        signal,
      }),
    ),
  documentInError: (id: string, reason: string) =>
    api<ChartDocument>(`/api/documents/${enc(id)}/entered-in-error`, { method: "POST", body: { reason } }),
};

/** The URL of a document's content (same origin, session cookie). */
export function documentContentUrl(id: string): string {
  return `/api/documents/${enc(id)}/content`;
}

/**
 * Uploads a document: the file's bytes as the request body (Salus checks the content, not the name or
 * the declared type), its title, file name and category in the query (clinical-routes.ts).
 */
export async function uploadDocument(
  patientId: string,
  file: File,
  meta: { title: string; category: string },
): Promise<ChartDocument> {
  const query = buildQuery({ title: meta.title, filename: file.name, category: meta.category });
  // Always octet-stream: Salus decides the type from the bytes, never from the name or the browser's guess.
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/octet-stream",
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
