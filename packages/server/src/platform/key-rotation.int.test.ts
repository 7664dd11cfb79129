import { createCipheriv, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeTestServices,
  createTestServices,
  dialect,
  seedTwoOrgs,
  type TestServices,
} from "../testing/harness.ts";
import { decryptField } from "./crypto.ts";
import {
  ENCRYPTED_COLUMNS,
  openBytes,
  openText,
  rotateFieldKeys,
  sealBytes,
  sealText,
} from "./field-crypto.ts";
import { addFieldKey, loadSecrets, type Secrets } from "./secrets.ts";
import { makeServices } from "./services.ts";

function sealV1(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [
    "v1",
    iv.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
    body.toString("base64url"),
  ].join(".");
}

describe(`key rotation (${dialect})`, () => {
  let base: TestServices;
  let secrets: Secrets;
  let file: string;
  const plain = {
    totp: "JBSWY3DPEHPK3PXP",
    ssn: "123-45-6789",
    note: "CANARY-rotate-note",
    doc: Buffer.from("%PDF-1.4 CANARY-doc"),
  };
  const ids = { note: randomUUID(), doc: randomUUID(), encounter: randomUUID() };
  let userId: string;
  let org: string;
  let patientId: string;

  /** Every sealed value of every registered column. */
  async function sealedValues(): Promise<string[]> {
    const out: string[] = [];
    for (const c of ENCRYPTED_COLUMNS) {
      const rows = (
        await sql<{
          v: string;
        }>`select ${sql.ref(c.column)} as v from ${sql.table(c.table)} where ${sql.ref(c.column)} is not null`.execute(
          base.systemDb,
        )
      ).rows;
      out.push(...rows.map((r) => r.v));
    }
    return out;
  }

  async function readBack(s: Secrets) {
    const db = base.systemDb;
    const user = await db
      .selectFrom("users")
      .select("mfa_secret_enc")
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    const patient = await db
      .selectFrom("patients")
      .select("ssn_encrypted")
      .where("id", "=", patientId)
      .executeTakeFirstOrThrow();
    const note = await db
      .selectFrom("clinical_notes")
      .select("text_enc")
      .where("id", "=", ids.note)
      .executeTakeFirstOrThrow();
    const doc = await db
      .selectFrom("clinical_documents")
      .select("content_enc")
      .where("id", "=", ids.doc)
      .executeTakeFirstOrThrow();
    return {
      // auth/sessions.ts reads TOTP secrets with the bare legacy key: it must follow the ring.
      totp: decryptField(s.encryptionKey, user.mfa_secret_enc!),
      ssn: openText(s, patient.ssn_encrypted!),
      note: openText(s, note.text_enc),
      doc: openBytes(s, doc.content_enc),
    };
  }

  beforeAll(async () => {
    base = await createTestServices();
    file = join(mkdtempSync(join(tmpdir(), "salus-rotate-")), "salus.keys");
    secrets = loadSecrets(file, {});
    const services = makeServices({ db: base.db, secrets, clock: base.clock, config: base.config });
    const seed = await seedTwoOrgs(services);
    org = seed.alpha.id;
    userId = seed.alpha.users.clinician.id;
    patientId = seed.alpha.patientIds[0];
    const db = base.systemDb;
    const at = base.clock().toISOString();
    // A TOTP secret sealed in the format written before the key ring existed.
    await db
      .updateTable("users")
      .set({ mfa_secret_enc: sealV1(secrets.encryptionKey, plain.totp) })
      .where("id", "=", userId)
      .execute();
    await db
      .updateTable("patients")
      .set({ ssn_encrypted: sealText(secrets, plain.ssn) })
      .where("id", "=", patientId)
      .execute();
    await db
      .insertInto("encounters")
      .values({
        organization_id: org,
        id: ids.encounter,
        patient_id: patientId,
        practitioner_id: seed.alpha.practitionerId,
        location_id: seed.alpha.locationId,
        appointment_id: null,
        date: "2026-03-02",
        type: "office-visit",
        reason: null,
        status: "finished",
        sensitive: 0,
        self_pay: 0,
        error_reason: null,
        created_by: null,
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
    await db
      .insertInto("clinical_notes")
      .values({
        organization_id: org,
        id: ids.note,
        patient_id: patientId,
        encounter_id: ids.encounter,
        kind: "note",
        parent_id: null,
        title: null,
        status: "signed",
        author_user_id: userId,
        author_label: "x",
        signed_at: at,
        error_reason: null,
        version: 1,
        created_at: at,
        updated_at: at,
        text_enc: sealText(secrets, plain.note),
      })
      .execute();
    await db
      .insertInto("clinical_documents")
      .values({
        organization_id: org,
        id: ids.doc,
        patient_id: patientId,
        encounter_id: null,
        title: "x",
        category: "other",
        filename: "x.pdf",
        content_type: "application/pdf",
        size_bytes: plain.doc.length,
        sha256: "0",
        status: "current",
        error_reason: null,
        uploaded_by: null,
        created_at: at,
        updated_at: at,
        content_enc: sealBytes(secrets, plain.doc),
      })
      .execute();
  });
  afterAll(() => closeTestServices(base));

  it("lists each encrypted column once, and every column named *_enc or *_encrypted in the schema", async () => {
    const names = ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`);
    expect(new Set(names).size).toBe(names.length);
    // A sealed column missing from the registry would silently keep the old key forever.
    const columns =
      dialect === "postgres"
        ? (
            await sql<{
              name: string;
            }>`select table_name || '.' || column_name as name from information_schema.columns
              where table_schema = current_schema() and (column_name like '%!_enc' escape '!' or column_name like '%!_encrypted' escape '!')`.execute(
              base.systemDb,
            )
          ).rows.map((r) => r.name)
        : (
            await sql<{
              name: string;
            }>`select m.name || '.' || p.name as name from sqlite_master m join pragma_table_info(m.name) p
              where m.type = 'table' and (p.name like '%!_enc' escape '!' or p.name like '%!_encrypted' escape '!')`.execute(
              base.systemDb,
            )
          ).rows.map((r) => r.name);
    expect(columns.length).toBeGreaterThan(0);
    expect([...columns].sort()).toEqual([...names].sort());
  });

  it("stores no plaintext in any registered column", async () => {
    const all = (await sealedValues()).join("\n");
    expect(all).not.toContain("CANARY");
    expect(all).not.toContain(plain.ssn);
    expect(all).not.toContain(plain.totp);
  });

  it("adds a key and moves every registered value onto it, old and new formats alike", async () => {
    const r = await rotateFieldKeys(base.db, file, secrets, base.clock());
    expect(r).toMatchObject({ addedKeyId: "k1", resumed: false, currentKeyId: "k1", retired: [] });
    expect(r.reencrypted["users.mfa_secret_enc"]).toBe(1);
    expect(r.reencrypted["patients.ssn_encrypted"]).toBe(1);
    expect(r.reencrypted["clinical_notes.text_enc"]).toBe(1);
    expect(r.reencrypted["clinical_documents.content_enc"]).toBe(1);
    expect(r.inUse).toEqual({ k0: 0, k1: 4 });
    for (const v of await sealedValues()) expect(v.startsWith("v2:k1:")).toBe(true);
    expect(await readBack(secrets)).toEqual(plain);
    // A second run without a new key has nothing left to do.
    const again = await rotateFieldKeys(base.db, file, secrets, base.clock(), { newKey: false });
    expect(Object.values(again.reencrypted).every((n) => n === 0)).toBe(true);
  });

  it("finishes an interrupted rotation instead of adding yet another key, then retires the unused key", async () => {
    // Interrupted right after the key was written: k2 exists, every value is still on k1.
    addFieldKey(file, base.clock());
    const r = await rotateFieldKeys(base.db, file, secrets, base.clock(), { retire: true });
    expect(r).toMatchObject({ addedKeyId: null, resumed: true, currentKeyId: "k2", retired: ["k1"] });
    expect(r.inUse).toMatchObject({ k0: 0, k2: 4 });
    const stored = JSON.parse(readFileSync(file, "utf8")) as {
      fieldKeys: { id: string }[];
      encryptionKey: string;
    };
    expect(stored.fieldKeys.map((k) => k.id)).toEqual(["k2"]);
    // k0 stays: it is also the reminder-link key. A fresh process reads everything with the file alone.
    expect(stored.encryptionKey).toBe(secrets.encryptionKey.toString("hex"));
    const fresh = loadSecrets(file, {});
    expect(await readBack(fresh)).toEqual(plain);
  });
});
