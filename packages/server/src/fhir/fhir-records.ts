import type {
  AllergyIntolerance,
  Condition,
  Consent,
  Coverage,
  DocumentReference,
  Encounter,
  MedicationStatement,
  Meta,
  Patient,
  Procedure,
  Reference,
} from "@medplum/fhirtypes";
import type { DocumentData, EncounterData, NoteData, RecordData } from "../export/record-data.ts";
import type { AmendmentView } from "../privacy/amendments.ts";

/**
 * FHIR R4 presenters for the patient record (records slice): each maps a Salus row to a resource and
 * names every element it fills. Entered-in-error rows stay visible with that status (never deleted).
 * A sensitive encounter and what hangs off it carry the v3 confidentiality label R (restricted).
 */
export const ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm";
export const CPT_SYSTEM = "http://www.ama-assn.org/go/cpt";
export const HCPCS_SYSTEM = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
const RESTRICTED: Meta = {
  security: [
    { system: "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", code: "R", display: "restricted" },
  ],
};

type CoverageRow = RecordData["coverages"][number];
type ProblemRow = RecordData["problems"][number];
type AllergyRow = RecordData["allergies"][number];
type MedicationRow = RecordData["medications"][number];
type ConsentRow = RecordData["consents"][number];

const patientRef = (id: string): Reference<Patient> => ({ reference: `Patient/${id}` });

const RELATIONSHIP: Record<string, string> = {
  self: "self",
  spouse: "spouse",
  child: "child",
  parent: "parent",
  other: "other",
};

export function toCoverage(c: CoverageRow): Coverage {
  const relationship = RELATIONSHIP[c.subscriber_relationship] ?? "other";
  const subscriberName = [c.subscriber_given_name, c.subscriber_family_name].filter(Boolean).join(" ");
  return {
    resourceType: "Coverage",
    id: c.id,
    status: c.status === "entered-in-error" ? "entered-in-error" : "active",
    subscriberId: c.member_id,
    beneficiary: patientRef(c.patient_id),
    ...(relationship === "self"
      ? { subscriber: patientRef(c.patient_id) }
      : subscriberName
        ? { subscriber: { display: subscriberName } }
        : {}),
    relationship: {
      coding: [
        { system: "http://terminology.hl7.org/CodeSystem/subscriber-relationship", code: relationship },
      ],
    },
    period: { start: c.effective_from, ...(c.effective_to ? { end: c.effective_to } : {}) },
    payor: [
      {
        // The payer row (billing's Organization of type pay) when the coverage names one.
        ...(c.payer_ref ? { reference: `Organization/${c.payer_ref}` } : {}),
        display: c.payer_name,
        ...(c.payer_id ? { identifier: { system: "urn:salus:payer-id", value: c.payer_id } } : {}),
      },
    ],
    order: c.priority,
    ...(c.group_id || c.plan_name
      ? {
          class: [
            ...(c.group_id
              ? [
                  {
                    type: {
                      coding: [
                        { system: "http://terminology.hl7.org/CodeSystem/coverage-class", code: "group" },
                      ],
                    },
                    value: c.group_id,
                  },
                ]
              : []),
            ...(c.plan_name
              ? [
                  {
                    type: {
                      coding: [
                        { system: "http://terminology.hl7.org/CodeSystem/coverage-class", code: "plan" },
                      ],
                    },
                    value: c.plan_name,
                    name: c.plan_name,
                  },
                ]
              : []),
          ],
        }
      : {}),
  };
}

const ENCOUNTER_STATUS: Record<string, Encounter["status"]> = {
  "in-progress": "in-progress",
  finished: "finished",
  "entered-in-error": "entered-in-error",
};

/** The id of the Condition a diagnosis becomes: encounter id + position (stable, no table of its own). */
export function diagnosisId(encounterId: string, position: number): string {
  return `${encounterId}-dx${position}`;
}
export function procedureId(encounterId: string, position: number): string {
  return `${encounterId}-px${position}`;
}

