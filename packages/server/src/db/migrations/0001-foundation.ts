import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Foundation: tenancy and directory, identity and sessions, and the audit trail. Practice data tables
 * are keyed (organization_id, id) so they can later be distributed by organization (Citus).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");

  await db.schema
    .createTable("organizations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("mfa_required", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("idle_timeout_minutes", "integer", (c) => c.notNull().defaultTo(15))
    .addColumn("absolute_timeout_hours", "integer", (c) => c.notNull().defaultTo(12))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("locations")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("time_zone", "text", (c) => c.notNull())
    .addColumn("address_line1", "text")
    .addColumn("address_line2", "text")
    .addColumn("city", "text")
    .addColumn("state", "text")
    .addColumn("postal_code", "text")
    .addColumn("phone", "text")
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("locations_pk", ["organization_id", "id"])
    .execute();

  for (const table of ["rooms", "equipment"] as const) {
    let builder = db.schema
      .createTable(table)
      .addColumn("organization_id", "text", (c) => c.notNull())
      .addColumn("id", "text", (c) => c.notNull())
      .addColumn("location_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull());
    if (table === "equipment") builder = builder.addColumn("kind", "text", (c) => c.notNull());
    await builder
      .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("created_at", ts, (c) => c.notNull())
      .addColumn("updated_at", ts, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["organization_id", "id"])
      .addForeignKeyConstraint(`${table}_location_fk`, ["organization_id", "location_id"], "locations", [
        "organization_id",
        "id",
      ])
      .execute();
  }

  await db.schema
    .createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_normalized", "text", (c) => c.notNull().unique())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("must_change_password", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("mfa_secret_enc", "text")
    .addColumn("mfa_enabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("mfa_last_step", "bigint")
    .addColumn("disabled_at", ts)
    .addColumn("last_sign_in_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("staff_members")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('practitioner', 'staff')`))
    .addColumn("given_name", "text", (c) => c.notNull())
    .addColumn("family_name", "text", (c) => c.notNull())
    .addColumn("job_title", "text")
    .addColumn("email", "text")
    .addColumn("phone", "text")
    .addColumn("npi", "text")
    .addColumn("taxonomy", "text")
    .addColumn("user_id", "text", (c) => c.references("users.id"))
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("staff_members_pk", ["organization_id", "id"])
    .execute();
  await db.schema
    .createIndex("staff_members_npi_unique")
    .on("staff_members")
    .columns(["organization_id", "npi"])
    .unique()
    .where(sql.ref("npi"), "is not", null)
    .execute();

  await db.schema
    .createTable("practitioner_licenses")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("staff_id", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("number", "text", (c) => c.notNull())
    .addColumn("expires_on", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("practitioner_licenses_pk", ["organization_id", "id"])
    .addForeignKeyConstraint(
      "practitioner_licenses_staff_fk",
      ["organization_id", "staff_id"],
      "staff_members",
      ["organization_id", "id"],
    )
    .execute();

  await db.schema
    .createTable("patients")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("mrn", "text", (c) => c.notNull())
    .addColumn("given_name", "text", (c) => c.notNull())
    .addColumn("family_name", "text", (c) => c.notNull())
    .addColumn("date_of_birth", "text", (c) => c.notNull())
    .addColumn("sex", "text", (c) => c.notNull().check(sql`sex in ('female', 'male', 'other', 'unknown')`))
    .addColumn("phone", "text")
    .addColumn("email", "text")
    .addColumn("address_line1", "text")
    .addColumn("address_line2", "text")
    .addColumn("city", "text")
    .addColumn("state", "text")
    .addColumn("postal_code", "text")
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("patients_pk", ["organization_id", "id"])
    .addUniqueConstraint("patients_mrn_unique", ["organization_id", "mrn"])
    .execute();
  await db.schema
    .createIndex("patients_name_idx")
    .on("patients")
    .columns(["organization_id", "family_name", "given_name"])
    .execute();

  await db.schema
    .createTable("memberships")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("memberships_pk", ["organization_id", "user_id", "role"])
    .execute();
  await db.schema.createIndex("memberships_user_idx").on("memberships").column("user_id").execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("stage", "text", (c) => c.notNull())
    .addColumn("csrf_token", "text", (c) => c.notNull())
    .addColumn("pending_mfa_secret_enc", "text")
    .addColumn("mfa_failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("mfa_passed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("last_activity_at", ts, (c) => c.notNull())
    .addColumn("revoked_at", ts)
    .execute();
  await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();

  await db.schema
    .createTable("api_tokens")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("last_used_at", ts)
    .addColumn("revoked_at", ts)
    .addPrimaryKeyConstraint("api_tokens_pk", ["organization_id", "id"])
    .execute();

  await db.schema
    .createTable("auth_throttle")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("last_failure_at", ts)
    .execute();

  // The audit trail: one hash chain per organization (plus "platform" for events outside any), so a
  // distributed deployment never needs a cross-tenant lock.
  await db.schema
    .createTable("audit_entries")
    .addColumn("chain_id", "text", (c) => c.notNull())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("organization_id", "text")
    .addColumn("user_id", "text")
    .addColumn("actor", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("resource_type", "text")
    .addColumn("resource_id", "text")
    .addColumn("patient_id", "text")
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("request_id", "text")
    .addColumn("detail", "text")
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("audit_entries_pk", ["chain_id", "seq"])
    .execute();
  await db.schema
    .createIndex("audit_org_at_idx")
    .on("audit_entries")
    .columns(["organization_id", "at"])
    .execute();
  await db.schema
    .createIndex("audit_org_patient_idx")
    .on("audit_entries")
    .columns(["organization_id", "patient_id"])
    .execute();
  await db.schema
    .createIndex("audit_org_user_idx")
    .on("audit_entries")
    .columns(["organization_id", "user_id"])
    .execute();

  await db.schema
    .createTable("audit_heads")
    .addColumn("chain_id", "text", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("mac", "text", (c) => c.notNull())
    .execute();

  // Append-only in the database too: the application never updates or deletes audit entries, so any
  // attempt is refused outright (defence in depth; the keyed chain detects what gets past this).
  if (dialect === "postgres") {
    await sql`create function salus_audit_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit entries are append-only'; end $$`.execute(db);
    await sql`create trigger audit_entries_append_only before update or delete on audit_entries
      for each row execute function salus_audit_append_only()`.execute(db);
    // TRUNCATE bypasses row triggers; refuse it with a statement trigger.
    await sql`create trigger audit_entries_no_truncate before truncate on audit_entries
      for each statement execute function salus_audit_append_only()`.execute(db);
  } else {
    await sql`create trigger audit_entries_no_update before update on audit_entries
      begin select raise(abort, 'audit entries are append-only'); end`.execute(db);
    await sql`create trigger audit_entries_no_delete before delete on audit_entries
      begin select raise(abort, 'audit entries are append-only'); end`.execute(db);
  }
}
