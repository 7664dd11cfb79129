import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asBearer,
  asSession,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  type Seed,
  type SignedIn,
  seedTwoOrgs,
  signIn,
  type TestServices,
} from "../testing/harness.ts";

/**
 * Issue 10 item 10: what a person typed is refused with a message naming the field, never clamped or
 * replaced, and nothing is written: an idle timeout of 0, a disclosure dated in the future, a state name
 * where the two-letter code goes (locations, patients, guarantors, FHIR addresses).
 */
describe(`forms never change what was typed (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let s: SignedIn;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    s = await signIn(app, seed.alpha.allRoles.email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  function refused(r: { statusCode: number; body: string }, path: string) {
    expect(r.statusCode, r.body).toBe(400);
    const error = errorOf(r as never);
    expect(error.code).toBe("invalid_request");
    expect(error.details?.map((d) => d.path)).toContain(path);
    return error;
  }

  it("an idle timeout of 0 is refused, and the setting stays as it was", async () => {
    const before = (await asSession(app, s, "GET", "/api/organization")).json();
    const zero = refused(
      await asSession(app, s, "PATCH", "/api/organization", { idleTimeoutMinutes: 0 }),
      "idleTimeoutMinutes",
    );
    expect(zero.details?.[0]?.message).toBe("must be at least 1 minute");
    refused(
      await asSession(app, s, "PATCH", "/api/organization", { idleTimeoutMinutes: 61 }),
      "idleTimeoutMinutes",
    );
    const after = (await asSession(app, s, "GET", "/api/organization")).json();
    expect(after.idleTimeoutMinutes).toBe(before.idleTimeoutMinutes);
  });

  it("a disclosure dated in the future is refused (not recorded as today)", async () => {
    const patientId = seed.alpha.patientIds[0];
    const tomorrow = new Date(services.clock().getTime() + 86_400_000).toISOString();
    const r = await asSession(app, s, "POST", `/api/patients/${patientId}/disclosures`, {
      recipientName: "County court",
      purpose: "Subpoena",
      description: "Visit notes",
      category: "judicial",
      disclosedAt: tomorrow,
    });
    expect(refused(r, "disclosedAt").message).toMatch(/future/);
    const list = (await asSession(app, s, "GET", `/api/patients/${patientId}/disclosures`)).json();
    expect(list).toEqual([]);
  });

  it("a state name is refused for a location, a patient, a guarantor and a FHIR address", async () => {
    const location = await asSession(app, s, "POST", "/api/locations", {
      name: "Austin clinic",
      timeZone: "America/Chicago",
      state: "Texas",
    });
    expect(refused(location, "state").details?.[0]?.message).toMatch(/two-letter state code/);
    const locations = (await asSession(app, s, "GET", "/api/locations")).json();
    expect(locations.items.map((l: { name: string }) => l.name)).not.toContain("Austin clinic");
    refused(
      await asSession(app, s, "PATCH", `/api/locations/${seed.alpha.locationId}`, { state: "tx" }),
      "state",
    );

    const patientId = seed.alpha.patientIds[0];
    const before = (await asSession(app, s, "GET", `/api/patients/${patientId}`)).json();
    refused(await asSession(app, s, "PATCH", `/api/patients/${patientId}`, { state: "Texas" }), "state");
    refused(
      await asSession(app, s, "PATCH", `/api/patients/${patientId}`, {
        guarantor: { relationship: "parent", givenName: "Pat", state: "Illinois" },
      }),
      "guarantor.state",
    );
    const after = (await asSession(app, s, "GET", `/api/patients/${patientId}`)).json();
    expect(after.state).toBe(before.state);

    const token = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    const fhir = await asBearer(app, token, "POST", "/fhir/R4/Patient", {
      resourceType: "Patient",
      name: [{ family: "Statename", given: ["Fhir"] }],
      birthDate: "1970-01-01",
      gender: "female",
      address: [{ city: "Austin", state: "Texas" }],
    });
    expect(fhir.statusCode, fhir.body).toBe(400);
    expect(fhir.json().resourceType).toBe("OperationOutcome");

    // The code itself, and clearing it, still work.
    const ok = await asSession(app, s, "PATCH", `/api/locations/${seed.alpha.locationId}`, { state: "TX" });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().state).toBe("TX");
    const cleared = await asSession(app, s, "PATCH", `/api/patients/${patientId}`, { state: "" });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().state).toBeNull();
  });
});
