import { createHash, randomUUID } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import {
  DOCUMENT_TYPES,
  type DocumentType,
  DomainError,
  extensionFits,
  inspectZip,
  isDocx,
  notFound,
  sniffDocumentType,
  type ZipLimits,
} from "@salus/core";
import { DOCUMENT_CATEGORIES, type DocumentCategory } from "@salus/core/clinical/clinical-kinds";
import { audited } from "../audit/audited.ts";
import type { ClinicalDocumentsTable } from "../db/schema-clinical.ts";
import type { Trx } from "../db/transaction.ts";
import { openBytes, sealBytes } from "../platform/field-crypto.ts";
import type { Actor, Services } from "../platform/services.ts";
import { type PatientAccess, requirePatientAccess } from "../records/patient-access.ts";
import { documentShown, encounterVisible, loadEncounterRow, readerOf } from "./clinical-access.ts";
import type { DocumentView } from "./schemas.ts";

export type { DocumentView } from "./schemas.ts";

/**
 * Documents in the chart (scans, letters, lab reports, images). The type is decided from the content
 * (core clinical/file-type.ts); the name's extension and the declared type must agree with it; a DOCX
 * (a ZIP) is inflated entry by entry under limits before it is accepted. The bytes are sealed with the
 * field key and stored in the database (one backup holds everything; the key stays outside it), with
 * their SHA-256. Served only as a download with the sniffed type (see clinical-routes.ts).
 */
export { DOCUMENT_CATEGORIES, type DocumentCategory };
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
export const ZIP_LIMITS: ZipLimits = {
  maxEntries: 1000,
  maxTotalUncompressed: 50 * 1024 * 1024,
  maxRatio: 200,
};

type DocumentMeta = Omit<ClinicalDocumentsTable, "content_enc">;

const META_COLUMNS = [
  "organization_id",
  "id",
  "patient_id",
  "encounter_id",
  "title",
  "category",
  "filename",
  "content_type",
  "size_bytes",
  "sha256",
  "status",
  "error_reason",
  "uploaded_by",
  "created_at",
  "updated_at",
] as const;

