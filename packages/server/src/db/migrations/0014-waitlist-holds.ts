import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Waitlist offers that hold the freed time (issue 10, item 5).
 *
 * - `waitlist_offers.freed_start_at` / `freed_end_at`: the stretch of freed time an offer was cut from, so
 *   a declined or expired offer can pass the same time to the next patient in line (older offers: null).
 * - `short_links`: the ~10-character tokens of SMS links (`/r/{token}`), each naming the signed link it
 *   stands for and expiring with it; the token is the primary key (unique across practices).
 * - `appointment_responses`: what patients (or staff for them) answered about an appointment, shown on
 *   the appointment itself: a reminder confirmed (when, through which link), a waitlist offer accepted.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");
  await db.schema.alterTable("waitlist_offers").addColumn("freed_start_at", ts).execute();
  await db.schema.alterTable("waitlist_offers").addColumn("freed_end_at", ts).execute();
  // Holds are looked up by practitioner and time on every slot search and booking.
  await db.schema
    .createIndex("waitlist_offers_open_idx")
    .on("waitlist_offers")
    .columns(["organization_id", "status", "practitioner_id", "start_at"])
    .execute();

  await db.schema
    .createTable("short_links")
    .addColumn("token", "text", (c) => c.notNull().primaryKey())
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("subject_id", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("appointment_responses")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("appointment_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("responder", "text", (c) => c.notNull())
    .addColumn("via", "text", (c) => c.notNull())
    .addColumn("link", "text")
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("appointment_responses_pk", ["organization_id", "id"])
    .execute();
  await db.schema
    .createIndex("appointment_responses_appointment_idx")
    .on("appointment_responses")
    .columns(["organization_id", "appointment_id"])
    .execute();
}
