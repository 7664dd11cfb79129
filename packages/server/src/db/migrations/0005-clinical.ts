import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * The clinical record (records slice, part 2): code sets (ICD-10-CM, CPT, HCPCS lists by version),
 * encounters with their ordered diagnoses and procedures, problem/allergy/medication lists, notes with
 * addenda, and documents. Nothing here is ever deleted: mistakes become `entered-in-error` rows.
 * Note text and document contents are sealed (platform/field-crypto.ts) before they reach a column.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");
  // Code and word look-ups are prefix ranges (`code >= 'E11' and code < 'E11~'`): on PostgreSQL the
  // columns compare bytewise whatever the database's locale, so the range means the same everywhere.
  const key = sql.raw(dialect === "postgres" ? 'text collate "C"' : "text");

  // Reference data shared by every organization (public-domain code lists; CPT codes without their
  // licensed descriptions unless a practice loads its own). One row per loaded version.
  await db.schema
    .createTable("code_set_versions")
    .addColumn("code_set", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("valid_from", "text", (c) => c.notNull())
    .addColumn("valid_to", "text", (c) => c.notNull())
    .addColumn("entries", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("loaded_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("code_set_versions_pk", ["code_set", "version"])
    .execute();
  await db.schema
    .createTable("code_set_entries")
    .addColumn("code_set", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("code", key, (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("valid_from", "text", (c) => c.notNull())
    .addColumn("valid_to", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("code_set_entries_pk", ["code_set", "version", "code"])
    // SQLite: the rows live in the key's B-tree (no separate rowid table): half the writes on a load.
    .$call((t) => (dialect === "sqlite" ? t.modifyEnd(sql`without rowid`) : t))
    .execute();
  // Word index of the descriptions, so `GET /api/codes/icd10?q=diabetes` is an index range scan on
  // both databases (no full-text extension needed): one row per distinct word (3+ letters) per code.
  await db.schema
    .createTable("code_set_words")
    .addColumn("code_set", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("word", key, (c) => c.notNull())
    .addColumn("code", key, (c) => c.notNull())
    .addPrimaryKeyConstraint("code_set_words_pk", ["code_set", "version", "word", "code"])
    .$call((t) => (dialect === "sqlite" ? t.modifyEnd(sql`without rowid`) : t))
    .execute();

  await db.schema
    .createTable("encounters")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("practitioner_id", "text", (c) => c.notNull())
    .addColumn("location_id", "text", (c) => c.notNull())
    .addColumn("appointment_id", "text")
    // Date of service (plain date), the date billing and the code-set year go by.
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    // in-progress | finished | entered-in-error
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("sensitive", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("self_pay", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error_reason", "text")
    .addColumn("created_by", "text")
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("encounters_pk", ["organization_id", "id"])
    .addForeignKeyConstraint("encounters_patient_fk", ["organization_id", "patient_id"], "patients", [
      "organization_id",
      "id",
    ])
    .addForeignKeyConstraint(
      "encounters_practitioner_fk",
      ["organization_id", "practitioner_id"],
      "staff_members",
      ["organization_id", "id"],
    )
    .addForeignKeyConstraint("encounters_location_fk", ["organization_id", "location_id"], "locations", [
      "organization_id",
      "id",
    ])
    .execute();
  await db.schema
    .createIndex("encounters_patient_idx")
    .on("encounters")
    .columns(["organization_id", "patient_id", "date"])
    .execute();
  await db.schema
    .createIndex("encounters_practitioner_idx")
    .on("encounters")
    .columns(["organization_id", "practitioner_id", "date"])
    .execute();

  // Ordered diagnoses (position 1 = primary) and procedures; replaced as a whole with the encounter.
  await db.schema
    .createTable("encounter_diagnoses")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("encounter_id", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("code", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("encounter_diagnoses_pk", ["organization_id", "encounter_id", "position"])
    .addForeignKeyConstraint(
      "encounter_diagnoses_encounter_fk",
      ["organization_id", "encounter_id"],
      "encounters",
      ["organization_id", "id"],
    )
    .execute();
  await db.schema
    .createTable("encounter_procedures")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("encounter_id", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    // cpt | hcpcs
    .addColumn("code_system", "text", (c) => c.notNull())
    .addColumn("code", "text", (c) => c.notNull())
    // JSON arrays: modifiers (strings), diagnosis pointers (1-based positions in encounter_diagnoses).
    .addColumn("modifiers", "text", (c) => c.notNull())
    .addColumn("units", "integer", (c) => c.notNull())
    .addColumn("pointers", "text", (c) => c.notNull())
    // Set later by billing (integer cents).
    .addColumn("charge_cents", "integer")
    .addPrimaryKeyConstraint("encounter_procedures_pk", ["organization_id", "encounter_id", "position"])
    .addForeignKeyConstraint(
      "encounter_procedures_encounter_fk",
      ["organization_id", "encounter_id"],
      "encounters",
      ["organization_id", "id"],
    )
    .execute();

  // Problem, allergy and medication lists.
  for (const [table, columns] of [
    [
      "problems",
      [
        ["code", "text"],
        ["description", "text"],
        ["onset_date", "text"],
        ["resolved_date", "text"],
      ],
    ],
    [
      "allergies",
      [
        ["substance", "text"],
        ["reaction", "text"],
        ["severity", "text"],
      ],
    ],
    [
      "medications",
      [
        ["name", "text"],
        ["dose", "text"],
        ["frequency", "text"],
        ["start_date", "text"],
        ["end_date", "text"],
      ],
    ],
  ] as const) {
    let t = db.schema
      .createTable(table)
      .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
      .addColumn("id", "text", (c) => c.notNull())
      .addColumn("patient_id", "text", (c) => c.notNull());
    for (const [name, type] of columns) t = t.addColumn(name, type);
    await t
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("error_reason", "text")
      .addColumn("created_by", "text")
      .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("created_at", ts, (c) => c.notNull())
      .addColumn("updated_at", ts, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["organization_id", "id"])
      .addForeignKeyConstraint(`${table}_patient_fk`, ["organization_id", "patient_id"], "patients", [
        "organization_id",
        "id",
      ])
      .execute();
    await db.schema
      .createIndex(`${table}_patient_idx`)
      .on(table)
      .columns(["organization_id", "patient_id"])
      .execute();
  }

  // Notes and addenda (kind 'addendum', parent_id = the signed note). text_enc is sealed.
  await db.schema
    .createTable("clinical_notes")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("encounter_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("parent_id", "text")
    .addColumn("title", "text")
    // draft | signed | entered-in-error
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("author_user_id", "text", (c) => c.notNull())
    .addColumn("author_label", "text", (c) => c.notNull())
    .addColumn("signed_at", ts)
    .addColumn("error_reason", "text")
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addColumn("text_enc", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("clinical_notes_pk", ["organization_id", "id"])
    .addForeignKeyConstraint(
      "clinical_notes_encounter_fk",
      ["organization_id", "encounter_id"],
      "encounters",
      ["organization_id", "id"],
    )
    .execute();
  await db.schema
    .createIndex("clinical_notes_encounter_idx")
    .on("clinical_notes")
    .columns(["organization_id", "encounter_id"])
    .execute();

  // Earlier versions of encounters and list items (forensic history, SEC-AUD-02): before a change, the
  // presented record as it was is sealed here (it is PHI), so versions 1..n can be read back.
  await db.schema
    .createTable("clinical_revisions")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    // encounters | problems | allergies | medications
    .addColumn("resource_type", "text", (c) => c.notNull())
    .addColumn("resource_id", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("replaced_by", "text")
    .addColumn("replaced_at", ts, (c) => c.notNull())
    .addColumn("snapshot_enc", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("clinical_revisions_pk", ["organization_id", "id"])
    .addUniqueConstraint("clinical_revisions_version_uq", [
      "organization_id",
      "resource_type",
      "resource_id",
      "version",
    ])
    .execute();

  // Documents: the sealed bytes sit in the last column of the row (content_enc), so listings that do
  // not select it never read it, and the database backup carries the documents with the rest.
  await db.schema
    .createTable("clinical_documents")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("encounter_id", "text")
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size_bytes", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    // current | entered-in-error
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("error_reason", "text")
    .addColumn("uploaded_by", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addColumn("content_enc", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("clinical_documents_pk", ["organization_id", "id"])
    .addForeignKeyConstraint("clinical_documents_patient_fk", ["organization_id", "patient_id"], "patients", [
      "organization_id",
      "id",
    ])
    .execute();
  await db.schema
    .createIndex("clinical_documents_patient_idx")
    .on("clinical_documents")
    .columns(["organization_id", "patient_id"])
    .execute();
}
