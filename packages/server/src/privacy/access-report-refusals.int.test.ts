import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createToken } from "../admin/tokens.ts";
import { createUser } from "../admin/users.ts";
import {
  asBearer,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  PASSWORD,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { type FullRecord, seedFullRecord } from "../testing/record-fixture.ts";

interface ReportItem {
  action: string;
  actionText: string;
  outcome: string;
  userEmail: string | null;
}

/**
 * Issue 10 item 8: the patient's access report includes refused attempts on their record (404s and 403s
 * on their visits, notes and documents), and every line is in plain words. The caller of a refused
 * request still learns nothing: the 404 is the same as for an id that does not exist.
 */
describe(`access report: refused attempts on the record (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let record: FullRecord;
  let p0: string;
  let stranger: string;
  let biller: string;
  let privacy: string;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    p0 = seed.alpha.patientIds[0];
    services.clock.set("2026-03-03T10:00:00Z");
    record = await seedFullRecord(services, seed.alpha, p0, "REF-P0");
    // A clinician of the practice with no relation to p0: their attempts are refused as "not found".
    const { user } = await createUser(services, cliActor(seed.alpha.id), {
      email: "stranger@alpha.test",
      displayName: "Unrelated clinician",
      roles: ["clinician"],
      password: PASSWORD,
    });
    stranger = (
      await createToken(services, cliActor(seed.alpha.id), {
        name: "stranger",
        userId: user.id,
        role: "clinician",
      })
    ).token;
    // A biller may not read the chart at all: 403 by permission, before any lookup.
    biller = await bearer(services, seed.alpha, seed.alpha.users.biller.email);
    privacy = await bearer(services, seed.alpha, seed.alpha.users["privacy-officer"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  /** The answer without its request id: what the caller can compare. */
  const seen = (r: { statusCode: number; body: string }) => ({
    status: r.statusCode,
    body: r.body.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<request id>"),
  });

  it("404s and 403s on the patient's visits, notes and documents are in their report, in words", async () => {
    const encounter = record.ids.encounter!;
    const note = record.ids.encounterNote!;
    const document = record.ids.document!;
    const attempts = [
      ["/api/encounters/", encounter, "encounter.read"],
      ["/api/notes/", note, "note.read"],
      ["/api/documents/", document, "document.read"],
      ["/api/documents/", `${document}/content`, "document.content"],
      ["/fhir/R4/DocumentReference/", note, "fhir.documentreference.read"],
    ] as const;
    for (const [path, id, _action] of attempts) {
      const real = await asBearer(app, stranger, "GET", `${path}${id}`);
      const missing = await asBearer(
        app,
        stranger,
        "GET",
        `${path}${id.replace(/^[0-9a-f]{8}/, "00000000")}`,
      );
      expect(real.statusCode, `${path}${id}: ${real.body}`).toBe(404);
      // Refused exactly like an id that does not exist.
      expect(seen(real), path).toEqual(seen(missing));
    }
    const forbidden = await asBearer(app, biller, "GET", `/api/notes/${note}`);
    expect(forbidden.statusCode).toBe(403);
    const forbiddenMissing = await asBearer(app, biller, "GET", `/api/notes/${randomUUID()}`);
    expect(seen(forbidden)).toEqual(seen(forbiddenMissing));

    const res = await asBearer(app, privacy, "GET", `/api/patients/${p0}/access-report?from=2026-03-03`);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as ReportItem[];
    const refused = items.filter((i) => i.outcome !== "success");
    const byStranger = refused.filter((i) => i.userEmail === "stranger@alpha.test");
    expect(byStranger.map((i) => i.action).sort()).toEqual(
      [
        "document.read",
        // the content route audits under its own action; whichever it is, it has words (below)
        ...byStranger
          .filter((i) => i.action.startsWith("document.") && i.action !== "document.read")
          .map((i) => i.action),
        "encounter.read",
        "fhir.documentreference.read",
        "note.read",
      ].sort(),
    );
    expect(byStranger).toHaveLength(5);
    const byBiller = refused.filter((i) => i.userEmail === seed.alpha.users.biller.email);
    expect(byBiller).toEqual([
      expect.objectContaining({
        action: "permission.denied",
        outcome: "denied",
        actionText: "Tried something their role does not allow",
      }),
    ]);
    // Every line in words, never a bare code.
    for (const i of items) {
      expect(i.actionText, i.action).not.toBe(i.action);
      expect(i.actionText, i.action).toMatch(/^[A-Z][a-z]/);
    }
    expect(byStranger.find((i) => i.action === "note.read")?.actionText).toBe("Read a visit note");

    // Attempts on ids that do not exist, or on another practice's patient, are in no patient's report.
    const beta = await asBearer(app, stranger, "GET", `/api/encounters/${randomUUID()}`);
    expect(beta.statusCode).toBe(404);
    const other = await asBearer(
      app,
      privacy,
      "GET",
      `/api/patients/${seed.alpha.patientIds[1]}/access-report?from=2026-03-03`,
    );
    expect((other.json().items as ReportItem[]).filter((i) => i.userEmail === "stranger@alpha.test")).toEqual(
      [],
    );
  });
});
