import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Records (issue 5), access and the patient record: the patient's extended demographics (names, sex
 * assigned at birth kept as `sex`, gender identity, pronouns, language, communication preferences,
 * guarantor, primary practitioner, front-desk note, SSN encrypted with its last four digits, merge and
 * entered-in-error marks); insurance coverages; consents and restrictions; care-team grants and
 * break-glass grants (the two explicit relations that open a chart to a clinician besides treating);
 * patient merges with what each moved, so a merge can be undone exactly; per-organization settings.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");

  // SQLite adds one column per ALTER TABLE statement.
  // [name, type, "flag" = integer not null default 0]
  const patientColumns: [string, "text" | "integer" | "flag"][] = [
    ["middle_name", "text"],
    ["name_suffix", "text"],
    ["preferred_name", "text"],
    ["gender_identity", "text"],
    ["pronouns", "text"],
    ["language", "text"],
    ["interpreter_needed", "flag"],
    // 'phone', 'sms', 'email' or 'mail'; may_leave_message / may_text null = not asked.
    ["contact_method", "text"],
    ["may_leave_message", "integer"],
    ["may_text", "integer"],
    // Guarantor: 'self' (the patient), 'parent', 'spouse', 'guardian' or 'other', with the person's details.
    ["guarantor_relationship", "text"],
    ["guarantor_given_name", "text"],
    ["guarantor_family_name", "text"],
    ["guarantor_date_of_birth", "text"],
    ["guarantor_phone", "text"],
    ["guarantor_address_line1", "text"],
    ["guarantor_address_line2", "text"],
    ["guarantor_city", "text"],
    ["guarantor_state", "text"],
    ["guarantor_postal_code", "text"],
    // staff_members.id of the patient's primary practitioner (a "treating" relation).
    ["primary_practitioner_id", "text"],
    ["front_desk_note", "text"],
    // AES-256-GCM sealed SSN; the last four digits in clear for display and look-up.
    ["ssn_encrypted", "text"],
    ["ssn_last4", "text"],
    // Set when this record was merged into another (then hidden from lists; undo clears it).
    ["merged_into_id", "text"],
    ["entered_in_error", "flag"],
  ];
  for (const [name, type] of patientColumns) {
    await db.schema
      .alterTable("patients")
      .addColumn(name, type === "flag" ? "integer" : type, (c) =>
        type === "flag" ? c.notNull().defaultTo(0) : c,
      )
      .execute();
  }
  await db.schema
    .createIndex("patients_birth_idx")
    .on("patients")
    .columns(["organization_id", "date_of_birth"])
    .execute();
  await db.schema
    .createIndex("patients_primary_practitioner_idx")
    .on("patients")
    .columns(["organization_id", "primary_practitioner_id"])
    .execute();

  await db.schema
    .createTable("records_settings")
    .addColumn("organization_id", "text", (c) => c.primaryKey().references("organizations.id"))
    .addColumn("break_glass_minutes", "integer", (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();

  const patientFk: ["organization_id", "patient_id"] = ["organization_id", "patient_id"];
  const patientPk = ["organization_id", "id"];

  // Insurance. priority 1 = primary, 2 = secondary, 3 = tertiary; unique per patient and overlapping
  // active period (checked by the use case under the write lock: the rule spans date ranges).
  await db.schema
    .createTable("coverages")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("payer_name", "text", (c) => c.notNull())
    .addColumn("payer_id", "text")
    .addColumn("plan_name", "text")
    .addColumn("member_id", "text", (c) => c.notNull())
    .addColumn("group_id", "text")
    // 'self', 'spouse', 'child' or 'other'; the subscriber's details when not the patient.
    .addColumn("subscriber_relationship", "text", (c) => c.notNull())
    .addColumn("subscriber_given_name", "text")
    .addColumn("subscriber_family_name", "text")
    .addColumn("subscriber_date_of_birth", "text")
    .addColumn("effective_from", "text", (c) => c.notNull())
    .addColumn("effective_to", "text")
    // 'active' or 'entered-in-error' (never deleted).
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("coverages_pk", ["organization_id", "id"])
    .addForeignKeyConstraint("coverages_patient_fk", patientFk, "patients", patientPk)
    .execute();
  await db.schema
    .createIndex("coverages_patient_idx")
    .on("coverages")
    .columns(["organization_id", "patient_id"])
    .execute();

  // Consents and restrictions (kind, status, dates, note).
  await db.schema
    .createTable("patient_consents")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    // 'active', 'revoked' or 'denied' (a restriction request the practice did not agree to).
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("effective_from", "text", (c) => c.notNull())
    .addColumn("effective_to", "text")
    .addColumn("note", "text")
    .addColumn("recorded_by", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("patient_consents_pk", ["organization_id", "id"])
    .addForeignKeyConstraint("patient_consents_patient_fk", patientFk, "patients", patientPk)
    .execute();
  await db.schema
    .createIndex("patient_consents_patient_idx")
    .on("patient_consents")
    .columns(["organization_id", "patient_id"])
    .execute();

  // An explicit grant that opens one patient's chart to one clinician (a "care-team" relation) until
  // revoked or expired.
  await db.schema
    .createTable("care_team_grants")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("granted_by", "text")
    .addColumn("reason", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("expires_at", ts)
    .addColumn("revoked_at", ts)
    .addColumn("revoked_by", "text")
    .addPrimaryKeyConstraint("care_team_grants_pk", ["organization_id", "id"])
    .addForeignKeyConstraint("care_team_grants_patient_fk", patientFk, "patients", patientPk)
    .execute();
  await db.schema
    .createIndex("care_team_grants_user_idx")
    .on("care_team_grants")
    .columns(["organization_id", "user_id", "patient_id"])
    .execute();
  await db.schema
    .createIndex("care_team_grants_patient_idx")
    .on("care_team_grants")
    .columns(["organization_id", "patient_id"])
    .execute();

  // Emergency access: one patient, one user, a stated reason, until expires_at; every use lands in the
  // privacy officer's review queue (review_status 'pending' until reviewed).
  await db.schema
    .createTable("break_glass_grants")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("opened_at", ts, (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .addColumn("review_status", "text", (c) => c.notNull())
    // 'appropriate' or 'inappropriate'.
    .addColumn("review_outcome", "text")
    .addColumn("review_note", "text")
    .addColumn("reviewed_by", "text")
    .addColumn("reviewed_at", ts)
    .addPrimaryKeyConstraint("break_glass_grants_pk", ["organization_id", "id"])
    .addForeignKeyConstraint("break_glass_grants_patient_fk", patientFk, "patients", patientPk)
    .execute();
  await db.schema
    .createIndex("break_glass_grants_user_idx")
    .on("break_glass_grants")
    .columns(["organization_id", "user_id", "expires_at"])
    .execute();
  await db.schema
    .createIndex("break_glass_grants_review_idx")
    .on("break_glass_grants")
    .columns(["organization_id", "review_status", "opened_at"])
    .execute();

  // A merge of `source` into `target`: `moved` is a JSON object { "<table>": [row ids] } of the rows whose
  // patient id was changed, `source_before` the source patient's fields as they were, so undo restores
  // exactly those rows and fields.
  await db.schema
    .createTable("patient_merges")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("source_patient_id", "text", (c) => c.notNull())
    .addColumn("target_patient_id", "text", (c) => c.notNull())
    .addColumn("moved", "text", (c) => c.notNull())
    .addColumn("source_before", "text", (c) => c.notNull())
    .addColumn("merged_by", "text")
    .addColumn("merged_at", ts, (c) => c.notNull())
    .addColumn("undone_by", "text")
    .addColumn("undone_at", ts)
    .addPrimaryKeyConstraint("patient_merges_pk", ["organization_id", "id"])
    .addForeignKeyConstraint(
      "patient_merges_source_fk",
      ["organization_id", "source_patient_id"],
      "patients",
      patientPk,
    )
    .addForeignKeyConstraint(
      "patient_merges_target_fk",
      ["organization_id", "target_patient_id"],
      "patients",
      patientPk,
    )
    .execute();
  await db.schema
    .createIndex("patient_merges_source_idx")
    .on("patient_merges")
    .columns(["organization_id", "source_patient_id"])
    .execute();
}
