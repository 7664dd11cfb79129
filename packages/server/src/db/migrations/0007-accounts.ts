import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Accounts across organizations (issue 9, items 1-2).
 *
 * - `users.service_account`: 1 for an integration's own identity (its name and roles, no password
 *   sign-in), the only kind of account an administrator may issue a bearer token for besides themselves.
 * - `users.default_organization_id`: where a plain sign-in lands, chosen by the person (or frozen to
 *   where they already landed), so joining another organization never moves them.
 * - `account_invitations`: adding a person to an organization is an invitation they accept through a
 *   signed, expiring, single-use link sent to their email; the row records who invited, the roles offered
 *   and whether it was accepted, cancelled or superseded. Never deleted.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");

  await db.schema
    .alterTable("users")
    .addColumn("service_account", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("users").addColumn("default_organization_id", "text").execute();
  // Everyone keeps landing where they landed before (the first of their organizations by name).
  await sql`
    update users set default_organization_id = (
      select o.id from memberships m join organizations o on o.id = m.organization_id
      where m.user_id = users.id order by o.name, o.id limit 1
    )`.execute(db);

  await db.schema
    .createTable("account_invitations")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_normalized", "text", (c) => c.notNull())
    .addColumn("display_name", "text", (c) => c.notNull())
    // JSON array of role names.
    .addColumn("roles", "text", (c) => c.notNull())
    .addColumn("invited_by", "text")
    .addColumn("invited_by_label", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .addColumn("accepted_at", ts)
    .addColumn("accepted_by", "text")
    .addColumn("revoked_at", ts)
    .addPrimaryKeyConstraint("account_invitations_pk", ["organization_id", "id"])
    .execute();
  await db.schema
    .createIndex("account_invitations_email_idx")
    .on("account_invitations")
    .columns(["organization_id", "email_normalized"])
    .execute();
  // Links name the invitation by id alone (the organization is looked up from it).
  await db.schema
    .createIndex("account_invitations_id_idx")
    .on("account_invitations")
    .column("id")
    .unique()
    .execute();
}
