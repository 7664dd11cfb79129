import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Scheduling: appointment types, availability (weekly templates, dated exceptions, blocks, location
 * closures), appointments and the resources each one holds, recurring series, waitlist and offers, the
 * transactional outbox for reminders, per-organization scheduling settings and iCalendar feeds.
 *
 * Double booking is made impossible in the database on PostgreSQL: every appointment writes one row per
 * resource it holds (practitioner, room, equipment) into `appointment_resources`, and an exclusion
 * constraint forbids two exclusive rows of the same resource whose held times overlap. On SQLite the same
 * check runs inside the `begin immediate` transaction that writes the booking (no other writer can run
 * between the check and the insert).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");

  await db.schema
    .createTable("scheduling_settings")
    .addColumn("organization_id", "text", (c) => c.primaryKey().references("organizations.id"))
    // JSON array of hours before the visit, e.g. [72, 24].
    .addColumn("reminder_offsets_hours", "text", (c) => c.notNull())
    .addColumn("late_cancel_hours", "integer", (c) => c.notNull())
    .addColumn("practitioner_max_concurrent", "integer", (c) => c.notNull())
    .addColumn("offer_ttl_minutes", "integer", (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("appointment_types")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("duration_minutes", "integer", (c) => c.notNull())
    .addColumn("buffer_before_minutes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("buffer_after_minutes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("min_lead_minutes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("max_per_day", "integer")
    .addColumn("step_minutes", "integer", (c) => c.notNull().defaultTo(15))
    // 'any', 'new' or 'established' patients.
    .addColumn("patient_kind", "text", (c) => c.notNull().defaultTo("any"))
    // JSON arrays; practitioner_ids null = any active practitioner; room_required 0/1 with room_ids null = any room.
    .addColumn("practitioner_ids", "text")
    .addColumn("room_required", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("room_ids", "text")
    .addColumn("equipment_kinds", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("bookable_by_patient", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("color", "text")
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("appointment_types_pk", ["organization_id", "id"])
    .execute();

  await db.schema
    .createTable("availability_templates")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("resource_kind", "text", (c) => c.notNull())
    .addColumn("resource_id", "text", (c) => c.notNull())
    .addColumn("location_id", "text", (c) => c.notNull())
    .addColumn("weekday", "integer", (c) => c.notNull())
    .addColumn("start_time", "text", (c) => c.notNull())
    .addColumn("end_time", "text", (c) => c.notNull())
    .addColumn("effective_from", "text", (c) => c.notNull())
    .addColumn("effective_to", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("availability_templates_pk", ["organization_id", "id"])
    .execute();
  await db.schema
    .createIndex("availability_templates_resource_idx")
    .on("availability_templates")
    .columns(["organization_id", "resource_id"])
    .execute();

  // kind: 'extra' (added hours on a date), 'unavailable' (a resource off on a date, whole day when no
  // times), 'closure' (the whole location closed on a date: resource_id null).
  await db.schema
    .createTable("availability_exceptions")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("resource_kind", "text")
    .addColumn("resource_id", "text")
    .addColumn("location_id", "text", (c) => c.notNull())
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("start_time", "text")
    .addColumn("end_time", "text")
    .addColumn("reason", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("availability_exceptions_pk", ["organization_id", "id"])
    .execute();

  await db.schema
    .createTable("availability_blocks")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("resource_kind", "text", (c) => c.notNull())
    .addColumn("resource_id", "text", (c) => c.notNull())
    .addColumn("start_at", ts, (c) => c.notNull())
    .addColumn("end_at", ts, (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("availability_blocks_pk", ["organization_id", "id"])
    .execute();

  await db.schema
    .createTable("appointment_series")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("rrule", "text", (c) => c.notNull())
    .addColumn("first_local_date", "text", (c) => c.notNull())
    .addColumn("local_time", "text", (c) => c.notNull())
    .addColumn("time_zone", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("appointment_series_pk", ["organization_id", "id"])
    .execute();

  await db.schema
    .createTable("appointments")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("location_id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("appointment_type_id", "text", (c) => c.notNull())
    .addColumn("practitioner_id", "text", (c) => c.notNull())
    .addColumn("room_id", "text")
    .addColumn("start_at", ts, (c) => c.notNull())
    .addColumn("end_at", ts, (c) => c.notNull())
    // FHIR Appointment.status values.
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("overbooked", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("series_id", "text")
    .addColumn("series_index", "integer")
    .addColumn("rescheduled_from_id", "text")
    .addColumn("note", "text")
    .addColumn("created_by", "text")
    .addColumn("cancelled_at", ts)
    .addColumn("cancelled_by", "text")
    .addColumn("cancel_reason", "text")
    .addColumn("late_cancel", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("appointments_pk", ["organization_id", "id"])
    .addForeignKeyConstraint("appointments_patient_fk", ["organization_id", "patient_id"], "patients", [
      "organization_id",
      "id",
    ])
    .execute();
  await db.schema
    .createIndex("appointments_start_idx")
    .on("appointments")
    .columns(["organization_id", "start_at"])
    .execute();
  await db.schema
    .createIndex("appointments_practitioner_idx")
    .on("appointments")
    .columns(["organization_id", "practitioner_id", "start_at"])
    .execute();
  await db.schema
    .createIndex("appointments_patient_idx")
    .on("appointments")
    .columns(["organization_id", "patient_id"])
    .execute();

  // The time each appointment holds on each resource, buffers included. `exclusive` is 0 for an
  // overbooked visit (allowed by policy and checked under the transaction); `active` is 0 once the visit
  // no longer holds time (cancelled, no-show, entered in error, rescheduled away).
  await db.schema
    .createTable("appointment_resources")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("appointment_id", "text", (c) => c.notNull())
    .addColumn("resource_kind", "text", (c) => c.notNull())
    .addColumn("resource_id", "text", (c) => c.notNull())
    .addColumn("busy_start", ts, (c) => c.notNull())
    .addColumn("busy_end", ts, (c) => c.notNull())
    .addColumn("active", "integer", (c) => c.notNull())
    .addColumn("exclusive", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("appointment_resources_pk", ["organization_id", "appointment_id", "resource_id"])
    .addForeignKeyConstraint(
      "appointment_resources_appointment_fk",
      ["organization_id", "appointment_id"],
      "appointments",
      ["organization_id", "id"],
    )
    .execute();
  await db.schema
    .createIndex("appointment_resources_busy_idx")
    .on("appointment_resources")
    .columns(["organization_id", "resource_id", "busy_start"])
    .execute();
  if (dialect === "postgres") {
    await sql`create extension if not exists btree_gist`.execute(db);
    await sql`alter table appointment_resources add constraint appointment_resources_no_overlap
      exclude using gist (organization_id with =, resource_id with =, tstzrange(busy_start, busy_end, '[)') with &&)
      where (active = 1 and exclusive = 1)`.execute(db);
  }

  await db.schema
    .createTable("waitlist_entries")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("appointment_type_id", "text", (c) => c.notNull())
    .addColumn("location_id", "text", (c) => c.notNull())
    .addColumn("practitioner_id", "text")
    // An appointment the patient already holds and would move earlier ("earlier slot" requests).
    .addColumn("current_appointment_id", "text")
    .addColumn("earliest_date", "text", (c) => c.notNull())
    .addColumn("latest_date", "text", (c) => c.notNull())
    // JSON array of ISO weekdays (1-7); empty = any day.
    .addColumn("weekdays", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("time_from", "text")
    .addColumn("time_to", "text")
    .addColumn("priority", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("note", "text")
    .addColumn("booked_appointment_id", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("waitlist_entries_pk", ["organization_id", "id"])
    .execute();

  await db.schema
    .createTable("waitlist_offers")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("entry_id", "text", (c) => c.notNull())
    .addColumn("practitioner_id", "text", (c) => c.notNull())
    .addColumn("room_id", "text")
    .addColumn("start_at", ts, (c) => c.notNull())
    .addColumn("end_at", ts, (c) => c.notNull())
    .addColumn("rank", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("expires_at", ts, (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("responded_at", ts)
    .addPrimaryKeyConstraint("waitlist_offers_pk", ["organization_id", "id"])
    .execute();

  // Transactional outbox: a message is written in the same transaction as what causes it, and a worker
  // sends it at least once; `dedupe_key` makes a second enqueue of the same reminder a no-op.
  await db.schema
    .createTable("outbox_messages")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("dedupe_key", "text", (c) => c.notNull())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("subject", "text")
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("appointment_id", "text")
    .addColumn("available_at", ts, (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("lease_until", ts)
    .addColumn("last_error", "text")
    .addColumn("sent_at", ts)
    .addColumn("cancelled_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("outbox_messages_pk", ["organization_id", "id"])
    .addUniqueConstraint("outbox_messages_dedupe", ["organization_id", "dedupe_key"])
    .execute();
  await db.schema
    .createIndex("outbox_due_idx")
    .on("outbox_messages")
    .columns(["sent_at", "available_at"])
    .execute();

  await db.schema
    .createTable("calendar_feeds")
    .addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("practitioner_id", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("revoked_at", ts)
    .addPrimaryKeyConstraint("calendar_feeds_pk", ["organization_id", "id"])
    .execute();
}
