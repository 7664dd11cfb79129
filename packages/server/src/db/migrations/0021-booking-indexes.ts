import type { Kysely } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Indexes the booking path reads by (issue 11, item 7). Measured on the bench (scripts/bench.ts): each
 * booking reads the patient's own visits around the new one (patient_id plus a start_at range), and
 * SQLite, without statistics, answered it from `appointments_start_idx` (organization, start_at), i.e. by
 * walking every appointment of the practice that starts before the range ends: 2.7 ms of a 7 ms booking
 * with 4,000 appointments, and growing with the practice's history. With start_at in the patient index the
 * lookup is the patient's few visits in the range. The same holds for the reminder sync, which looked for
 * an appointment's pending outbox messages through the organization's whole outbox.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, _ctx: MigrationContext): Promise<void> {
  await db.schema
    .createIndex("appointments_patient_start_idx")
    .on("appointments")
    .columns(["organization_id", "patient_id", "start_at"])
    .execute();
  // Every query appointments_patient_idx served, the new index serves (same leading columns).
  await db.schema.dropIndex("appointments_patient_idx").execute();
  await db.schema
    .createIndex("outbox_messages_appointment_idx")
    .on("outbox_messages")
    .columns(["organization_id", "appointment_id"])
    .execute();
}
