import { presentPatient } from "../directory/patients.ts";
import type { PdfBlock, PdfDocumentModel } from "./pdf.ts";
import type { RecordData } from "./record-data.ts";

/** The readable copy of the record: the same data as the FHIR export, section by section. */
export function recordDocument(
  r: RecordData,
  practice: string,
  at: string,
  producedBy: string,
): PdfDocumentModel {
  const p = presentPatient(r.patient);
  const name = [p.givenName, p.middleName, p.familyName, p.nameSuffix].filter(Boolean).join(" ");
  const lines = (...xs: (string | null | undefined)[]) => xs.filter(Boolean).join("\n");
  const address = lines(
    p.addressLine1,
    p.addressLine2,
    [p.city, p.state, p.postalCode].filter(Boolean).join(" "),
  );
  const g = p.guarantor;
  const who = (id: string) => r.practitioners.get(id) ?? id;
  const where = (id: string) => r.locations.get(id) ?? id;
  const error = (status: string, reason: string | null) =>
    status === "entered-in-error" ? `ENTERED IN ERROR${reason ? `: ${reason}` : ""}` : status;
  const table = (
    title: string,
    columns: [string, number][],
    rows: (string | null)[][],
    empty: string,
  ): PdfBlock[] => [
    { kind: "heading", text: title },
    { kind: "table", columns: columns.map(([label, width]) => ({ label, width })), rows, empty },
  ];

  const blocks: PdfBlock[] = [
    { kind: "heading", text: "Patient" },
    {
      kind: "fields",
      rows: [
        ["Name", name],
        ["Preferred name", p.preferredName],
        ["Medical record number", p.mrn],
        ["Date of birth", p.dateOfBirth],
        ["Sex assigned at birth", p.sex],
        ["Gender identity", p.genderIdentity],
        ["Pronouns", p.pronouns],
        ["Language", lines(p.language, p.interpreterNeeded ? "interpreter needed" : null) || null],
        ["Phone", p.phone],
        ["Email", p.email],
        ["Address", address || null],
        ["Preferred contact", p.contactMethod],
        ["Social Security number", p.ssnLast4 ? `***-**-${p.ssnLast4}` : null],
        ["Primary practitioner", p.primaryPractitionerId ? who(p.primaryPractitionerId) : null],
        ["Front desk note", p.frontDeskNote],
        [
          "Guarantor",
          g
            ? lines(
                `${[g.givenName, g.familyName].filter(Boolean).join(" ")} (${g.relationship})`,
                g.dateOfBirth,
                g.phone,
                g.addressLine1,
                g.addressLine2,
                [g.city, g.state, g.postalCode].filter(Boolean).join(" "),
              )
            : null,
        ],
        ["Status", p.active ? "active" : "inactive"],
      ],
    },
    ...table(
      "Insurance",
      [
        ["Order", 7],
        ["Payer", 20],
        ["Member / group", 20],
        ["Subscriber", 20],
        ["Effective", 18],
        ["Status", 15],
      ],
      r.coverages.map((c) => [
        String(c.priority),
        lines(c.payer_name, c.plan_name),
        lines(c.member_id, c.group_id),
        lines(
          [c.subscriber_given_name, c.subscriber_family_name].filter(Boolean).join(" ") || null,
          c.subscriber_relationship,
        ),
        `${c.effective_from} – ${c.effective_to ?? ""}`,
        error(c.status, null),
      ]),
      "No insurance on file.",
    ),
    ...table(
      "Consents and restrictions",
      [
        ["Kind", 25],
        ["Status", 12],
        ["Effective", 20],
        ["Note", 43],
      ],
      r.consents.map((c) => [c.kind, c.status, `${c.effective_from} – ${c.effective_to ?? ""}`, c.note]),
      "None recorded.",
    ),
    ...table(
      "Appointments",
      [
        ["Start (UTC)", 18],
        ["Type", 18],
        ["Practitioner", 20],
        ["Location", 18],
        ["Status", 12],
        ["Note", 20],
      ],
      r.appointments.map((a) => [
        a.start.replace("T", " ").replace(/:\d\d\.\d+Z$/, "Z"),
        a.typeName,
        who(a.practitionerId),
        where(a.locationId),
        a.status,
        lines(a.note, a.cancelReason),
      ]),
      "No appointments.",
    ),
    ...table(
      "Visits (encounters), diagnoses and procedures",
      [
        ["Date", 11],
        ["Visit", 22],
        ["Diagnoses (ICD-10-CM)", 27],
        ["Procedures (CPT/HCPCS)", 25],
        ["Status", 15],
      ],
      r.encounters.map((e) => [
        e.date,
        lines(
          e.type,
          e.reason,
          who(e.practitionerId),
          where(e.locationId),
          e.sensitive ? "restricted" : null,
          e.selfPay ? "self-pay" : null,
        ),
        e.diagnoses
          .map((d) => `${d.position}. ${d.code}${d.description ? ` ${d.description}` : ""}`)
          .join("\n"),
        e.procedures
          .map(
            (x) =>
              `${x.code}${x.modifiers.length ? `-${x.modifiers.join("-")}` : ""} ×${x.units}${x.pointers.length ? ` (dx ${x.pointers.join(",")})` : ""}`,
          )
          .join("\n"),
        error(e.status, e.errorReason),
      ]),
      "No visits.",
    ),
    ...(r.withheld > 0
      ? [
          {
            kind: "paragraph" as const,
            text: `${r.withheld} restricted visit(s) are not included in this copy (they are for their own practitioner only).`,
          },
        ]
      : []),
    ...table(
      "Problems",
      [
        ["Problem", 40],
        ["Code", 12],
        ["Onset", 14],
        ["Resolved", 14],
        ["Status", 20],
      ],
      r.problems.map((x) => [
        x.description,
        x.code,
        x.onset_date,
        x.resolved_date,
        error(x.status, x.error_reason),
      ]),
      "No problems recorded.",
    ),
    ...table(
      "Allergies",
      [
        ["Substance", 30],
        ["Reaction", 30],
        ["Severity", 15],
        ["Status", 25],
      ],
      r.allergies.map((x) => [x.substance, x.reaction, x.severity, error(x.status, x.error_reason)]),
      "No allergies recorded.",
    ),
    ...table(
      "Medications",
      [
        ["Medication", 28],
        ["Dose and frequency", 26],
        ["From – to", 24],
        ["Status", 22],
      ],
      r.medications.map((x) => [
        x.name,
        lines(x.dose, x.frequency),
        `${x.start_date ?? ""} – ${x.end_date ?? ""}`,
        error(x.status, x.error_reason),
      ]),
      "No medications recorded.",
    ),
    { kind: "heading", text: "Visit notes" },
    ...(r.notes.length
      ? r.notes.flatMap((n): PdfBlock[] => [
          {
            kind: "fields",
            rows: [
              [n.kind === "addendum" ? "Addendum" : "Note", n.title],
              ["Visit", r.encounters.find((e) => e.id === n.encounterId)?.date ?? n.encounterId],
              ["Author", n.authorLabel],
              ["Status", lines(error(n.status, n.errorReason), n.signedAt ? `signed ${n.signedAt}` : null)],
            ],
          },
          { kind: "paragraph", text: n.text },
        ])
      : [{ kind: "paragraph" as const, text: "No notes." }]),
    ...table(
      "Documents",
      [
        ["Title", 30],
        ["Category", 18],
        ["File", 27],
        ["Added", 12],
        ["Status", 13],
      ],
      r.documents.map((d) => [
        d.title,
        d.category,
        `${d.filename} (${d.contentType}, ${d.sizeBytes} bytes)`,
        d.createdAt.slice(0, 10),
        error(d.status, d.errorReason),
      ]),
      "No documents. (The files themselves are in the FHIR export.)",
    ),
    ...table(
      "Amendments",
      [
        ["Received", 11],
        ["Part of the record", 14],
        ["Requested change", 30],
        ["Status", 10],
        ["Decision and statements", 35],
      ],
      r.amendments.map((a) => [
        a.receivedOn,
        a.section,
        `${a.requestedChange}\nReason: ${a.reason}`,
        a.status,
        lines(
          a.decisionNote,
          a.disagreement ? `Patient's statement of disagreement: ${a.disagreement}` : null,
        ),
      ]),
      "No amendments.",
    ),
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
