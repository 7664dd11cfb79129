import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asBearer,
  asSession,
  bearer,
  closeTestServices,
  countRows,
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
import {
  ABANDONED_AFTER_MS,
  KEY_LIFETIME_MS,
  principalOf,
  purgeExpiredIdempotencyKeys,
} from "./idempotency.ts";

/** Idempotency-Key on HTTP writes (issue 11, item 4): one write per key, the same answer replayed. */
describe(`idempotency keys (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let frontDesk: string;
  let otherFrontDesk: string;
  let betaFrontDesk: string;
  let session: SignedIn;
  let n = 0;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    frontDesk = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    otherFrontDesk = await bearer(services, seed.alpha, seed.alpha.allRoles.email, "front-desk");
    betaFrontDesk = await bearer(services, seed.beta, seed.beta.users["front-desk"].email);
    session = await signIn(app, seed.alpha.users["front-desk"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  /** A new patient's fields, unlike any other (no possible-duplicate answer). */
  const newPatient = () => {
    n++;
    return {
      givenName: `Ida${"abcdefghij"[n % 10]}`,
      familyName: `Idempotent${String.fromCharCode(65 + (n % 26))}${String.fromCharCode(65 + ((n / 26) | 0))}`,
      dateOfBirth: `19${50 + n}-01-0${(n % 9) + 1}`,
      sex: "female",
    };
  };
  const withKey = (key: string) => ({ headers: { "idempotency-key": key } });
  const patients = () => countRows(services, "patients", seed.alpha.id);
  const replays = async () =>
    (
      await services.systemDb
        .selectFrom("audit_entries")
        .select(["resource_id", "detail", "outcome"])
        .where("organization_id", "=", seed.alpha.id)
        .where("action", "=", "request.replay")
        .execute()
    ).length;

  it("the same key and body run once; the second gets the first answer, byte for byte, and is audited", async () => {
    const key = randomUUID();
    const body = newPatient();
    const before = await patients();
    const auditedBefore = await replays();
    const first = await asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key));
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    // The fields in another order are the same body.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await asBearer(app, frontDesk, "POST", "/api/patients", reordered, withKey(key));
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers["content-type"]).toBe(first.headers["content-type"]);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(await patients()).toBe(before + 1);
    expect(await replays()).toBe(auditedBefore + 1);
  });

  it("without a key every request runs (nothing stored)", async () => {
    const body = newPatient();
    const rows = await countRows(services, "idempotency_keys");
    const before = await patients();
    expect((await asBearer(app, frontDesk, "POST", "/api/patients", body)).statusCode).toBe(201);
    const again = await asBearer(app, frontDesk, "POST", "/api/patients", body);
    expect(again.statusCode).toBe(409); // the possible-duplicate check, the row exists once already
    expect(await patients()).toBe(before + 1);
    expect(await countRows(services, "idempotency_keys")).toBe(rows);
  });

  it("the same key with another body, path or method is 422 idempotency_key_reused", async () => {
    const key = randomUUID();
    const body = newPatient();
    expect((await asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key))).statusCode).toBe(
      201,
    );
    const before = await patients();
    const other = await asBearer(app, frontDesk, "POST", "/api/patients", newPatient(), withKey(key));
    expect(other.statusCode).toBe(422);
    expect(errorOf(other).code).toBe("idempotency_key_reused");
    expect(errorOf(other).message).toContain("POST /api/patients");
    const otherPath = await asBearer(
      app,
      frontDesk,
      "PATCH",
      `/api/patients/${seed.alpha.patientIds[0]}`,
      { phone: "+1 512 555 0199" },
      withKey(key),
    );
    expect(otherPath.statusCode).toBe(422);
    expect(await patients()).toBe(before);
  });

  it("keys are per caller: another user, a token with other roles, another organization each run afresh", async () => {
    const key = randomUUID();
    const before = await patients();
    const a = await asBearer(app, frontDesk, "POST", "/api/patients", newPatient(), withKey(key));
    expect(a.statusCode).toBe(201);
    // Another user of the same organization, same key, another body: their own key, not a 422.
    const b = await asBearer(app, otherFrontDesk, "POST", "/api/patients", newPatient(), withKey(key));
    expect(b.statusCode, b.body).toBe(201);
    expect(b.headers["idempotent-replayed"]).toBeUndefined();
    // The same user's session (another role set than a token? here the same role, but another way in):
    const c = await asSession(app, session, "POST", "/api/patients", newPatient(), withKey(key));
    expect(c.statusCode, c.body).toBe(201);
    expect(await patients()).toBe(before + 3);
    // Another organization with the very same key and body as the first: runs there, sees nothing of alpha's.
    const d = await asBearer(app, betaFrontDesk, "POST", "/api/patients", newPatient(), withKey(key));
    expect(d.statusCode, d.body).toBe(201);
    expect(d.body).not.toBe(a.body);
    const stored = await services.systemDb
      .selectFrom("idempotency_keys")
      .select(["organization_id", "principal"])
      .where("key", "=", key)
      .execute();
    expect(stored).toHaveLength(4);
    expect(new Set(stored.map((s) => `${s.organization_id} ${s.principal}`)).size).toBe(4);
  });

  it("bad keys are refused with 400 before anything runs", async () => {
    const before = await patients();
    for (const key of ["", "x".repeat(256), "has space", "tab\there", "é"]) {
      const r = await asBearer(app, frontDesk, "POST", "/api/patients", newPatient(), withKey(key));
      expect(r.statusCode, JSON.stringify(key)).toBe(400);
      expect(errorOf(r).code).toBe("idempotency_key_invalid");
    }
    expect(
      (await asBearer(app, frontDesk, "POST", "/api/patients", newPatient(), withKey("x".repeat(255))))
        .statusCode,
    ).toBe(201);
    expect(await patients()).toBe(before + 1);
  });

  it("while the first request is in flight the second gets 409 idempotency_key_in_flight; an abandoned one is taken over", async () => {
    const key = randomUUID();
    const body = newPatient();
    const frontDeskActor = {
      organizationId: seed.alpha.id,
      userId: seed.alpha.users["front-desk"].id,
      label: "",
      roles: ["front-desk" as const],
      permissions: [],
      via: "token" as const,
      ip: null,
      requestId: null,
    };
    // A reservation without an answer, as a request still running holds it. Its hash does not matter:
    // the in-flight answer is given only for the same request, so insert the real request's hash by
    // sending it first and then clearing its answer.
    const first = await asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key));
    expect(first.statusCode).toBe(201);
    const where = {
      organization_id: seed.alpha.id,
      principal: principalOf(frontDeskActor),
      key,
    };
    const updated = await services.systemDb
      .updateTable("idempotency_keys")
      .set({ response_status: null, response_body_enc: null, response_content_type: null })
      .where("organization_id", "=", where.organization_id)
      .where("principal", "=", where.principal)
      .where("key", "=", where.key)
      .executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(1);
    const busy = await asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key));
    expect(busy.statusCode).toBe(409);
    expect(errorOf(busy).code).toBe("idempotency_key_in_flight");
    expect(busy.headers["retry-after"]).toBe("1");
    // The process that held it died: after ABANDONED_AFTER_MS the key is taken over and the request runs.
    services.clock.advance(ABANDONED_AFTER_MS);
    const again = await asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key));
    expect(again.statusCode).toBe(409); // it ran: the patient from the first run is a possible duplicate
    expect(errorOf(again).code).not.toBe("idempotency_key_in_flight");
    const replay = await asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key));
    expect(replay.body).toBe(again.body);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
  });

  it("concurrent double submits create one row", async () => {
    const key = randomUUID();
    const body = newPatient();
    const before = await patients();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key))),
    );
    expect(await patients()).toBe(before + 1);
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    for (const a of answers) {
      if (a.statusCode === 201)
        expect(a.json().id).toBe(answers.find((x) => x.statusCode === 201)!.json().id);
      else {
        expect(a.statusCode).toBe(409);
        expect(errorOf(a).code).toBe("idempotency_key_in_flight");
      }
    }
  });

  it("error answers below 500 and empty 204 answers are replayed too", async () => {
    const key = randomUUID();
    const missing = `/api/patients/${randomUUID()}`;
    const a = await asBearer(app, frontDesk, "PATCH", missing, { phone: "+1 512 555 0100" }, withKey(key));
    expect(a.statusCode).toBe(404);
    const b = await asBearer(app, frontDesk, "PATCH", missing, { phone: "+1 512 555 0100" }, withKey(key));
    expect(b.statusCode).toBe(404);
    expect(b.body).toBe(a.body); // the first request's id inside, as it was sent
    expect(b.headers["idempotent-replayed"]).toBe("true");

    const manager = await bearer(services, seed.alpha, seed.alpha.users.manager.email);
    const feed = await asBearer(app, manager, "POST", "/api/calendar-feeds", {
      practitionerId: seed.alpha.practitionerId,
    });
    expect(feed.statusCode, feed.body).toBe(201);
    {
      const url = `/api/calendar-feeds/${feed.json().id}`;
      const delKey = randomUUID();
      const d1 = await asBearer(app, manager, "DELETE", url, undefined, withKey(delKey));
      expect(d1.statusCode).toBe(204);
      const d2 = await asBearer(app, manager, "DELETE", url, undefined, withKey(delKey));
      expect(d2.statusCode).toBe(204);
      expect(d2.body).toBe("");
      expect(d2.headers["idempotent-replayed"]).toBe("true");
    }
  });

  it("FHIR writes are covered: the same OperationOutcome-free answer and media type", async () => {
    const key = randomUUID();
    const resource = {
      resourceType: "Patient",
      name: [{ family: "Idempotentova", given: ["Fhira"] }],
      gender: "female",
      birthDate: "1977-07-07",
    };
    const before = await patients();
    const a = await asBearer(app, frontDesk, "POST", "/fhir/R4/Patient", resource, withKey(key));
    expect(a.statusCode, a.body).toBe(201);
    const b = await asBearer(app, frontDesk, "POST", "/fhir/R4/Patient", resource, withKey(key));
    expect(b.statusCode).toBe(201);
    expect(b.body).toBe(a.body);
    expect(b.headers["content-type"]).toBe(a.headers["content-type"]);
    expect(await patients()).toBe(before + 1);
    const bad = await asBearer(app, frontDesk, "POST", "/fhir/R4/Patient", resource, withKey(""));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().resourceType).toBe("OperationOutcome");
  });

  it("keys expire after 24 hours: then the request runs again, and the clean-up deletes them", async () => {
    const key = randomUUID();
    const body = newPatient();
    expect((await asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key))).statusCode).toBe(
      201,
    );
    services.clock.advance(KEY_LIFETIME_MS - 1000);
    const replay = await asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key));
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    services.clock.advance(1000);
    const rows = await countRows(services, "idempotency_keys");
    const purged = await purgeExpiredIdempotencyKeys(services);
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await countRows(services, "idempotency_keys")).toBe(rows - purged);
    const fresh = await asBearer(app, frontDesk, "POST", "/api/patients", body, withKey(key));
    expect(fresh.headers["idempotent-replayed"]).toBeUndefined();
    expect(fresh.statusCode).toBe(409); // it ran again: the patient exists (possible duplicate)
  });
});
