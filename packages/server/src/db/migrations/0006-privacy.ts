import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Patient rights: amendment requests (45 CFR 164.526) and disclosures (164.528). Rows are never deleted:
 * a decided amendment keeps the request, the decision and any statement of disagreement; a disclosure
 * entered by mistake is marked entered-in-error and stays on file.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");

  await db.schema
    .createTable("amendments")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    // Which part of the record: a section name, and optionally the record (type + id) it is about.
    .addColumn("section", "text", (c) => c.notNull())
    .addColumn("target_type", "text")
    .addColumn("target_id", "text")
    .addColumn("requested_change", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("received_on", "text", (c) => c.notNull())
    .addColumn("extended_due_on", "text")
    .addColumn("extension_reason", "text")
    // pending | accepted | denied
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("decision_note", "text")
    .addColumn("decided_at", ts)
    .addColumn("decided_by", "text")
    .addColumn("disagreement", "text")
    .addColumn("disagreement_at", ts)
    .addColumn("requested_by", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("amendments_pk", ["organization_id", "id"])
    .addForeignKeyConstraint("amendments_patient_fk", ["organization_id", "patient_id"], "patients", [
      "organization_id",
      "id",
    ])
    .execute();
  await db.schema
    .createIndex("amendments_patient_idx")
    .on("amendments")
    .columns(["organization_id", "patient_id"])
    .execute();
  await db.schema
    .createIndex("amendments_status_idx")
    .on("amendments")
    .columns(["organization_id", "status", "received_on"])
    .execute();

  await db.schema
    .createTable("disclosures")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("disclosed_at", ts, (c) => c.notNull())
    // The plain date in the practice's zone, which the six-year window counts in.
    .addColumn("disclosed_on", "text", (c) => c.notNull())
    .addColumn("recipient_name", "text", (c) => c.notNull())
    .addColumn("recipient_address", "text")
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("legal_basis", "text")
    .addColumn("suspended_until", "text")
    // Set when the disclosure is a record export sent to a third party (see export/).
    .addColumn("export_format", "text")
    .addColumn("entered_in_error", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("recorded_by", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("disclosures_pk", ["organization_id", "id"])
    .addForeignKeyConstraint("disclosures_patient_fk", ["organization_id", "patient_id"], "patients", [
      "organization_id",
      "id",
    ])
    .execute();
  await db.schema
    .createIndex("disclosures_patient_idx")
    .on("disclosures")
    .columns(["organization_id", "patient_id", "disclosed_on"])
    .execute();

  // The access report reads the trail by patient and time.
  await db.schema
    .createIndex("audit_entries_patient_at_idx")
    .on("audit_entries")
    .columns(["organization_id", "patient_id", "at"])
    .execute();
}