function present(r: DocumentMeta): DocumentView {
  return {
    id: r.id,
    patientId: r.patient_id,
    encounterId: r.encounter_id,
    title: r.title,
    category: r.category,
    filename: r.filename,
    contentType: r.content_type,
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    status: r.status,
    errorReason: r.error_reason,
    uploadedBy: r.uploaded_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The last path segment of a client's file name, without control characters (never used as a path). */
export function safeFilename(name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .trim();
  return base.slice(0, 255);
}

/** Inflates each entry of a checked ZIP under the limits; declared sizes can lie, the inflater cannot. */
function verifyZipExpansion(bytes: Buffer, entries: ReturnType<typeof inspectZip> & { ok: true }): void {
  let total = 0;
  for (const e of entries.entries) {
    const at = e.localHeaderOffset;
    if (bytes.readUInt32LE(at) !== 0x04034b50) throw unsupported("The archive's entries are damaged.");
    const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
    const data = bytes.subarray(start, start + e.compressedSize);
    let size: number;
    if (e.method === 0) size = data.length;
    else if (e.method === 8) {
      try {
        size = inflateRawSync(data, {
          maxOutputLength: Math.max(1, ZIP_LIMITS.maxTotalUncompressed - total),
        }).length;
      } catch (error) {
        if (error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
          throw tooLarge(
            `The archive would expand past ${ZIP_LIMITS.maxTotalUncompressed} bytes; refused as a possible zip bomb.`,
          );
        throw unsupported("The archive's entries are damaged.");
      }
    } else throw unsupported(`The archive uses an unsupported compression method (${e.method}).`);
    if (size !== e.uncompressedSize)
      throw unsupported("The archive's declared sizes do not match its contents.");
    total += size;
    if (total > ZIP_LIMITS.maxTotalUncompressed)
      throw tooLarge(
        `The archive would expand past ${ZIP_LIMITS.maxTotalUncompressed} bytes; refused as a possible zip bomb.`,
      );
  }
}

function unsupported(message: string, path = "(body)"): DomainError {
  return new DomainError("unsupported_media_type", message, [{ path, message }]);
}
function tooLarge(message: string): DomainError {
  return new DomainError("payload_too_large", message);
}

/**
 * Decides what the uploaded bytes are and whether they may be stored: answers the sniffed type, or
 * throws 400 (empty), 413 (zip bomb), 415 (not an allowed type, or a name/type that disagrees with it).
 */
export function checkUpload(bytes: Buffer, filename: string, declaredType: string | null): DocumentType {
  if (bytes.length === 0)
    throw new DomainError("invalid_request", "The file is empty.", [{ path: "(body)", message: "is empty" }]);
  if (bytes.length > MAX_DOCUMENT_BYTES)
    throw tooLarge(`The file is larger than ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB.`);
  const type = sniffDocumentType(bytes);
  if (!type)
    throw unsupported(
      "The file's content is not an accepted type (PDF, PNG, JPEG, GIF, TIFF, plain text or DOCX), whatever its name says.",
    );
  if (type === "application/vnd.openxmlformats-officedocument.wordprocessingml.document") {
    const v = inspectZip(bytes, ZIP_LIMITS);
    if (!v.ok) {
      if (v.reason === "too-large" || v.reason === "ratio" || v.reason === "too-many-entries")
        throw tooLarge(v.message);
      throw unsupported(v.message);
    }
    if (!isDocx(v.entries))
      throw unsupported("The file is a ZIP archive, not a Word (DOCX) document; archives are not accepted.");
    verifyZipExpansion(bytes, v);
  }
  if (!extensionFits(filename, type))
    throw unsupported(
      `The file's content is ${type}, but its name (${filename}) says otherwise; name it .${DOCUMENT_TYPES[type].extensions[0]}.`,
      "filename",
    );
  if (declaredType && declaredType !== "application/octet-stream" && declaredType !== type)
    throw unsupported(`The file was sent as ${declaredType}, but its content is ${type}.`, "content-type");
  return type;
}

async function documentWithAccess(
  trx: Trx,
  services: Services,
  actor: Actor,
  id: string,
): Promise<{ meta: DocumentMeta; access: PatientAccess }> {
  const meta = await trx
    .selectFrom("clinical_documents")
    .select(META_COLUMNS)
    .where("organization_id", "=", actor.organizationId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!meta) throw notFound("document");
  let access: PatientAccess;
  try {
    access = await requirePatientAccess(trx, services, actor, meta.patient_id, "clinical");
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") throw notFound("document");
    throw error;
  }
  // The one visibility rule (core records/record-visibility.ts): a document filed on a sensitive visit is
  // that visit's clinical content.
  const encounter = meta.encounter_id ? await loadEncounterRow(trx, actor, meta.encounter_id) : null;
  if (!documentShown(readerOf(actor, access), encounter)) throw notFound("document");
  return { meta, access };
}

export interface UploadInput {
  bytes: Buffer;
  filename: string;
  title: string;
  category: DocumentCategory;
  declaredType: string | null;
  encounterId?: string | null;
}

export async function uploadDocument(
  services: Services,
  actor: Actor,
  patientId: string,
  input: UploadInput,
): Promise<DocumentView> {
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "document.create",
      resourceType: "DocumentReference",
      resourceId: id,
      patientId,
      detail: { sizeBytes: input.bytes.length },
    },
    async (trx) => {
      const access = await requirePatientAccess(trx, services, actor, patientId, "clinical");
      const filename = safeFilename(input.filename);
      if (!filename)
        throw new DomainError("invalid_request", "Give the file's name.", [
          { path: "filename", message: "must not be empty" },
        ]);
      const type = checkUpload(input.bytes, filename, input.declaredType);
      if (input.encounterId) {
        const e = await trx
          .selectFrom("encounters")
          .selectAll()
          .where("organization_id", "=", actor.organizationId)
          .where("id", "=", input.encounterId)
          .where("patient_id", "=", patientId)
          .executeTakeFirst();
        if (!e || !encounterVisible(actor, access, e, "clinical"))
          throw new DomainError("invalid_request", "No encounter of this patient with that id.", [
            { path: "encounterId", message: "is not an encounter of this patient" },
          ]);
      }
      const at = services.clock().toISOString();
      const row: ClinicalDocumentsTable = {
        organization_id: actor.organizationId,
        id,
        patient_id: patientId,
        encounter_id: input.encounterId ?? null,
        title: input.title,
        category: input.category,
        filename,
        content_type: type,
        size_bytes: input.bytes.length,
        sha256: createHash("sha256").update(input.bytes).digest("hex"),
        status: "current",
        error_reason: null,
        uploaded_by: actor.userId,
        created_at: at,
        updated_at: at,
        content_enc: sealBytes(services.secrets, input.bytes),
      };
      await trx.insertInto("clinical_documents").values(row).execute();
      return present(row);
    },
  );
}

export async function listDocuments(
  services: Services,
  actor: Actor,
  patientId: string,
  options: { includeEnteredInError?: boolean } = {},
): Promise<{ items: DocumentView[]; total: number }> {
  return audited(
    services,
    actor,
    { action: "document.search", resourceType: "DocumentReference", patientId },
    async (trx) => {
      const access = await requirePatientAccess(trx, services, actor, patientId, "clinical");
      let q = trx
        .selectFrom("clinical_documents")
        .select(META_COLUMNS)
        .where("organization_id", "=", actor.organizationId)
        .where("patient_id", "=", patientId);
      if (!options.includeEnteredInError) q = q.where("status", "!=", "entered-in-error");
      const rows = await q.orderBy("created_at", "desc").execute();
      const encounterIds = [
        ...new Set(rows.map((r) => r.encounter_id).filter((e): e is string => e !== null)),
      ];
      const encounters = encounterIds.length
        ? await trx
            .selectFrom("encounters")
            .select(["id", "sensitive", "practitioner_id"])
            .where("organization_id", "=", actor.organizationId)
            .where("id", "in", encounterIds)
            .execute()
        : [];
      const reader = readerOf(actor, access);
      const visible = rows.filter((r) => {
        if (!r.encounter_id) return documentShown(reader, null);
        const e = encounters.find((x) => x.id === r.encounter_id);
        return e ? documentShown(reader, e) : false;
      });
      return { items: visible.map(present), total: visible.length };
    },
  );
}

export async function getDocument(services: Services, actor: Actor, id: string): Promise<DocumentView> {
  return audited(
    services,
    actor,
    {
      action: "document.read",
      resourceType: "DocumentReference",
      resourceId: id,
      fromResult: (d: DocumentView) => ({ patientId: d.patientId }),
    },
    async (trx) => present((await documentWithAccess(trx, services, actor, id)).meta),
  );
}

export interface DocumentContent {
  document: DocumentView;
  bytes: Buffer;
  /** PDF and images may be shown in the browser; everything else only downloads. */
  inline: boolean;
}

export async function getDocumentContent(
  services: Services,
  actor: Actor,
  id: string,
): Promise<DocumentContent> {
  return audited(
    services,
    actor,
    {
      action: "document.download",
      resourceType: "DocumentReference",
      resourceId: id,
      fromResult: (d: DocumentContent) => ({ patientId: d.document.patientId }),
    },
    async (trx) => {
      const { meta } = await documentWithAccess(trx, services, actor, id);
      const row = await trx
        .selectFrom("clinical_documents")
        .select("content_enc")
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      const bytes = openBytes(services.secrets, row.content_enc);
      // The digest recorded at upload proves the bytes served are the bytes received.
      if (createHash("sha256").update(bytes).digest("hex") !== meta.sha256)
        throw new DomainError("internal", "The document's content does not match its recorded digest.");
      const type = meta.content_type as DocumentType;
      return { document: present(meta), bytes, inline: DOCUMENT_TYPES[type]?.inline ?? false };
    },
  );
}

export async function markDocumentEnteredInError(
  services: Services,
  actor: Actor,
  id: string,
  reason: string,
): Promise<DocumentView> {
  return audited(
    services,
    actor,
    {
      action: "document.entered-in-error",
      resourceType: "DocumentReference",
      resourceId: id,
      fromResult: (d: DocumentView) => ({ patientId: d.patientId }),
    },
    async (trx) => {
      const { meta } = await documentWithAccess(trx, services, actor, id);
      if (meta.status === "entered-in-error")
        throw new DomainError("conflict", "This document is already marked entered in error.");
      const at = services.clock().toISOString();
      await trx
        .updateTable("clinical_documents")
        .set({ status: "entered-in-error", error_reason: reason, updated_at: at })
        .where("organization_id", "=", actor.organizationId)
        .where("id", "=", id)
        .execute();
      return present({ ...meta, status: "entered-in-error", error_reason: reason, updated_at: at });
    },
  );
}
