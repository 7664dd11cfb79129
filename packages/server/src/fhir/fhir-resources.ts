import type {
  Bundle,
  CapabilityStatement,
  CapabilityStatementRestResource,
  Location,
  Organization,
  Patient,
  Practitioner,
} from "@medplum/fhirtypes";
import type { OrganizationView } from "../admin/organizations.ts";
import { billingCapabilityResources } from "../billing/fhir-billing-resources.ts";
import type { LocationView } from "../directory/locations.ts";
import type { PatientView } from "../directory/patients.ts";
import type { StaffView } from "../directory/staff.ts";

/** FHIR R4 presenters: each maps a Salus view to a resource, naming every element it fills. */
export const MRN_SYSTEM = "urn:salus:mrn";
export const NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi";

function telecom(phone: string | null, email: string | null) {
  const out: { system: "phone" | "email"; value: string }[] = [];
  if (phone) out.push({ system: "phone", value: phone });
  if (email) out.push({ system: "email", value: email });
  return out.length ? out : undefined;
}

function address(a: {
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
}) {
  const line = [a.addressLine1, a.addressLine2].filter((x): x is string => !!x);
  if (!line.length && !a.city && !a.state && !a.postalCode) return undefined;
  return {
    ...(line.length ? { line } : {}),
    ...(a.city ? { city: a.city } : {}),
    ...(a.state ? { state: a.state } : {}),
    ...(a.postalCode ? { postalCode: a.postalCode } : {}),
  };
}

export function toPatient(p: PatientView, organizationId: string): Patient {
  const addr = address(p);
  const tel = telecom(p.phone, p.email);
  return {
    resourceType: "Patient",
    id: p.id,
    identifier: [
      {
        use: "usual",
        type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0203", code: "MR" }] },
        system: MRN_SYSTEM,
        value: p.mrn,
      },
    ],
    active: p.active,
    name: [{ use: "official", family: p.familyName, given: [p.givenName] }],
    gender: p.sex,
    birthDate: p.dateOfBirth,
    ...(tel ? { telecom: tel } : {}),
    ...(addr ? { address: [addr] } : {}),
    managingOrganization: { reference: `Organization/${organizationId}` },
  };
}

export function toPractitioner(s: StaffView): Practitioner {
  const tel = telecom(s.phone, s.email);
  return {
    resourceType: "Practitioner",
    id: s.id,
    active: s.active,
    ...(s.npi ? { identifier: [{ system: NPI_SYSTEM, value: s.npi }] } : {}),
    name: [{ family: s.familyName, given: [s.givenName] }],
    ...(tel ? { telecom: tel } : {}),
    ...(s.licenses.length || s.taxonomy
      ? {
          qualification: [
            ...(s.taxonomy
              ? [{ code: { coding: [{ system: "http://nucc.org/provider-taxonomy", code: s.taxonomy }] } }]
              : []),
            ...s.licenses.map((l) => ({
              identifier: [{ system: `urn:salus:license:${l.state}`, value: l.number }],
              code: { text: `${l.state} license` },
              period: { end: l.expiresOn },
            })),
          ],
        }
      : {}),
  };
}

export function toOrganization(o: OrganizationView): Organization {
  return {
    resourceType: "Organization",
    id: o.id,
    active: true,
    identifier: [{ system: "urn:salus:organization", value: o.slug }],
    type: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/organization-type", code: "prov" }] }],
    name: o.name,
  };
}

export function toLocation(l: LocationView, organizationId: string): Location {
  const addr = address(l);
  return {
    resourceType: "Location",
    id: l.id,
    status: l.active ? "active" : "inactive",
    name: l.name,
    mode: "instance",
    ...(l.phone ? { telecom: [{ system: "phone", value: l.phone }] } : {}),
    ...(addr ? { address: addr } : {}),
    managingOrganization: { reference: `Organization/${organizationId}` },
    extension: [{ url: "http://hl7.org/fhir/StructureDefinition/timezone", valueCode: l.timeZone }],
  };
}

export function searchBundle(
  base: string,
  type: string,
  resources: { id?: string | undefined }[],
  total: number,
  self: string,
  next: string | null,
): Bundle {
  return {
    resourceType: "Bundle",
    type: "searchset",
    total,
    link: [{ relation: "self", url: self }, ...(next ? [{ relation: "next", url: next }] : [])],
    entry: resources.map((resource) => ({
      fullUrl: `${base}/${type}/${resource.id}`,
      resource: resource as never,
      search: { mode: "match" },
    })),
  };
}

