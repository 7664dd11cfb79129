import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DOCX,
  extensionFits,
  extensionOf,
  inspectZip,
  isDocx,
  isPlainText,
  sniffDocumentType,
} from "./file-type.ts";
import { buildZip, minimalDocx } from "./zip-fixture.ts";

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p, "latin1")] : p)));
const LIMITS = { maxEntries: 100, maxTotalUncompressed: 1_000_000, maxRatio: 100 };

describe("sniffDocumentType", () => {
  it("recognizes each allowed type by its signature", () => {
    expect(sniffDocumentType(bytes("%PDF-1.7\n%\xe2\xe3\n"))).toBe("application/pdf");
    expect(sniffDocumentType(bytes([0x89], "PNG\r\n\x1a\n", [0, 0]))).toBe("image/png");
    expect(sniffDocumentType(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe("image/jpeg");
    expect(sniffDocumentType(bytes("GIF89a\x01\x00"))).toBe("image/gif");
    expect(sniffDocumentType(bytes("II*\x00"))).toBe("image/tiff");
    expect(sniffDocumentType(bytes("MM\x00*"))).toBe("image/tiff");
    expect(sniffDocumentType(new TextEncoder().encode("Blood pressure 120/80 — café, 王秀英\n"))).toBe(
      "text/plain",
    );
    expect(sniffDocumentType(minimalDocx())).toBe(DOCX);
  });

  it("refuses empty files, binaries and executables, whatever they are called", () => {
    expect(sniffDocumentType(new Uint8Array())).toBeNull();
    expect(sniffDocumentType(bytes("MZ\x90\x00\x03\x00"))).toBeNull();
    expect(sniffDocumentType(bytes("\x7fELF\x02\x01"))).toBeNull();
    expect(sniffDocumentType(bytes("plain\x00text"))).toBeNull();
    expect(sniffDocumentType(bytes([0xc3, 0x28]))).toBeNull(); // invalid UTF-8
  });

  it("refuses an image or text with a ZIP archive appended (a polyglot)", () => {
    const gif = bytes("GIF89a\x01\x00\x01\x00\x00\x00\x00;");
    expect(sniffDocumentType(Uint8Array.from([...gif, ...minimalDocx()]))).toBeNull();
    const text = new TextEncoder().encode("hello\n");
    expect(
      sniffDocumentType(Uint8Array.from([...text, ...buildZip([{ name: "a.txt", data: text }])])),
    ).toBeNull();
  });

  it("HTML and script are text: stored as text, never as a page", () => {
    expect(sniffDocumentType(new TextEncoder().encode("<script>alert(1)</script>"))).toBe("text/plain");
  });

  it("never throws on arbitrary bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const t = sniffDocumentType(b);
        if (t === "text/plain") expect(isPlainText(b)).toBe(true);
      }),
    );
  });
});

describe("file names", () => {
  it("takes the last extension, in lower case", () => {
    expect(extensionOf("scan.PDF")).toBe("pdf");
    expect(extensionOf("report.pdf.exe")).toBe("exe");
    expect(extensionOf("..\\..\\x.png")).toBe("png");
    expect(extensionOf(".bashrc")).toBe("");
    expect(extensionOf("noext")).toBe("");
    expect(extensionFits("photo.JPEG", "image/jpeg")).toBe(true);
    expect(extensionFits("photo.png", "image/jpeg")).toBe(false);
  });
});

describe("inspectZip", () => {
  it("lists a small archive and recognizes a DOCX", () => {
    const v = inspectZip(minimalDocx(), LIMITS);
    expect(v.ok).toBe(true);
    if (v.ok) expect(isDocx(v.entries)).toBe(true);
    const other = inspectZip(buildZip([{ name: "a.txt", data: new Uint8Array(3) }]), LIMITS);
    expect(other.ok && isDocx(other.entries)).toBe(false);
  });

  it("refuses archives that declare too much, too many entries, extreme ratios or unsafe paths", () => {
    const small = new Uint8Array(10);
    expect(
      inspectZip(buildZip([{ name: "big", data: small, declaredSize: 2_000_000 }]), LIMITS),
    ).toMatchObject({ ok: false, reason: "too-large" });
    expect(inspectZip(buildZip([{ name: "bomb", data: small, declaredSize: 10_000 }]), LIMITS)).toMatchObject(
      { ok: false, reason: "ratio" },
    );
    const many = Array.from({ length: 101 }, (_, i) => ({ name: `f${i}`, data: small }));
    expect(inspectZip(buildZip(many), LIMITS)).toMatchObject({ ok: false, reason: "too-many-entries" });
    expect(inspectZip(buildZip([{ name: "../../etc/passwd", data: small }]), LIMITS)).toMatchObject({
      ok: false,
      reason: "unsafe-name",
    });
    expect(inspectZip(bytes("PK\x03\x04 truncated"), LIMITS)).toMatchObject({ ok: false, reason: "not-zip" });
  });

  it("never throws on damaged archives (property)", () => {
    const good = minimalDocx();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, v) => {
        const b = Uint8Array.from(good);
        b[i] = v;
        inspectZip(b, LIMITS);
      }),
    );
  });
});
