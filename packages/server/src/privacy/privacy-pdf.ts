import type { PdfDocumentModel } from "../export/pdf.ts";
import { type AccessReport, OUTCOME_WORDS } from "./access-report.ts";
import type { Accounting } from "./disclosures.ts";

/** The accounting of disclosures as a readable document (the block model the PDF renders). */
export function accountingDocument(a: Accounting, practice: string): PdfDocumentModel {
  return {
    title: `Accounting of disclosures: ${a.patientName}`,
    subtitle: `${practice} · MRN ${a.mrn} · ${a.from} to ${a.to} · produced ${a.producedAt}`,
    createdAt: new Date(a.producedAt),
    blocks: [
      {
        kind: "paragraph",
        text: `Disclosures of your health information made in the last ${a.years} years, as 45 CFR 164.528 requires. Disclosures for treatment, payment and health care operations, to you, and under your written authorization are not listed.`,
      },
      {
        kind: "table",
        columns: [
          { label: "Date", width: 11 },
          { label: "Recipient", width: 22 },
          { label: "Purpose", width: 22 },
          { label: "What was disclosed", width: 27 },
          { label: "Basis", width: 18 },
        ],
        rows: a.items.map((d) => [
          d.disclosedOn,
          [d.recipientName, d.recipientAddress].filter(Boolean).join("\n"),
          d.purpose,
          d.description,
          [d.categoryLabel, d.legalBasis].filter(Boolean).join("\n"),
        ]),
        empty: "No disclosures to account for in this period.",
      },
    ],
  };
}

/** "Who looked at my record" as a readable document. */
export function accessReportDocument(r: AccessReport, practice: string): PdfDocumentModel {
  return {
    title: `Access report: ${r.patientName}`,
    subtitle: `${practice} · MRN ${r.mrn} · ${r.from} to ${r.to} (${r.timeZone}) · produced ${r.producedAt}`,
    createdAt: new Date(r.producedAt),
    blocks: [
      {
        kind: "paragraph",
        text: "Every access to this record on the practice's audit trail, newest first: who, when (UTC), what, whether it was allowed, and whether emergency (break-glass) access was used.",
      },
      ...(r.truncated
        ? [
            {
              kind: "paragraph" as const,
              text: "Only the newest 50,000 entries are shown: narrow the dates for the rest.",
            },
          ]
        : []),
      {
        kind: "table",
        columns: [
          { label: "When (UTC)", width: 17 },
          { label: "Who", width: 25 },
          { label: "What", width: 30 },
          { label: "Outcome", width: 10 },
          { label: "Break-glass", width: 10 },
        ],
        rows: r.items.map((e) => [
          e.at.replace("T", " ").replace(/\.\d+Z$/, "Z"),
          [e.userName ?? e.userEmail ?? "system", e.roles.join(", ")].filter(Boolean).join("\n"),
          e.actionText,
          OUTCOME_WORDS[e.outcome],
          e.breakGlass ? "yes" : "",
        ]),
        empty: "No access recorded in this period.",
      },
    ],
  };
}