export function toEncounter(e: EncounterData, patientId: string, practitioner?: string): Encounter {
  return {
    resourceType: "Encounter",
    id: e.id,
    ...(e.sensitive ? { meta: RESTRICTED } : {}),
    status: ENCOUNTER_STATUS[e.status] ?? "unknown",
    class: { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "AMB", display: "ambulatory" },
    type: [{ text: e.type }],
    subject: patientRef(patientId),
    participant: [
      {
        individual: {
          reference: `Practitioner/${e.practitionerId}`,
          ...(practitioner ? { display: practitioner } : {}),
        },
      },
    ],
    ...(e.appointmentId ? { appointment: [{ reference: `Appointment/${e.appointmentId}` }] } : {}),
    period: { start: e.date, end: e.date },
    ...(e.reason ? { reasonCode: [{ text: e.reason }] } : {}),
    ...(e.diagnoses.length
      ? {
          diagnosis: e.diagnoses.map((d) => ({
            condition: { reference: `Condition/${diagnosisId(e.id, d.position)}` },
            rank: d.position,
          })),
        }
      : {}),
    location: [{ location: { reference: `Location/${e.locationId}` } }],
    ...(e.selfPay
      ? {
          extension: [
            {
              url: "urn:salus:fhir:self-pay-restriction",
              valueBoolean: true,
            },
          ],
        }
      : {}),
  };
}

export function toDiagnoses(e: EncounterData, patientId: string): Condition[] {
  const error = e.status === "entered-in-error";
  return e.diagnoses.map((d) => ({
    resourceType: "Condition",
    id: diagnosisId(e.id, d.position),
    ...(e.sensitive ? { meta: RESTRICTED } : {}),
    ...(error
      ? { verificationStatus: verification("entered-in-error") }
      : {
          clinicalStatus: clinical("active"),
          verificationStatus: verification("confirmed"),
        }),
    category: [
      {
        coding: [
          { system: "http://terminology.hl7.org/CodeSystem/condition-category", code: "encounter-diagnosis" },
        ],
      },
    ],
    code: {
      coding: [
        { system: ICD10CM_SYSTEM, code: d.code, ...(d.description ? { display: d.description } : {}) },
      ],
      ...(d.description ? { text: d.description } : {}),
    },
    subject: patientRef(patientId),
    encounter: { reference: `Encounter/${e.id}` },
    recordedDate: e.date,
  }));
}

export function toProcedures(e: EncounterData, patientId: string): Procedure[] {
  const error = e.status === "entered-in-error";
  return e.procedures.map((p) => ({
    resourceType: "Procedure",
    id: procedureId(e.id, p.position),
    ...(e.sensitive ? { meta: RESTRICTED } : {}),
    status: error ? "entered-in-error" : "completed",
    code: { coding: [{ system: p.codeSystem === "cpt" ? CPT_SYSTEM : HCPCS_SYSTEM, code: p.code }] },
    subject: patientRef(patientId),
    encounter: { reference: `Encounter/${e.id}` },
    performedDateTime: e.date,
    reasonReference: p.pointers
      .filter((n) => e.diagnoses.some((d) => d.position === n))
      .map((n) => ({ reference: `Condition/${diagnosisId(e.id, n)}` })),
    note: [
      {
        text: `Units: ${p.units}${p.modifiers.length ? `; modifiers: ${p.modifiers.join(", ")}` : ""}${p.pointers.length ? `; diagnosis pointers: ${p.pointers.join(", ")}` : ""}`,
      },
    ],
  }));
}

