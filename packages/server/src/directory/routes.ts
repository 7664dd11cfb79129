import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { actorOf } from "../http/guard.ts";
import { errorBody, id, idParams, listQuery, page, patchOf } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import {
  createLocation,
  createResource,
  getLocation,
  getResource,
  listLocations,
  listResources,
  updateLocation,
  updateResource,
} from "./locations.ts";
import {
  createPatient,
  getPatient,
  listPatients,
  PossibleDuplicateError,
  updatePatient,
} from "./patients.ts";
import {
  duplicateCandidateOut,
  equipmentIn,
  equipmentOut,
  licenseIn,
  locationIn,
  locationOut,
  patientIn,
  patientOut,
  possibleDuplicateOut,
  roomIn,
  roomOut,
  staffIn,
  staffOut,
} from "./schemas.ts";
import {
  addLicense,
  createStaff,
  getStaff,
  listStaff,
  removeLicense,
  updateLicense,
  updateStaff,
} from "./staff.ts";

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
