/**
 * What an uploaded file really is, decided from its bytes (magic numbers), never from its name or the
 * type the client declared (ASVS 5.2.2). Only the types a chart needs are allowed; anything else is
 * refused. Pure: the server passes the bytes in.
 */
export const DOCUMENT_TYPES = {
  "application/pdf": { extensions: ["pdf"], inline: true },
  "image/png": { extensions: ["png"], inline: true },
  "image/jpeg": { extensions: ["jpg", "jpeg"], inline: true },
  "image/gif": { extensions: ["gif"], inline: true },
  "image/tiff": { extensions: ["tif", "tiff"], inline: false },
  "text/plain": { extensions: ["txt", "text"], inline: false },
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
    extensions: ["docx"],
    inline: false,
  },
} as const;

export type DocumentType = keyof typeof DOCUMENT_TYPES;
export const DOCX: DocumentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  return sig.every((b, i) => bytes[at + i] === b);
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04];
const ZIP_END = [0x50, 0x4b, 0x05, 0x06];

/** True when the bytes hold a ZIP end-of-central-directory record (an archive hidden in the file). */
export function containsZipDirectory(bytes: Uint8Array): boolean {
  // The record is at most 22 + 65535 bytes from the end.
  const from = Math.max(0, bytes.length - 22 - 65_535);
  for (let i = bytes.length - 22; i >= from; i--) if (startsWith(bytes, ZIP_END, i)) return true;
  return false;
}

/** True for UTF-8 text without NUL or control characters other than tab, line feed, form feed, CR. */
export function isPlainText(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  return !/[\u0000-\u0008\u000B\u000E-\u001F\u007F]/.test(text);
}

/**
 * The type of the content by its signature, or null when it is none of the allowed types. A ZIP is only
 * ever a DOCX here if its directory says so (see inspectZip); images and text that also carry a ZIP
 * directory (a "GIFAR"-style polyglot) are refused.
 */
export function sniffDocumentType(bytes: Uint8Array): DocumentType | null {
  if (bytes.length === 0) return null;
  let type: DocumentType | null = null;
  if (startsWith(bytes, ascii("%PDF-"))) type = "application/pdf";
  else if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) type = "image/png";
  else if (startsWith(bytes, [0xff, 0xd8, 0xff])) type = "image/jpeg";
  else if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) type = "image/gif";
  else if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    type = "image/tiff";
  else if (startsWith(bytes, ZIP_LOCAL)) return DOCX;
  else if (isPlainText(bytes)) type = "text/plain";
  if (type && type !== "application/pdf" && containsZipDirectory(bytes)) return null;
  return type;
}

/** The lower-case extension of a file name ("" when none). */
export function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
}

/** Does the name's extension fit the sniffed type? */
export function extensionFits(filename: string, type: DocumentType): boolean {
  return (DOCUMENT_TYPES[type].extensions as readonly string[]).includes(extensionOf(filename));
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipLimits {
  maxEntries: number;
  maxTotalUncompressed: number;
  /** Largest uncompressed/compressed ratio of one entry (zip bombs compress 1000:1 and more). */
  maxRatio: number;
}

export type ZipVerdict =
  | { ok: true; entries: ZipEntry[] }
  | {
      ok: false;
      reason: "not-zip" | "too-many-entries" | "too-large" | "ratio" | "unsafe-name" | "encrypted" | "zip64";
      message: string;
    };

function u16(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
}
function u32(b: Uint8Array, i: number): number {
  return (u16(b, i) + u16(b, i + 2) * 65_536) >>> 0;
}

/**
 * Reads a ZIP's central directory and checks it against the limits, before anything is inflated: entry
 * count, declared total size, compression ratio, names (no absolute paths or `..`), no encryption and no
 * ZIP64. The server then inflates each entry with the same limits, because declared sizes can lie.
 */
export function inspectZip(bytes: Uint8Array, limits: ZipLimits): ZipVerdict {
  let end = -1;
  const from = Math.max(0, bytes.length - 22 - 65_535);
  for (let i = bytes.length - 22; i >= from; i--) {
    if (startsWith(bytes, ZIP_END, i)) {
      end = i;
      break;
    }
  }
  if (end < 0) return { ok: false, reason: "not-zip", message: "The archive has no central directory." };
  const count = u16(bytes, end + 10);
  const dirSize = u32(bytes, end + 12);
  const dirOffset = u32(bytes, end + 16);
  if (count === 0xffff || dirOffset === 0xffffffff)
    return { ok: false, reason: "zip64", message: "ZIP64 archives are not accepted." };
  if (count > limits.maxEntries)
    return {
      ok: false,
      reason: "too-many-entries",
      message: `The archive has ${count} entries; at most ${limits.maxEntries} are accepted.`,
    };
  if (dirOffset + dirSize > end)
    return { ok: false, reason: "not-zip", message: "The archive's directory is damaged." };
  const entries: ZipEntry[] = [];
  let total = 0;
  let p = dirOffset;
  for (let n = 0; n < count; n++) {
    if (!startsWith(bytes, [0x50, 0x4b, 0x01, 0x02], p))
      return { ok: false, reason: "not-zip", message: "The archive's directory is damaged." };
    const flags = u16(bytes, p + 8);
    const method = u16(bytes, p + 10);
    const compressedSize = u32(bytes, p + 20);
    const uncompressedSize = u32(bytes, p + 24);
    const nameLength = u16(bytes, p + 28);
    const extraLength = u16(bytes, p + 30);
    const commentLength = u16(bytes, p + 32);
    const localHeaderOffset = u32(bytes, p + 42);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    if (flags & 1) return { ok: false, reason: "encrypted", message: "Encrypted archives are not accepted." };
    if (name.startsWith("/") || name.includes("\\") || name.split("/").includes(".."))
      return { ok: false, reason: "unsafe-name", message: `The archive holds an unsafe path (${name}).` };
    total += uncompressedSize;
    if (total > limits.maxTotalUncompressed)
      return {
        ok: false,
        reason: "too-large",
        message: `The archive would expand past ${limits.maxTotalUncompressed} bytes.`,
      };
    if (uncompressedSize > Math.max(compressedSize, 1) * limits.maxRatio)
      return {
        ok: false,
        reason: "ratio",
        message: `An entry (${name}) expands more than ${limits.maxRatio} times; refused as a possible zip bomb.`,
      };
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return { ok: true, entries };
}

/** A DOCX is a ZIP holding `[Content_Types].xml` and `word/document.xml`. */
export function isDocx(entries: readonly ZipEntry[]): boolean {
  const names = new Set(entries.map((e) => e.name));
  return names.has("[Content_Types].xml") && names.has("word/document.xml");
}
