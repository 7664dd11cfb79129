import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { backfillPatientSearchTerms } from "../db/migrations/0012-search.ts";
import type { Actor } from "../platform/services.ts";
import {
  asBearer,
  auditAfter,
  auditSeq,
  bearer,
  closeTestServices,
  createTestApp,
  createTestServices,
  dialect,
  errorOf,
  type Seed,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { createPatient, listPatients, updatePatient } from "./patients.ts";

/**
 * Search that neither leaks nor misses (issue 9 item 8, issue 10 item 6): accents, case and punctuation
 * aside on the JSON API and FHIR; FHIR birthdate prefixes and partial dates; `identifier=|` and impossible
 * dates refused (400, audited) instead of answering everyone or nobody; still scoped by organization and
 * by the records access policy.
 */
describe(`patient search (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let actor: Actor;
  const ids = {} as Record<"hernandez" | "obrien" | "cruz" | "august", string>;
  const tokens = {} as Record<"frontDesk" | "clinician" | "betaFrontDesk", string>;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    actor = cliActor(seed.alpha.id);
    const add = async (givenName: string, familyName: string, dateOfBirth: string) =>
      (await createPatient(services, actor, { givenName, familyName, dateOfBirth, sex: "female" })).id;
    ids.hernandez = await add("María José", "Hernández", "1958-02-28");
    ids.obrien = await add("Siobhán", "O'Brien", "1958-08-14");
    ids.cruz = await add("Ana", "de la Cruz", "1961-01-03");
    ids.august = await add("Augusta", "Zimmer", "1958-08-31");
    tokens.frontDesk = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    tokens.clinician = await bearer(services, seed.alpha, seed.alpha.users.clinician.email);
    tokens.betaFrontDesk = await bearer(services, seed.beta, seed.beta.users["front-desk"].email);
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const api = async (who: keyof typeof tokens, q: string) => {
    const r = await asBearer(app, tokens[who], "GET", `/api/patients?q=${encodeURIComponent(q)}`);
    expect(r.statusCode, r.body).toBe(200);
    return (r.json() as { items: { id: string }[] }).items.map((p) => p.id).sort();
  };
  const fhir = async (who: keyof typeof tokens, query: string) => {
    const r = await asBearer(app, tokens[who], "GET", `/fhir/R4/Patient?${query}`);
    expect(r.statusCode, r.body).toBe(200);
    const bundle = r.json() as { total: number; entry?: { resource: { id: string } }[] };
    const found = (bundle.entry ?? []).map((e) => e.resource.id).sort();
    expect(bundle.total).toBe(found.length);
    return found;
  };
  const sorted = (...xs: string[]) => [...xs].sort();

  it("the JSON API finds people whatever the accents, case and punctuation typed", async () => {
    for (const q of [
      "Hernandez",
      "hernandez",
      "HERNÁNDEZ",
      "hernández, maría",
      "maria jose",
      "mariajose hern",
    ])
      expect(await api("frontDesk", q), q).toEqual([ids.hernandez]);
    for (const q of ["OBrien", "obrien", "O'Brien", "o’brien", "O Brien", "brien", "siobhan"])
      expect(await api("frontDesk", q), q).toEqual([ids.obrien]);
    expect(await api("frontDesk", "cruz")).toEqual([ids.cruz]);
    expect(await api("frontDesk", "De La Cruz")).toEqual([ids.cruz]);
    expect(await api("frontDesk", "1958-08-14")).toEqual([ids.obrien]);
    // Neither a lone wildcard nor punctuation lists everyone.
    for (const q of ["%", "_", "'", "\\", "-"]) expect(await api("frontDesk", q), q).toEqual([]);
  });

  it("FHIR name, family and given ignore accents, case and punctuation", async () => {
    expect(await fhir("frontDesk", "family=hernandez")).toEqual([ids.hernandez]);
    expect(await fhir("frontDesk", "family=OBrien")).toEqual([ids.obrien]);
    expect(await fhir("frontDesk", "family=o%27brien")).toEqual([ids.obrien]);
    expect(await fhir("frontDesk", "family=delacruz")).toEqual([ids.cruz]);
    expect(await fhir("frontDesk", "given=maria")).toEqual([ids.hernandez]);
    expect(await fhir("frontDesk", "given=hernandez")).toEqual([]);
    expect(await fhir("frontDesk", "name=obrien")).toEqual([ids.obrien]);
    expect(await fhir("frontDesk", "name=SIOBHAN%20o'b")).toEqual([ids.obrien]);
    expect(await fhir("frontDesk", "family=%25")).toEqual([]);
  });

  it("FHIR birthdate takes prefixes and partial dates (a partial date is a range)", async () => {
    const born1958 = sorted(ids.hernandez, ids.obrien, ids.august);
    expect(await fhir("frontDesk", "birthdate=1958")).toEqual(born1958);
    expect(await fhir("frontDesk", "birthdate=1958-08")).toEqual(sorted(ids.obrien, ids.august));
    expect(await fhir("frontDesk", "birthdate=eq1958-08-14")).toEqual([ids.obrien]);
    expect(await fhir("frontDesk", "birthdate=ge1958-08&birthdate=le1958")).toEqual(
      sorted(ids.obrien, ids.august),
    );
    expect(await fhir("frontDesk", "birthdate=gt1958-08-14&family=zimmer")).toEqual([ids.august]);
    expect(await fhir("frontDesk", "birthdate=lt1958-03&birthdate=ge1958")).toEqual([ids.hernandez]);
    expect(await fhir("frontDesk", "birthdate=gt1958")).toContain(ids.cruz);
    expect(await fhir("frontDesk", "birthdate=gt1958")).not.toContain(ids.obrien);
    expect(await fhir("frontDesk", "birthdate=ne1958&birthdate=ge1950&birthdate=lt1970")).toEqual([ids.cruz]);
  });

  it("refuses identifier=| and impossible birth dates (400, audited) instead of answering everyone", async () => {
    for (const [url, path] of [
      ["/fhir/R4/Patient?identifier=%7C", "identifier"],
      ["/fhir/R4/Patient?identifier=urn:salus:mrn%7C", "identifier"],
      ["/fhir/R4/Patient?identifier=", "identifier"],
      ["/fhir/R4/Patient?birthdate=1958-02-30", "birthdate"],
      ["/fhir/R4/Patient?birthdate=1958-13-01", "birthdate"],
      ["/fhir/R4/Patient?birthdate=ge1958-13", "birthdate"],
      ["/fhir/R4/Patient?birthdate=ap1958", "birthdate"],
    ] as const) {
      const before = await auditSeq(services, seed.alpha.id);
      const r = await asBearer(app, tokens.frontDesk, "GET", url);
      expect(r.statusCode, `${url}: ${r.body}`).toBe(400);
      const outcome = r.json();
      expect(outcome.resourceType).toBe("OperationOutcome");
      expect(outcome.issue[0]).toMatchObject({ code: "invalid", expression: [path] });
      const audit = await auditAfter(services, seed.alpha.id, before);
      expect(
        audit.map((a) => [a.action, a.outcome]),
        url,
      ).toEqual([["patient.search", "failure"]]);
    }
    for (const q of ["1958-02-30", "1958-13-01"]) {
      const before = await auditSeq(services, seed.alpha.id);
      const r = await asBearer(app, tokens.frontDesk, "GET", `/api/patients?q=${q}`);
      expect(r.statusCode, r.body).toBe(400);
      expect(errorOf(r)).toMatchObject({ code: "invalid_request", details: [{ path: "q" }] });
      const audit = await auditAfter(services, seed.alpha.id, before);
      expect(audit.map((a) => [a.action, a.outcome])).toEqual([["patient.search", "failure"]]);
    }
    // The MRN still finds its one patient, with or without the system.
    const [one] = (await listPatients(services, actor, { q: "Hernández", limit: 5, offset: 0 })).items;
    expect(await fhir("frontDesk", `identifier=urn:salus:mrn%7C${one!.mrn}`)).toEqual([ids.hernandez]);
    expect(await fhir("frontDesk", `identifier=${one!.mrn}`)).toEqual([ids.hernandez]);
  });

  it("stays scoped: another practice and a clinician without a relation find nobody", async () => {
    expect(await api("betaFrontDesk", "hernandez")).toEqual([]);
    expect(await fhir("betaFrontDesk", "family=hernandez")).toEqual([]);
    expect(await fhir("betaFrontDesk", "birthdate=1958")).toEqual([]);
    expect(await api("clinician", "hernandez")).toEqual([]);
    expect(await fhir("clinician", "name=obrien")).toEqual([]);
  });

  it("a renamed patient is found by the new name at once, and no longer by the old one", async () => {
    await updatePatient(services, actor, ids.august, { familyName: "Ñúñez-Smith", preferredName: "Gus" });
    expect(await api("frontDesk", "zimmer")).toEqual([]);
    expect(await api("frontDesk", "nunez")).toEqual([ids.august]);
    expect(await api("frontDesk", "nunezsmith")).toEqual([ids.august]);
    expect(await api("frontDesk", "smith")).toEqual([ids.august]);
    expect(await api("frontDesk", "gus")).toEqual([ids.august]);
    expect(await fhir("frontDesk", "family=nunez-smith")).toEqual([ids.august]);
    expect(await fhir("frontDesk", "given=gus")).toEqual([]);
  });

  it("the migration's backfill gives patients already on file their terms", async () => {
    await services.systemDb.deleteFrom("patient_search_terms").execute();
    expect(await api("frontDesk", "hernandez")).toEqual([]);
    await backfillPatientSearchTerms(services.systemDb);
    expect(await api("frontDesk", "hernandez")).toEqual([ids.hernandez]);
    expect(await fhir("frontDesk", "family=obrien")).toEqual([ids.obrien]);
    expect(await api("betaFrontDesk", "canary-beta")).toHaveLength(2);
  });
});
