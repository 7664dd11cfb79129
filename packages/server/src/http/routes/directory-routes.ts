import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createLocation,
  createResource,
  getLocation,
  getResource,
  listLocations,
  listResources,
  updateLocation,
  updateResource,
} from "../../directory/locations.ts";
import {
  createPatient,
  getPatient,
  listPatients,
  PossibleDuplicateError,
  updatePatient,
} from "../../directory/patients.ts";
import {
  addLicense,
  createStaff,
  getStaff,
  listStaff,
  removeLicense,
  updateLicense,
  updateStaff,
} from "../../directory/staff.ts";
import type { Services } from "../../platform/services.ts";
import { actorOf } from "../guard.ts";
import {
  errorBody,
  id,
  idParams,
  listQuery,
  optionalText,
  page,
  plainDate,
  STATE_CODE,
  STATE_CODE_MESSAGE,
  stateCode,
  text,
} from "../schemas.ts";

const locationOut = z.object({
  id: z.string(),
  name: z.string(),
  timeZone: z.string(),
  addressLine1: z.string().nullable(),
  addressLine2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
  phone: z.string().nullable(),
  active: z.boolean(),
});
const locationIn = z.strictObject({
  name: text(200),
  timeZone: text(64),
  addressLine1: optionalText(200),
  addressLine2: optionalText(200),
  city: optionalText(100),
  state: stateCode,
  postalCode: optionalText(20),
  phone: optionalText(40),
  active: z.boolean().optional(),
});

const roomOut = z.object({ id: z.string(), locationId: z.string(), name: z.string(), active: z.boolean() });
const equipmentOut = roomOut.extend({ kind: z.string() });
const roomIn = z.strictObject({ locationId: id, name: text(200), active: z.boolean().optional() });
const equipmentIn = roomIn.extend({ kind: text(100) });

const licenseOut = z.object({ id: z.string(), state: z.string(), number: z.string(), expiresOn: z.string() });
const licenseIn = z.strictObject({
  state: z.string().regex(STATE_CODE, STATE_CODE_MESSAGE),
  number: text(50),
  expiresOn: plainDate,
});
const staffOut = z.object({
  id: z.string(),
  kind: z.enum(["practitioner", "staff"]),
  givenName: z.string(),
  familyName: z.string(),
  jobTitle: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  npi: z.string().nullable(),
  taxonomy: z.string().nullable(),
  userId: z.string().nullable(),
  active: z.boolean(),
  licenses: z.array(licenseOut),
});
const staffIn = z.strictObject({
  kind: z.enum(["practitioner", "staff"]),
  givenName: text(100),
  familyName: text(100),
  jobTitle: optionalText(100),
  email: optionalText(320),
  phone: optionalText(40),
  npi: z.union([z.string().regex(/^\d{10}$/, "must be 10 digits"), z.literal(""), z.null()]).optional(),
  taxonomy: z
    .union([
      z.string().regex(/^[0-9A-Z]{9}X$/, "must be a 10-character taxonomy code such as 207Q00000X"),
      z.literal(""),
      z.null(),
    ])
    .optional()
    .transform((v) => v || null),
  active: z.boolean().optional(),
});

