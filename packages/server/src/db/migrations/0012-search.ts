import { patientSearchTerms } from "@salus/core/records/patient-search";
import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Accent- and punctuation-insensitive patient search (issue 10, item 6): one row per search term of a
 * patient's names (`Hernández` → `hernandez`, `O'Brien` → `o`, `brien`, `obrien`), keyed by organization
 * and term so a typed prefix is one index range scan on both databases (no full-text extension needed),
 * then filled for every patient already on file.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  // Prefix ranges (`term >= 'hern' and term < 'hern' || U+10FFFF`) compare code points: bytewise on
  // PostgreSQL whatever the database's locale, as SQLite's BINARY collation does.
  const key = sql.raw(dialect === "postgres" ? 'text collate "C"' : "text");
  await db.schema
    .createTable("patient_search_terms")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("term", key, (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('family', 'given', 'preferred')`))
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("patient_search_terms_pk", ["organization_id", "term", "kind", "patient_id"])
    .addForeignKeyConstraint(
      "patient_search_terms_patient_fk",
      ["organization_id", "patient_id"],
      "patients",
      ["organization_id", "id"],
    )
    .$call((t) => (dialect === "sqlite" ? t.modifyEnd(sql`without rowid`) : t))
    .execute();
  // Rewriting a patient's terms deletes by patient.
  await db.schema
    .createIndex("patient_search_terms_patient_idx")
    .on("patient_search_terms")
    .columns(["organization_id", "patient_id"])
    .execute();

  await backfillPatientSearchTerms(db);
}

/** Fills the terms of every patient on file, a page of patients at a time (bounded memory). */
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function backfillPatientSearchTerms(db: Kysely<any>): Promise<void> {
  let after: { organization_id: string; id: string } | null = null;
  for (;;) {
    let q = db
      .selectFrom("patients")
      .select(["organization_id", "id", "given_name", "family_name", "middle_name", "preferred_name"])
      .orderBy("organization_id")
      .orderBy("id")
      .limit(500);
    if (after) {
      const a = after;
      q = q.where((eb) =>
        eb.or([
          eb("organization_id", ">", a.organization_id),
          eb.and([eb("organization_id", "=", a.organization_id), eb("id", ">", a.id)]),
        ]),
      );
    }
    const rows: {
      organization_id: string;
      id: string;
      given_name: string;
      family_name: string;
      middle_name: string | null;
      preferred_name: string | null;
    }[] = await q.execute();
    if (!rows.length) break;
    const values = rows.flatMap((r) =>
      patientSearchTerms({
        givenName: r.given_name,
        familyName: r.family_name,
        middleName: r.middle_name,
        preferredName: r.preferred_name,
      }).map((t) => ({ organization_id: r.organization_id, term: t.term, kind: t.kind, patient_id: r.id })),
    );
    for (let i = 0; i < values.length; i += 200)
      await db
        .insertInto("patient_search_terms")
        .values(values.slice(i, i + 200))
        .execute();
    const last = rows.at(-1)!;
    after = { organization_id: last.organization_id, id: last.id };
  }
}