function clinical(code: string) {
  return { coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code }] };
}
function verification(code: string) {
  return { coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-ver-status", code }] };
}

export function toProblem(p: ProblemRow): Condition {
  const error = p.status === "entered-in-error";
  const status = ["active", "inactive", "resolved", "recurrence", "relapse", "remission"].includes(p.status)
    ? p.status
    : "active";
  return {
    resourceType: "Condition",
    id: p.id,
    ...(error
      ? { verificationStatus: verification("entered-in-error") }
      : { clinicalStatus: clinical(status), verificationStatus: verification("confirmed") }),
    category: [
      {
        coding: [
          { system: "http://terminology.hl7.org/CodeSystem/condition-category", code: "problem-list-item" },
        ],
      },
    ],
    code: {
      ...(p.code ? { coding: [{ system: ICD10CM_SYSTEM, code: p.code }] } : {}),
      ...(p.description ? { text: p.description } : {}),
    },
    subject: patientRef(p.patient_id),
    ...(p.onset_date ? { onsetDateTime: p.onset_date } : {}),
    ...(p.resolved_date && !error ? { abatementDateTime: p.resolved_date } : {}),
    recordedDate: p.created_at,
    ...(p.error_reason ? { note: [{ text: `Entered in error: ${p.error_reason}` }] } : {}),
  };
}

export function toAllergy(a: AllergyRow): AllergyIntolerance {
  const error = a.status === "entered-in-error";
  const status = ["active", "inactive", "resolved"].includes(a.status) ? a.status : "active";
  const severity = ["mild", "moderate", "severe"].includes(a.severity ?? "")
    ? (a.severity as "mild" | "moderate" | "severe")
    : undefined;
  return {
    resourceType: "AllergyIntolerance",
    id: a.id,
    ...(error
      ? {}
      : {
          clinicalStatus: {
            coding: [
              { system: "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", code: status },
            ],
          },
        }),
    verificationStatus: {
      coding: [
        {
          system: "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
          code: error ? "entered-in-error" : "confirmed",
        },
      ],
    },
    ...(a.substance ? { code: { text: a.substance } } : {}),
    patient: patientRef(a.patient_id),
    recordedDate: a.created_at,
    ...(a.reaction || severity
      ? {
          reaction: [
            {
              manifestation: [{ text: a.reaction ?? "unspecified" }],
              ...(severity ? { severity } : {}),
              ...(a.severity && !severity ? { description: `Severity: ${a.severity}` } : {}),
            },
          ],
        }
      : {}),
    ...(a.error_reason ? { note: [{ text: `Entered in error: ${a.error_reason}` }] } : {}),
  };
}

const MED_STATUS = [
  "active",
  "completed",
  "entered-in-error",
  "intended",
  "stopped",
  "on-hold",
  "unknown",
  "not-taken",
];

export function toMedication(m: MedicationRow): MedicationStatement {
  const dosage = [m.dose, m.frequency].filter(Boolean).join(", ");
  return {
    resourceType: "MedicationStatement",
    id: m.id,
    status: (MED_STATUS.includes(m.status) ? m.status : "unknown") as MedicationStatement["status"],
    medicationCodeableConcept: { text: m.name ?? "unspecified" },
    subject: patientRef(m.patient_id),
    ...(m.start_date || m.end_date
      ? {
          effectivePeriod: {
            ...(m.start_date ? { start: m.start_date } : {}),
            ...(m.end_date ? { end: m.end_date } : {}),
          },
        }
      : {}),
    dateAsserted: m.created_at,
    ...(dosage ? { dosage: [{ text: dosage }] } : {}),
    ...(m.error_reason ? { note: [{ text: `Entered in error: ${m.error_reason}` }] } : {}),
  };
}

function base64(text: string | Buffer): string {
  return (typeof text === "string" ? Buffer.from(text, "utf8") : text).toString("base64");
}

export function toNote(n: NoteData, patientId: string, sensitive: boolean): DocumentReference {
  return {
    resourceType: "DocumentReference",
    id: n.id,
    ...(sensitive ? { meta: RESTRICTED } : {}),
    status: n.status === "entered-in-error" ? "entered-in-error" : "current",
    docStatus: n.status === "signed" ? "final" : n.status === "draft" ? "preliminary" : undefined,
    type: {
      coding: [
        n.kind === "addendum"
          ? { system: "http://loinc.org", code: "55107-7", display: "Addendum Document" }
          : { system: "http://loinc.org", code: "11506-3", display: "Progress note" },
      ],
    },
    category: [{ text: n.kind === "addendum" ? "Addendum" : "Visit note" }],
    subject: patientRef(patientId),
    date: n.signedAt ?? n.createdAt,
    author: [{ display: n.authorLabel }],
    ...(n.title ? { description: n.title } : {}),
    ...(n.parentId
      ? { relatesTo: [{ code: "appends", target: { reference: `DocumentReference/${n.parentId}` } }] }
      : {}),
    content: [
      {
        attachment: {
          contentType: "text/plain; charset=utf-8",
          data: base64(n.text),
          ...(n.title ? { title: n.title } : {}),
        },
      },
    ],
    context: { encounter: [{ reference: `Encounter/${n.encounterId}` }] },
  };
}

export function toDocument(
  d: DocumentData,
  patientId: string,
  sensitive: boolean,
  withData: boolean,
): DocumentReference {
  return {
    resourceType: "DocumentReference",
    id: d.id,
    ...(sensitive ? { meta: RESTRICTED } : {}),
    status: d.status === "entered-in-error" ? "entered-in-error" : "current",
    category: [{ text: d.category }],
    subject: patientRef(patientId),
    date: d.createdAt,
    description: d.title,
    content: [
      {
        attachment: {
          contentType: d.contentType,
          ...(withData ? { data: d.content.toString("base64") } : { url: `/api/documents/${d.id}/content` }),
          size: d.sizeBytes,
          title: d.filename,
          creation: d.createdAt,
        },
      },
    ],
    ...(d.encounterId ? { context: { encounter: [{ reference: `Encounter/${d.encounterId}` }] } } : {}),
  };
}

const CONSENT_STATUS: Record<string, Consent["status"]> = {
  active: "active",
  revoked: "inactive",
  denied: "rejected",
};

export function toConsent(c: ConsentRow): Consent {
  return {
    resourceType: "Consent",
    id: c.id,
    status: CONSENT_STATUS[c.status] ?? "active",
    scope: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "patient-privacy" }],
    },
    category: [{ text: c.kind }],
    patient: patientRef(c.patient_id),
    dateTime: c.created_at,
    policyRule: { text: c.kind },
    provision: { period: { start: c.effective_from, ...(c.effective_to ? { end: c.effective_to } : {}) } },
    ...(c.note ? { extension: [{ url: "urn:salus:fhir:consent-note", valueString: c.note }] } : {}),
  };
}

