import { ROLE_PERMISSIONS, type Role } from "@salus/core";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliActor } from "../admin/organizations.ts";
import { createUser } from "../admin/users.ts";
import { inTransaction } from "../db/transaction.ts";
import { readRecordForExport } from "../export/record-export.ts";
import { documentText, recordDocument } from "../export/record-pdf.ts";
import type { Actor } from "../platform/services.ts";
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
import { keepRevision } from "./revisions.ts";

/**
 * One visibility rule, every reader (issue 10 item 1; SEC-AZ-03/05/06). Clinician A writes a draft note
 * (and withdraws another) on a visit of their patient; clinician B, on the patient's care team, sees the
 * rest of the record. Every reader B, the privacy office and a biller can reach is walked, and its whole
 * answer (base64 attachments decoded, the PDF's document model) is searched for the drafts' canary
 * strings and the sensitive visit's free-text reason: none may hold them. The author still works on their
 * draft in the chart, and counts agree with what is shown.
 */
const DRAFT = "DRAFTCANARY-5e1d-title";
const DRAFT_TEXT = "DRAFTCANARY-5e1d-text";
const WITHDRAWN = "DRAFTCANARY-77b0-withdrawn";
const CANARIES = [DRAFT, DRAFT_TEXT, WITHDRAWN];

/** The response body plus every base64 `data` element in it, decoded (FHIR attachments). */
function readable(body: string): string {
  const out = [body];
  try {
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object")
        for (const [k, x] of Object.entries(v)) {
          if (k === "data" && typeof x === "string") out.push(Buffer.from(x, "base64").toString("utf8"));
          else walk(x);
        }
    };
    walk(JSON.parse(body));
  } catch {
    // Not JSON (a PDF): the raw text is all there is.
  }
  return out.join("\n");
}

