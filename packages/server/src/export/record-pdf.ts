import type { PdfBlock, PdfDocumentModel } from "./pdf.ts";
import type { RecordData } from "./record-data.ts";

/** The readable copy of the record: the same data as the FHIR export, section by section. */
export function recordDocument(
  r: RecordData,
  practice: string,
  at: string,
  producedBy: string,
): PdfDocumentModel {
  const p = r.patient;
  const name = `${p.givenName} ${p.familyName}`;
  const address = [p.addressLine1, p.addressLine2, [p.city, p.state, p.postalCode].filter(Boolean).join(" ")]
    .filter(Boolean)
    .join("\n");
  const blocks: PdfBlock[] = [
    { kind: "heading", text: "Patient" },
    {
      kind: "fields",
      rows: [
        ["Name", name],
        ["Medical record number", p.mrn],
        ["Date of birth", p.dateOfBirth],
        ["Sex", p.sex],
        ["Phone", p.phone],
        ["Email", p.email],
        ["Address", address || null],
        ["Status", p.active ? "active" : "inactive"],
      ],
    },
    { kind: "heading", text: "Appointments" },
    {
      kind: "table",
      columns: [
        { label: "Start (UTC)", width: 18 },
        { label: "Type", width: 18 },
        { label: "Practitioner", width: 20 },
        { label: "Location", width: 18 },
        { label: "Status", width: 12 },
        { label: "Note", width: 20 },
      ],
      rows: r.appointments.map((a) => [
        a.start.replace("T", " ").replace(/:\d\d\.\d+Z$/, "Z"),
        a.typeName,
        r.practitioners.get(a.practitionerId) ?? a.practitionerId,
        r.locations.get(a.locationId) ?? a.locationId,
        a.status,
        [a.note, a.cancelReason].filter(Boolean).join("\n"),
      ]),
      empty: "No appointments.",
    },
    { kind: "heading", text: "Amendments" },
    {
      kind: "table",
      columns: [
        { label: "Received", width: 11 },
        { label: "Part of the record", width: 14 },
        { label: "Requested change", width: 30 },
        { label: "Status", width: 10 },
        { label: "Decision and statements", width: 35 },
      ],
      rows: r.amendments.map((a) => [
        a.receivedOn,
        a.section,
        `${a.requestedChange}\nReason: ${a.reason}`,
        a.status,
        [a.decisionNote, a.disagreement ? `Patient's statement of disagreement: ${a.disagreement}` : null]
          .filter(Boolean)
          .join("\n"),
      ]),
      empty: "No amendments.",
    },
  ];
  return {
    title: `Health record: ${name}`,
    subtitle: `${practice} · MRN ${p.mrn} · exported ${at} by ${producedBy}`,
    createdAt: new Date(at),
    blocks,
  };
}

/** Every string the document prints (tests check the record's rows all appear). */
export function documentText(model: PdfDocumentModel): string {
  const parts: string[] = [model.title, model.subtitle];
  for (const b of model.blocks) {
    if (b.kind === "heading" || b.kind === "paragraph") parts.push(b.text);
    else if (b.kind === "fields") for (const [l, v] of b.rows) parts.push(l, v ?? "");
    else {
      parts.push(...b.columns.map((c) => c.label));
      for (const row of b.rows) parts.push(...row.map((c) => c ?? ""));
    }
  }
  return parts.join("\n");
}
