import { existsSync } from "node:fs";
import PDFDocument from "pdfkit";

/**
 * Readable PDFs (record export, accounting of disclosures, access report) from a small block model, so
 * what a PDF says can be checked on the model and the renderer only lays text out. Every value is drawn
 * as text with pdfkit: nothing in a field is ever interpreted (no HTML, no links, no JavaScript, no
 * fetching), which is why the PDF cannot run script whatever a name or note contains.
 *
 * Fonts: names come in any script, so a Unicode TrueType font is embedded when the machine has one
 * (DejaVu Sans from Debian's fonts-dejavu-core: Latin, Greek, Cyrillic, Hebrew, Arabic, many symbols;
 * Noto Sans when installed). Without one the PDF falls back to the standard Helvetica, which only has
 * Western European letters: other characters print as "?" and the document says so on its first page
 * (the FHIR export always carries the exact text).
 */
export type PdfBlock =
  | { kind: "heading"; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "fields"; rows: [label: string, value: string | null][] }
  | { kind: "table"; columns: { label: string; width: number }[]; rows: (string | null)[][]; empty?: string };

export interface PdfDocumentModel {
  title: string;
  subtitle: string;
  /** The instant written as the PDF's creation date (the test clock in tests). */
  createdAt: Date;
  blocks: PdfBlock[];
}

const FONT_CANDIDATES: [regular: string, bold: string][] = [
  ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"],
  ["/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"],
  [
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
  ],
];

let chosen: { regular: string; bold: string; unicode: boolean } | undefined;

/** The font pair the PDFs use on this machine (first candidate present, else Helvetica). */
export function pdfFonts(): { regular: string; bold: string; unicode: boolean } {
  if (!chosen) {
    const found = FONT_CANDIDATES.find(([r]) => existsSync(r));
    chosen = found
      ? { regular: found[0], bold: existsSync(found[1]) ? found[1] : found[0], unicode: true }
      : { regular: "Helvetica", bold: "Helvetica-Bold", unicode: false };
  }
  return chosen;
}

/** Without a Unicode font: keep printable Latin-1, replace the rest (and every control character). */
function latin1(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff\n]/gu, "?");
}

/** Control characters (other than newline) never reach the page: they would only garble it. */
function printable(text: string, unicode: boolean): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
  const clean = text.replace(/\r\n?/g, "\n").replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, " ");
  return unicode ? clean : latin1(clean);
}

export function renderPdf(model: PdfDocumentModel): Promise<Buffer> {
  const fonts = pdfFonts();
  const t = (s: string | null) => printable(s ?? "", fonts.unicode);
  const doc = new PDFDocument({
    size: "LETTER",
    margin: 50,
    info: { Title: t(model.title), Creator: "Salus", Producer: "Salus", CreationDate: model.createdAt },
    bufferPages: true,
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const ensure = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage();
  };

  doc.font(fonts.bold).fontSize(16).text(t(model.title), left, doc.y, { width });
  doc.font(fonts.regular).fontSize(9).fillColor("#444").text(t(model.subtitle), { width });
  if (!fonts.unicode) {
    doc.text(
      "Characters outside Western European scripts are shown as ? in this PDF; the FHIR export holds them exactly.",
      {
        width,
      },
    );
  }
  doc.fillColor("black").moveDown(0.8);

  for (const block of model.blocks) {
    switch (block.kind) {
      case "heading":
        ensure(40);
        doc.moveDown(0.5).font(fonts.bold).fontSize(12).text(t(block.text), left, doc.y, { width });
        doc
          .moveTo(left, doc.y + 1)
          .lineTo(left + width, doc.y + 1)
          .strokeColor("#999")
          .stroke();
        doc.moveDown(0.4);
        break;
      case "paragraph":
        doc.font(fonts.regular).fontSize(9).text(t(block.text), left, doc.y, { width });
        doc.moveDown(0.3);
        break;
      case "fields": {
        const labelWidth = 140;
        doc.fontSize(9);
        for (const [label, value] of block.rows) {
          const v = t(value) || "—";
          const h = Math.max(
            doc.font(fonts.bold).heightOfString(t(label), { width: labelWidth - 6 }),
            doc.font(fonts.regular).heightOfString(v, { width: width - labelWidth }),
          );
          ensure(h + 2);
          const y = doc.y;
          doc.font(fonts.bold).text(t(label), left, y, { width: labelWidth - 6 });
          doc.font(fonts.regular).text(v, left + labelWidth, y, { width: width - labelWidth });
          doc.y = y + h + 2;
        }
        doc.moveDown(0.3);
        break;
      }
      case "table": {
        const total = block.columns.reduce((s, c) => s + c.width, 0);
        const widths = block.columns.map((c) => (c.width / total) * width);
        const drawRow = (cells: string[], bold: boolean) => {
          doc.font(bold ? fonts.bold : fonts.regular).fontSize(8);
          const h = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: widths[i]! - 4 })), 10);
          if (doc.y + h + 3 > bottom()) {
            doc.addPage();
            if (!bold)
              drawRow(
                block.columns.map((c) => t(c.label)),
                true,
              );
            doc.font(bold ? fonts.bold : fonts.regular).fontSize(8);
          }
          const y = doc.y;
          let x = left;
          cells.forEach((c, i) => {
            doc.text(c, x, y, { width: widths[i]! - 4 });
            x += widths[i]!;
          });
          doc.y = y + h + 3;
        };
        drawRow(
          block.columns.map((c) => t(c.label)),
          true,
        );
        if (!block.rows.length) {
          doc
            .font(fonts.regular)
            .fontSize(9)
            .text(t(block.empty ?? "None."), left, doc.y, { width });
        }
        for (const row of block.rows)
          drawRow(
            row.map((c) => t(c) || "—"),
            false,
          );
        doc.moveDown(0.5);
        break;
      }
    }
  }

  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // Writing below the bottom margin would make pdfkit open a new page: lift the margin for the footer.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font(fonts.regular)
      .fontSize(7)
      .fillColor("#666")
      .text(`${t(model.title)} · page ${i + 1} of ${range.count}`, left, doc.page.height - 35, {
        width,
        align: "center",
        lineBreak: false,
      });
    doc.page.margins.bottom = margin;
  }
  doc.end();
  return done;
}