const sex = z.enum(["female", "male", "other", "unknown"]);
const guarantorRelationship = z.enum(["self", "parent", "spouse", "guardian", "other"]);
const contactMethod = z.enum(["phone", "sms", "email", "mail"]);
const guarantorOut = z.object({
  relationship: guarantorRelationship,
  givenName: z.string().nullable(),
  familyName: z.string().nullable(),
  dateOfBirth: z.string().nullable(),
  phone: z.string().nullable(),
  addressLine1: z.string().nullable(),
  addressLine2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
});
export const patientOut = z.object({
  id: z.string(),
  mrn: z.string(),
  givenName: z.string(),
  middleName: z.string().nullable(),
  familyName: z.string(),
  nameSuffix: z.string().nullable(),
  preferredName: z.string().nullable(),
  dateOfBirth: z.string(),
  sex,
  genderIdentity: z.string().nullable(),
  pronouns: z.string().nullable(),
  language: z.string().nullable(),
  interpreterNeeded: z.boolean(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  addressLine1: z.string().nullable(),
  addressLine2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
  contactMethod: contactMethod.nullable(),
  mayLeaveMessage: z.boolean().nullable(),
  mayText: z.boolean().nullable(),
  guarantor: guarantorOut.nullable(),
  primaryPractitionerId: z.string().nullable(),
  frontDeskNote: z.string().nullable(),
  ssnLast4: z.string().nullable(),
  active: z.boolean(),
  enteredInError: z.boolean(),
  mergedIntoId: z.string().nullable(),
});
export const duplicateCandidateOut = z.object({
  id: z.string(),
  mrn: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  dateOfBirth: z.string(),
  score: z.number(),
  reasons: z.array(z.enum(["name", "phone", "email"])),
});
const possibleDuplicateOut = z.object({
  error: z.object({
    code: z.literal("possible_duplicate"),
    message: z.string(),
    requestId: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
    candidates: z.array(duplicateCandidateOut),
  }),
});
const guarantorIn = z.strictObject({
  relationship: guarantorRelationship,
  givenName: optionalText(100),
  familyName: optionalText(100),
  dateOfBirth: z.union([plainDate, z.null()]).optional(),
  phone: optionalText(40),
  addressLine1: optionalText(200),
  addressLine2: optionalText(200),
  city: optionalText(100),
  state: stateCode,
  postalCode: optionalText(20),
});
const patientIn = z.strictObject({
  mrn: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,20}$/, "must be 1-20 letters, digits or hyphens")
    .optional(),
  givenName: text(100),
  middleName: optionalText(100),
  familyName: text(100),
  nameSuffix: optionalText(20),
  preferredName: optionalText(100),
  dateOfBirth: plainDate,
  sex,
  genderIdentity: optionalText(100),
  pronouns: optionalText(40),
  language: optionalText(60),
  interpreterNeeded: z.boolean().optional(),
  phone: optionalText(40),
  email: optionalText(320),
  addressLine1: optionalText(200),
  addressLine2: optionalText(200),
  city: optionalText(100),
  state: stateCode,
  postalCode: optionalText(20),
  contactMethod: contactMethod.nullable().optional(),
  mayLeaveMessage: z.boolean().nullable().optional(),
  mayText: z.boolean().nullable().optional(),
  guarantor: guarantorIn.nullable().optional(),
  primaryPractitionerId: id.nullable().optional(),
  frontDeskNote: optionalText(2000),
  ssn: z
    .union([z.string().regex(/^\d{3}-?\d{2}-?\d{4}$/, "must be 9 digits, e.g. 123-45-6789"), z.null()])
    .optional(),
  active: z.boolean().optional(),
  enteredInError: z.boolean().optional(),
});

/** Requires at least one field in a PATCH body. */
function patchOf<T extends z.ZodObject>(schema: T) {
  return schema.partial().refine((v) => Object.keys(v).length > 0, "send at least one field to change");
}