describe(`one visibility rule for notes, documents and sensitive visits (${dialect})`, () => {
  let services: TestServices;
  let app: FastifyInstance;
  let seed: Seed;
  let record: FullRecord;
  let p0: string;
  let author: string;
  let colleague: string;
  let colleagueId: string;
  let privacy: string;
  let biller: string;
  let draftId: string;
  let withdrawnId: string;
  let sensitiveReason: string;

  beforeAll(async () => {
    services = await createTestServices();
    seed = await seedTwoOrgs(services);
    ({ app } = await createTestApp(services));
    const db = services.systemDb;
    const org = seed.alpha.id;
    p0 = seed.alpha.patientIds[0];
    // Clinician A treats p0 (their staff record is p0's primary practitioner).
    await db
      .updateTable("staff_members")
      .set({ user_id: seed.alpha.users.clinician.id })
      .where("organization_id", "=", org)
      .where("id", "=", seed.alpha.practitionerId)
      .execute();
    await db
      .updateTable("patients")
      .set({ primary_practitioner_id: seed.alpha.practitionerId })
      .where("organization_id", "=", org)
      .where("id", "=", p0)
      .execute();
    await db
      .updateTable("staff_members")
      .set({ kind: "practitioner" })
      .where("organization_id", "=", org)
      .where("id", "=", seed.alpha.staffId)
      .execute();
    record = await seedFullRecord(services, seed.alpha, p0, "VIS-P0", {
      sensitivePractitionerId: seed.alpha.staffId,
    });
    sensitiveReason = "VIS-P0-sensitiveEncounter-reason";
    // Clinician B: on p0's care team (sees the ordinary visit's notes, not the sensitive one's).
    const { user } = await createUser(services, cliActor(org), {
      email: "clinician2@alpha.test",
      displayName: "Second clinician",
      roles: ["clinician"],
      password: PASSWORD,
    });
    colleagueId = user.id;
    await db
      .insertInto("care_team_grants")
      .values({
        organization_id: org,
        id: crypto.randomUUID(),
        patient_id: p0,
        user_id: colleagueId,
        granted_by: null,
        reason: "covering",
        created_at: services.clock().toISOString(),
        expires_at: null,
        revoked_at: null,
        revoked_by: null,
      })
      .execute();
    author = await bearer(services, seed.alpha, seed.alpha.users.clinician.email);
    const { createToken } = await import("../admin/tokens.ts");
    colleague = (
      await createToken(services, cliActor(org), {
        name: "clinician2",
        userId: colleagueId,
        role: "clinician",
      })
    ).token;
    privacy = await bearer(services, seed.alpha, seed.alpha.users["privacy-officer"].email);
    biller = await bearer(services, seed.alpha, seed.alpha.users.biller.email);

    const draft = await asBearer(app, author, "POST", `/api/encounters/${record.ids.encounter}/notes`, {
      title: DRAFT,
      text: DRAFT_TEXT,
    });
    expect(draft.statusCode, draft.body).toBe(201);
    draftId = draft.json().id;
    const other = await asBearer(app, author, "POST", `/api/encounters/${record.ids.encounter}/notes`, {
      title: null,
      text: WITHDRAWN,
    });
    withdrawnId = other.json().id;
    const withdraw = await asBearer(app, author, "POST", `/api/notes/${withdrawnId}/entered-in-error`, {
      reason: "started on the wrong visit",
    });
    expect(withdraw.statusCode, withdraw.body).toBe(200);
    // An earlier version of the sensitive visit, kept in its history with its reason.
    await inTransaction(services.db, (trx) =>
      keepRevision(trx, services, cliActor(org), "encounters", {
        id: record.ids.sensitiveEncounter!,
        patientId: p0,
        version: 0,
        sensitive: true,
        practitionerId: seed.alpha.staffId,
        reason: `${sensitiveReason}-earlier`,
      } as never),
    );
  });
  afterAll(async () => {
    await app?.close();
    await closeTestServices(services);
  });

  const get = async (token: string, url: string) => {
    const res = await asBearer(app, token, "GET", url);
    return { status: res.statusCode, text: readable(res.body), json: () => res.json() };
  };
  const exportFor = (token: string, format: "fhir" | "pdf") =>
    asBearer(app, token, "POST", `/api/patients/${p0}/export`, {
      format,
      recipientName: "Specialist clinic",
      purpose: "continuity of care",
      category: "authorization",
    }).then((r) => ({ status: r.statusCode, text: readable(r.body) }));

  const actorOf = (userId: string, role: Role): Actor => ({
    organizationId: seed.alpha.id,
    userId,
    label: role,
    roles: [role],
    permissions: [...ROLE_PERMISSIONS[role]],
    via: "token",
    ip: null,
    requestId: null,
  });
  /** The text of the PDF as rendered: the document model the PDF is drawn from. */
  const pdfText = async (actor: Actor) => {
    const data = await inTransaction(services.db, (trx) =>
      readRecordForExport(trx, services, actor, p0, "2026-03-02"),
    );
    return documentText(recordDocument(data, "Alpha Family Practice", "2026-03-02T15:00:00.000Z", "x"));
  };

  function noneOf(text: string, canaries: string[], where: string) {
    for (const c of canaries) expect(text.includes(c), `${where} shows ${c}`).toBe(false);
  }

  it("another clinician's drafts are in none of the readers a colleague with access can reach", async () => {
    const e = record.ids.encounter!;
    const readers: [string, string, number][] = [
      ["encounters", `/api/patients/${p0}/encounters?includeEnteredInError=true`, 200],
      ["notes list", `/api/encounters/${e}/notes`, 200],
      ["notes list with errors", `/api/encounters/${e}/notes?includeEnteredInError=true`, 200],
      ["note read (draft)", `/api/notes/${draftId}`, 404],
      ["note read (withdrawn draft)", `/api/notes/${withdrawnId}`, 404],
      ["documents list", `/api/patients/${p0}/documents?includeEnteredInError=true`, 200],
      ["document read", `/api/documents/${record.ids.document}`, 200],
      ["FHIR DocumentReference search", `/fhir/R4/DocumentReference?patient=${p0}`, 200],
      ["FHIR DocumentReference read (draft)", `/fhir/R4/DocumentReference/${draftId}`, 404],
      ["FHIR DocumentReference read (withdrawn)", `/fhir/R4/DocumentReference/${withdrawnId}`, 404],
      ["FHIR Encounter search", `/fhir/R4/Encounter?patient=${p0}`, 200],
      ["FHIR $everything", `/fhir/R4/Patient/${p0}/$everything`, 200],
      ["export FHIR", `/api/patients/${p0}/export?format=fhir`, 200],
      ["export PDF", `/api/patients/${p0}/export?format=pdf`, 200],
    ];
    let all = "";
    for (const [what, url, status] of readers) {
      const res = await get(colleague, url);
      expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(status);
      noneOf(res.text, CANARIES, what);
      all += res.text;
    }
    for (const format of ["fhir", "pdf"] as const) {
      const res = await exportFor(colleague, format);
      expect(res.status).toBe(200);
      noneOf(res.text, CANARIES, `export to a recipient (${format})`);
    }
    noneOf(await pdfText(actorOf(colleagueId, "clinician")), CANARIES, "PDF document model");
    // Control: the colleague does see the signed note of the same visit (the readers are not just empty).
    expect(all).toContain("VIS-P0-encounter-note");
    expect(all).toContain("VIS-P0-addendum");
  });

  it("the privacy office's copies of the record (right of access, export to a recipient) hold no draft either", async () => {
    for (const [what, url] of [
      ["export FHIR", `/api/patients/${p0}/export?format=fhir`],
      ["export PDF", `/api/patients/${p0}/export?format=pdf`],
      ["FHIR $everything", `/fhir/R4/Patient/${p0}/$everything`],
    ] as const) {
      const res = await get(privacy, url);
      expect(res.status, what).toBe(200);
      noneOf(res.text, CANARIES, what);
    }
    for (const format of ["fhir", "pdf"] as const) {
      const res = await exportFor(privacy, format);
      expect(res.status).toBe(200);
      noneOf(res.text, CANARIES, `privacy export to a recipient (${format})`);
    }
    const text = await pdfText(actorOf(seed.alpha.users["privacy-officer"].id, "privacy-officer"));
    noneOf(text, CANARIES, "privacy PDF document model");
    // The whole record still holds the signed notes and the sensitive visit in full.
    expect(text).toContain("VIS-P0-encounter-note");
    expect(text).toContain(sensitiveReason);
  });

  it("the author keeps working on their draft in the chart, and no copy of the record carries it", async () => {
    const e = record.ids.encounter!;
    const read = await get(author, `/api/notes/${draftId}`);
    expect(read.status).toBe(200);
    expect(read.json()).toMatchObject({ title: DRAFT, text: DRAFT_TEXT, status: "draft" });
    const mine = await get(author, `/api/encounters/${e}/notes?includeEnteredInError=true`);
    expect(mine.text).toContain(DRAFT_TEXT);
    expect(mine.text).toContain(WITHDRAWN);
    const fhir = await get(author, `/fhir/R4/DocumentReference/${draftId}`);
    expect(fhir.status).toBe(200);
    expect(fhir.json().docStatus).toBe("preliminary");
    for (const url of [`/fhir/R4/Patient/${p0}/$everything`, `/api/patients/${p0}/export?format=fhir`]) {
      noneOf((await get(author, url)).text, CANARIES, `author's ${url}`);
    }
    const edit = await asBearer(app, author, "PATCH", `/api/notes/${draftId}`, {
      text: `${DRAFT_TEXT} more`,
    });
    expect(edit.statusCode, edit.body).toBe(200);
  });

  it("counts agree with what each reader is shown: the author's lists count their own draft, the colleague's do not", async () => {
    const e = record.ids.encounter!;
    const a = (await get(author, `/api/encounters/${e}/notes`)).json();
    const b = (await get(colleague, `/api/encounters/${e}/notes`)).json();
    expect(a.total).toBe(a.items.length);
    expect(b.total).toBe(b.items.length);
    expect(a.total).toBe(b.total + 1);
    const fa = (await get(author, `/fhir/R4/DocumentReference?patient=${p0}`)).json();
    const fb = (await get(colleague, `/fhir/R4/DocumentReference?patient=${p0}`)).json();
    // FHIR lists entered-in-error rows (marked): the author's withdrawn draft is theirs too.
    expect(fa.total).toBe(fb.total + 2);
    expect(fb.total).toBe(fb.entry.length);
  });

  it("an amendment request cannot name a draft (answered like an id that does not exist); a signed note it can", async () => {
    const frontDesk = await bearer(services, seed.alpha, seed.alpha.users["front-desk"].email);
    const ask = (targetId: string) =>
      asBearer(app, frontDesk, "POST", `/api/patients/${p0}/amendments`, {
        section: "note",
        targetType: "Note",
        targetId,
        requestedChange: "Correct the note",
        reason: "Patient request",
      });
    for (const id of [draftId, withdrawnId, crypto.randomUUID()]) {
      const res = await ask(id);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details).toEqual([
        { path: "targetId", message: "is not a record of this patient" },
      ]);
    }
    const signed = await ask(record.ids.encounterNote!);
    expect(signed.statusCode, signed.body).toBe(201);
  });

  it("a biller sees a sensitive visit's codes, never its free-text reason, in every reader", async () => {
    const s = record.ids.sensitiveEncounter!;
    const readers: [string, string, number][] = [
      ["encounters", `/api/patients/${p0}/encounters?includeEnteredInError=true`, 200],
      ["encounter read", `/api/encounters/${s}`, 200],
      ["encounter history", `/api/encounters/${s}/history`, 200],
      ["FHIR Encounter search", `/fhir/R4/Encounter?patient=${p0}`, 200],
      ["FHIR Encounter read", `/fhir/R4/Encounter/${s}`, 200],
      ["FHIR Condition search", `/fhir/R4/Condition?patient=${p0}`, 200],
      ["FHIR Procedure search", `/fhir/R4/Procedure?patient=${p0}`, 200],
      ["FHIR DocumentReference search", `/fhir/R4/DocumentReference?patient=${p0}`, 403],
      ["FHIR $everything", `/fhir/R4/Patient/${p0}/$everything`, 403],
      ["notes", `/api/encounters/${s}/notes`, 403],
      ["export", `/api/patients/${p0}/export?format=fhir`, 403],
    ];
    let all = "";
    for (const [what, url, status] of readers) {
      const res = await get(biller, url);
      expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(status);
      noneOf(res.text, [sensitiveReason, ...CANARIES], what);
      all += res.text;
    }
    // Control: the codes are there, and so is an ordinary visit's reason (billing needs it).
    expect(all).toContain("F32.9");
    expect(all).toContain("VIS-P0-encounter-reason");
    const read = (await get(biller, `/api/encounters/${s}`)).json();
    expect(read).toMatchObject({ reason: null, reasonWithheld: true });
    expect(read.diagnoses.map((d: { code: string }) => d.code)).toEqual(["F32.9"]);
  });
});
