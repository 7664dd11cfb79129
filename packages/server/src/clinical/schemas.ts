import {
  ALLERGY_SEVERITIES,
  DOCUMENT_CATEGORIES,
  ENCOUNTER_TYPES,
  type ListKind,
} from "@salus/core/clinical/clinical-kinds";
import { z } from "zod";
import { id, optionalText, patchOf, plainDate, text } from "../http/schemas.ts";

/**
 * The clinical record's API shapes (encounters with their codes, the chart's lists, notes with addenda,
 * documents, code look-up): the zod schemas the routes validate and serialize with, and the view types
 * inferred from them. The use cases return these views; the web imports the types (type-only).
 */

export const withErrors = z.strictObject({
  includeEnteredInError: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true"),
});
export const errorIn = z.strictObject({ reason: text(500) });

export const procedureIn = z.strictObject({
  code: z.string().min(1).max(10),
  modifiers: z.array(z.string().max(4)).max(10).optional(),
  units: z.number().int().min(1, "must be at least 1").max(999, "must be at most 999").optional(),
  pointers: z.array(z.number().int()).max(12).optional(),
});
export const encounterFields = {
  date: plainDate,
  practitionerId: id,
  locationId: id,
  appointmentId: z.union([id, z.null()]).optional(),
  type: z.enum(ENCOUNTER_TYPES),
  reason: optionalText(500),
  status: z.enum(["in-progress", "finished"]).optional(),
  sensitive: z.boolean().optional(),
  selfPay: z.boolean().optional(),
  diagnoses: z.array(z.string().min(1).max(10)).max(20).optional(),
  procedures: z.array(procedureIn).max(60).optional(),
};
export const encounterIn = z.strictObject(encounterFields);
export const encounterPatch = patchOf(
  z.strictObject({ ...encounterFields, version: z.number().int().optional() }),
);
export const encounterOut = z.object({
  id: z.string(),
  patientId: z.string(),
  practitionerId: z.string(),
  locationId: z.string(),
  appointmentId: z.string().nullable(),
  date: z.string(),
  type: z.string(),
  reason: z.string().nullable(),
  reasonWithheld: z.boolean(),
  status: z.enum(["in-progress", "finished", "entered-in-error"]),
  sensitive: z.boolean(),
  selfPay: z.boolean(),
  errorReason: z.string().nullable(),
  diagnoses: z.array(
    z.object({
      position: z.number(),
      code: z.string(),
      display: z.string(),
      description: z.string().nullable(),
    }),
  ),
  procedures: z.array(
    z.object({
      position: z.number(),
      codeSystem: z.enum(["cpt", "hcpcs"]),
      code: z.string(),
      description: z.string().nullable(),
      modifiers: z.array(z.string()),
      units: z.number(),
      pointers: z.array(z.number()),
      chargeCents: z.number().nullable(),
    }),
  ),
  /** No code list loaded for the fiscal year of the date of service: the codes were checked for format only. */
  codeWarnings: z.array(z.string()),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const historyOut = z.object({
  items: z.array(
    z.object({
      version: z.number(),
      replacedAt: z.string().nullable(),
      replacedBy: z.string().nullable(),
      value: z.record(z.string(), z.unknown()),
    }),
  ),
});

export const codeOut = z.object({
  code: z.string(),
  display: z.string(),
  description: z.string().nullable(),
  billable: z.boolean(),
  version: z.string(),
});

export const itemBase = {
  id: z.string(),
  patientId: z.string(),
  errorReason: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
};
export const problemOut = z.object({
  ...itemBase,
  status: z.string(),
  code: z.string().nullable(),
  description: z.string().nullable(),
  onsetDate: z.string().nullable(),
  resolvedDate: z.string().nullable(),
});
export const allergyOut = z.object({
  ...itemBase,
  status: z.string(),
  substance: z.string().nullable(),
  reaction: z.string().nullable(),
  severity: z.string().nullable(),
});
export const medicationOut = z.object({
  ...itemBase,
  status: z.string(),
  name: z.string().nullable(),
  dose: z.string().nullable(),
  frequency: z.string().nullable(),
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
});
export const nullableDate = z.union([plainDate, z.null()]).optional();
export const LISTS: Record<
  ListKind,
  { fields: z.ZodRawShape; out: z.ZodObject; singular: string; tag: string }
> = {
  problems: {
    fields: {
      code: z.union([z.string().min(1).max(10), z.null()]).optional(),
      description: optionalText(500),
      onsetDate: nullableDate,
      resolvedDate: nullableDate,
    },
    out: problemOut,
    singular: "problem",
    tag: "Problems",
  },
  allergies: {
    fields: {
      substance: optionalText(200),
      reaction: optionalText(500),
      severity: z.union([z.enum(ALLERGY_SEVERITIES), z.null()]).optional(),
    },
    out: allergyOut,
    singular: "allergy",
    tag: "Allergies",
  },
  medications: {
    fields: {
      name: optionalText(200),
      dose: optionalText(200),
      frequency: optionalText(200),
      startDate: nullableDate,
      endDate: nullableDate,
    },
    out: medicationOut,
    singular: "medication",
    tag: "Medications",
  },
};

export type NoteView = {
  id: string;
  encounterId: string;
  patientId: string;
  kind: "note" | "addendum";
  parentId: string | null;
  title: string | null;
  text: string;
  status: "draft" | "signed" | "entered-in-error";
  authorUserId: string;
  authorLabel: string;
  signedAt: string | null;
  errorReason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  addenda: NoteView[];
};
export const noteOut: z.ZodType<NoteView> = z.lazy(() =>
  z.object({
    id: z.string(),
    encounterId: z.string(),
    patientId: z.string(),
    kind: z.enum(["note", "addendum"]),
    parentId: z.string().nullable(),
    title: z.string().nullable(),
    text: z.string(),
    status: z.enum(["draft", "signed", "entered-in-error"]),
    authorUserId: z.string(),
    authorLabel: z.string(),
    signedAt: z.string().nullable(),
    errorReason: z.string().nullable(),
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    addenda: z.array(noteOut),
  }),
);
// A recursive schema needs a name: the OpenAPI document refers to it as a component (without one,
// /api/docs/json answered 500).
z.globalRegistry.add(noteOut, { id: "Note" });
// Note text is kept verbatim (script included: it is data, and every page renders it as text).
export const noteIn = z.strictObject({ title: optionalText(200), text: text(100_000) });
export const notePatch = patchOf(
  z.strictObject({ title: optionalText(200), text: text(100_000), version: z.number().int().optional() }),
);

export const documentOut = z.object({
  id: z.string(),
  patientId: z.string(),
  encounterId: z.string().nullable(),
  title: z.string(),
  category: z.string(),
  filename: z.string(),
  contentType: z.string(),
  sizeBytes: z.number(),
  sha256: z.string(),
  status: z.enum(["current", "entered-in-error"]),
  errorReason: z.string().nullable(),
  uploadedBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const uploadQuery = z.strictObject({
  filename: text(255),
  title: text(200).optional(),
  category: z.enum(DOCUMENT_CATEGORIES).default("other"),
  encounterId: id.optional(),
});

export type EncounterView = z.output<typeof encounterOut>;
export type DiagnosisView = EncounterView["diagnoses"][number];
export type ProcedureView = EncounterView["procedures"][number];
export type EncounterStatus = EncounterView["status"];
export type RevisionHistory = z.output<typeof historyOut>;
export type CodeView = z.output<typeof codeOut>;
export type ProblemView = z.output<typeof problemOut>;
export type AllergyView = z.output<typeof allergyOut>;
export type MedicationView = z.output<typeof medicationOut>;
export type DocumentView = z.output<typeof documentOut>;
/** What the web sends to record or change an encounter, a procedure or a note. */
export type EncounterRequest = z.input<typeof encounterIn>;
export type EncounterPatchRequest = z.input<typeof encounterPatch>;
export type ProcedureRequest = z.input<typeof procedureIn>;
export type NoteRequest = z.input<typeof noteIn>;