export function capabilityStatement(base: string, at: string): CapabilityStatement {
  type ParamType = "string" | "token" | "date" | "reference";
  const searchParam = (names: ([string, ParamType] | [string, ParamType, string])[]) =>
    names.map(([name, type, documentation]) => ({ name, type, ...(documentation ? { documentation } : {}) }));
  const resource = (
    type: CapabilityStatementRestResource["type"],
    params: ([string, ParamType] | [string, ParamType, string])[],
  ): CapabilityStatementRestResource => ({
    type,
    interaction: [{ code: "read" as const }, { code: "search-type" as const }],
    searchParam: searchParam([["_id", "token"], ...params]),
  });
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date: at,
    kind: "instance",
    fhirVersion: "4.0.1",
    format: ["application/fhir+json", "json"],
    software: { name: "Salus", version: "0.1.0" },
    implementation: { description: "Salus practice management FHIR R4 API", url: base },
    rest: [
      {
        mode: "server",
        security: {
          description:
            "Bearer token (salus token create) or a signed-in session. Results are always limited to the caller's organization.",
          service: [
            {
              coding: [
                { system: "http://terminology.hl7.org/CodeSystem/restful-security-service", code: "Basic" },
              ],
            },
          ],
        },
        resource: [
          {
            ...resource("Patient", [
              ["name", "string", "each word begins a part of a name; accents, case and punctuation aside"],
              [
                "family",
                "string",
                "begins the family name or a word of it; accents, case and punctuation aside",
              ],
              ["given", "string", "begins a given or middle name; accents, case and punctuation aside"],
              [
                "birthdate",
                "date",
                "YYYY, YYYY-MM or YYYY-MM-DD (a partial date is a range), prefixes eq ne gt lt ge le sa eb",
              ],
              ["identifier", "token", "urn:salus:mrn|{MRN} or the MRN alone; an empty value is refused"],
            ]),
            interaction: [
              { code: "read" as const },
              { code: "search-type" as const },
              { code: "create" as const },
              { code: "update" as const },
            ],
            updateCreate: false,
            documentation:
              "A clinician finds only the patients they have a relation with (treating, care team, break-glass); totals count only those. Create answers 409 when the patient looks like an existing one. Update replaces the elements Salus stores (name, gender, birthDate, telecom, address, MRN identifier, active).",
            operation: [
              {
                name: "everything",
                definition: "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                documentation:
                  "GET Patient/{id}/$everything: the whole record as the caller may see it (records:export: the privacy officer, or a clinician for their own patients).",
              },
            ],
          },
          ...(["Encounter", "Condition", "Procedure", "Coverage", "DocumentReference"] as const).map(
            (type) => ({
              ...resource(type, [["patient", "reference", "Patient/{id}; required"]]),
              documentation:
                "Search by patient only. Answers what the caller's role shows for that patient (a patient they may not see answers an empty Bundle, a read answers 404). Restricted visits carry meta.security R.",
            }),
          ),
          {
            ...resource("AuditEvent", [
              ["patient", "reference", "Patient/{id}"],
              ["agent", "token", "a user id"],
              ["date", "date", "eq, ge, gt, le, lt; a date without offset is in the practice's zone"],
              ["action", "token", "a Salus action code such as patient.read"],
            ]),
            interaction: [{ code: "search-type" as const }],
            documentation:
              "The audit trail, for the privacy officer (privacy:manage). Reading it is audited.",
          },
          resource("Practitioner", [
            ["name", "string"],
            ["identifier", "token"],
          ]),
          {
            ...resource("Organization", [
              ["name", "string", "contains, case aside"],
              ["type", "token", "prov (the practice itself) or pay (its payers); comma-separated for both"],
              ["identifier", "token", "urn:salus:organization|{slug} or urn:salus:payer-id|{payer id}"],
            ]),
            documentation:
              "The caller's own practice (type prov) and its payers (type pay, fhir:read), which Coverage.payor and Claim.insurer reference.",
          },
          resource("Location", [
            ["name", "string"],
            ["address-city", "string"],
          ]),
          // Billing (billing/fhir-billing-resources-routes.ts).
          ...billingCapabilityResources(),
          // Scheduling (fhir/fhir-scheduling-routes.ts).
          {
            ...resource("Schedule", [["actor", "reference", "Practitioner/{id} or Location/{id}"]]),
            documentation:
              "One Schedule per practitioner or room and location where it has weekly hours. Id: p|r + resource id + location id, each a UUID as 22 base-62 digits.",
          },
          {
            type: "Slot",
            interaction: [{ code: "search-type" }],
            documentation:
              "Free slots computed by the Salus slot finder (nothing is stored). appointment-type and location (or schedule) are required. The id encodes schedule, start and type and can be passed in Appointment.slot.",
            searchParam: searchParam([
              ["schedule", "reference", "Schedule/{id}; implies the location"],
              ["start", "date", "ge, gt, le, lt or eq; at most 62 days; default the next 14 days"],
              ["status", "token", "only free is supported; any other value is refused with 400"],
              ["appointment-type", "token", "urn:salus:appointment-type|{appointment type id}; required"],
              ["service-type", "token", "same as appointment-type"],
              ["location", "reference", "Location/{id}; required unless schedule is given"],
            ]),
          },
          {
            type: "Appointment",
            interaction: [{ code: "read" }, { code: "search-type" }, { code: "create" }, { code: "update" }],
            versioning: "versioned-update",
            readHistory: false,
            updateCreate: false,
            conditionalCreate: false,
            conditionalUpdate: false,
            conditionalDelete: "not-supported",
            documentation:
              "Create books (409 conflict when the time is taken); update moves (start, end, practitioner), cancels (status cancelled + cancelationReason) or changes status. Send meta.versionId or If-Match: a stale version answers 409.",
            searchParam: searchParam([
              ["patient", "reference", "Patient/{id}"],
              ["practitioner", "reference", "Practitioner/{id}"],
              ["actor", "reference", "Patient/{id}, Practitioner/{id} or Location/{id}"],
              ["location", "reference", "Location/{id}"],
              [
                "date",
                "date",
                "the start; ge, gt, le, lt or eq; a value without offset is in the practice's zone",
              ],
              ["status", "token", "comma-separated Appointment statuses"],
            ]),
          },
        ],
      },
    ],
  };
}