/** An amendment request and its outcome as a document in the record (45 CFR 164.526(c)/(d)). */
export function toAmendment(a: AmendmentView, patientId: string): DocumentReference {
  const text = [
    `Amendment request received ${a.receivedOn} about: ${a.section}${a.targetType ? ` (${a.targetType}/${a.targetId})` : ""}`,
    `Requested change: ${a.requestedChange}`,
    `Reason: ${a.reason}`,
    `Status: ${a.status}${a.decidedAt ? ` on ${a.decidedAt}` : ""}`,
    ...(a.decisionNote ? [`Decision: ${a.decisionNote}`] : []),
    ...(a.disagreement ? [`Statement of disagreement: ${a.disagreement}`] : []),
  ].join("\n");
  return {
    resourceType: "DocumentReference",
    id: a.id,
    status: "current",
    category: [{ text: "Amendment request" }],
    subject: patientRef(patientId),
    date: a.createdAt,
    description: `Amendment request (${a.status})`,
    ...(a.targetType && a.targetId && a.status === "accepted"
      ? {
          relatesTo: [
            {
              code: "appends",
              target: {
                reference: `${a.targetType === "Note" || a.targetType === "Document" ? "DocumentReference" : a.targetType}/${a.targetId}`,
              },
            },
          ],
        }
      : {}),
    content: [{ attachment: { contentType: "text/plain; charset=utf-8", data: base64(text) } }],
  };
}