export function directoryRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  // Locations
  const lt = ["Locations"];
  r.get("/api/locations", {
    config: { permission: "locations:read" },
    schema: {
      tags: lt,
      summary: "List and search locations",
      querystring: listQuery,
      response: { 200: page(locationOut) },
    },
    handler: async (req) => listLocations(services, actorOf(req), req.query),
  });
  r.post("/api/locations", {
    config: { permission: "locations:write" },
    schema: { tags: lt, summary: "Create a location", body: locationIn, response: { 201: locationOut } },
    handler: async (req, reply) =>
      reply.status(201).send(await createLocation(services, actorOf(req), req.body)),
  });
  r.get("/api/locations/:id", {
    config: { permission: "locations:read" },
    schema: { tags: lt, summary: "Read a location", params: idParams, response: { 200: locationOut } },
    handler: async (req) => getLocation(services, actorOf(req), req.params.id),
  });
  r.patch("/api/locations/:id", {
    config: { permission: "locations:write" },
    schema: {
      tags: lt,
      summary: "Change a location",
      params: idParams,
      body: patchOf(locationIn),
      response: { 200: locationOut },
    },
    handler: async (req) => updateLocation(services, actorOf(req), req.params.id, req.body),
  });

  // Rooms and equipment
  for (const [table, out, input, tag] of [
    ["rooms", roomOut, roomIn, "Rooms"],
    ["equipment", equipmentOut, equipmentIn, "Equipment"],
  ] as const) {
    const q = listQuery.extend({ locationId: id.optional() });
    r.get(`/api/${table}`, {
      config: { permission: "locations:read" },
      schema: { tags: [tag], summary: `List ${table}`, querystring: q, response: { 200: page(out) } },
      handler: async (req) => listResources(services, actorOf(req), table, req.query),
    });
    r.post(`/api/${table}`, {
      config: { permission: "locations:write" },
      schema: {
        tags: [tag],
        summary: `Create ${table === "rooms" ? "a room" : "equipment"}`,
        body: input,
        response: { 201: out },
      },
      handler: async (req, reply) =>
        reply.status(201).send(await createResource(services, actorOf(req), table, req.body)),
    });
    r.get(`/api/${table}/:id`, {
      config: { permission: "locations:read" },
      schema: {
        tags: [tag],
        summary: `Read ${table === "rooms" ? "a room" : "equipment"}`,
        params: idParams,
        response: { 200: out },
      },
      handler: async (req) => getResource(services, actorOf(req), table, req.params.id),
    });
    r.patch(`/api/${table}/:id`, {
      config: { permission: "locations:write" },
      schema: {
        tags: [tag],
        summary: `Change ${table === "rooms" ? "a room" : "equipment"}`,
        params: idParams,
        body: patchOf(input),
        response: { 200: out },
      },
      handler: async (req) => updateResource(services, actorOf(req), table, req.params.id, req.body),
    });
  }

  // Staff
  const st = ["Staff"];
  r.get("/api/staff", {
    config: { permission: "staff:read" },
    schema: {
      tags: st,
      summary: "List and search staff members",
      querystring: listQuery.extend({ kind: z.enum(["practitioner", "staff"]).optional() }),
      response: { 200: page(staffOut) },
    },
    handler: async (req) => listStaff(services, actorOf(req), req.query),
  });
  r.post("/api/staff", {
    config: { permission: "staff:write" },
    schema: { tags: st, summary: "Create a staff member", body: staffIn, response: { 201: staffOut } },
    handler: async (req, reply) =>
      reply.status(201).send(await createStaff(services, actorOf(req), req.body)),
  });
  r.get("/api/staff/:id", {
    config: { permission: "staff:read" },
    schema: { tags: st, summary: "Read a staff member", params: idParams, response: { 200: staffOut } },
    handler: async (req) => getStaff(services, actorOf(req), req.params.id),
  });
  r.patch("/api/staff/:id", {
    config: { permission: "staff:write" },
    schema: {
      tags: st,
      summary: "Change a staff member",
      params: idParams,
      body: patchOf(staffIn),
      response: { 200: staffOut },
    },
    handler: async (req) => updateStaff(services, actorOf(req), req.params.id, req.body),
  });
  const licenseParams = z.strictObject({ id, licenseId: id });
  r.post("/api/staff/:id/licenses", {
    config: { permission: "staff:write" },
    schema: {
      tags: st,
      summary: "Add a license",
      params: idParams,
      body: licenseIn,
      response: { 201: staffOut },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await addLicense(services, actorOf(req), req.params.id, req.body)),
  });
  r.patch("/api/staff/:id/licenses/:licenseId", {
    config: { permission: "staff:write" },
    schema: {
      tags: st,
      summary: "Change a license",
      params: licenseParams,
      body: patchOf(licenseIn),
      response: { 200: staffOut },
    },
    handler: async (req) =>
      updateLicense(services, actorOf(req), req.params.id, req.params.licenseId, req.body),
  });
  r.delete("/api/staff/:id/licenses/:licenseId", {
    config: { permission: "staff:write" },
    schema: { tags: st, summary: "Remove a license", params: licenseParams, response: { 200: staffOut } },
    handler: async (req) => removeLicense(services, actorOf(req), req.params.id, req.params.licenseId),
  });

  // Patients
  const pt = ["Patients"];
  r.get("/api/patients", {
    config: { permission: "patients:read" },
    schema: {
      tags: pt,
      summary: "Search patients (name, MRN or date of birth)",
      querystring: listQuery,
      response: { 200: page(patientOut) },
    },
    handler: async (req) => listPatients(services, actorOf(req), req.query),
  });
  r.post("/api/patients", {
    config: { permission: "patients:write" },
    schema: {
      tags: pt,
      summary: "Register a patient (409 possible_duplicate with candidates unless confirmedNotDuplicate)",
      body: patientIn.extend({ confirmedNotDuplicate: z.boolean().optional() }),
      response: { 201: patientOut, 409: z.union([possibleDuplicateOut, errorBody]) },
    },
    handler: async (req, reply) => {
      try {
        return reply.status(201).send(await createPatient(services, actorOf(req), req.body));
      } catch (error) {
        // The one refusal that carries data: the candidates the caller may see, so the person at the desk
        // can pick the existing record instead (or confirm a different person and send again).
        if (error instanceof PossibleDuplicateError) {
          return reply.status(409).send({
            error: {
              code: "possible_duplicate" as const,
              message: error.message,
              requestId: String(req.id),
              details: [],
              candidates: error.candidates,
            },
          });
        }
        throw error;
      }
    },
  });
  r.get("/api/patients/:id", {
    config: { permission: "patients:read" },
    schema: {
      tags: pt,
      summary: "Read a patient's demographics",
      params: idParams,
      response: { 200: patientOut },
    },
    handler: async (req) => getPatient(services, actorOf(req), req.params.id),
  });
  r.patch("/api/patients/:id", {
    config: { permission: "patients:write" },
    schema: {
      tags: pt,
      summary: "Change a patient's demographics",
      params: idParams,
      body: patchOf(patientIn),
      response: { 200: patientOut },
    },
    handler: async (req) => updatePatient(services, actorOf(req), req.params.id, req.body),
  });
}
