import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Day-of flow: the practice's flow policy, one flow row per visit (arrival, check-in, rooming, with the
 * practitioner, check-out, the expected arrival of a late patient and the projected start the front desk
 * accepted), a per location-day counter that moves the board's `dayVersion` on every accepted re-plan,
 * the re-plan proposals, no-show fees (integer cents), the no-show risk models and the risk stored per
 * upcoming appointment.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");
  const real = sql.raw(dialect === "postgres" ? "double precision" : "real");

  await db.schema
    .createTable("flow_settings")
    .addColumn("organization_id", "text", (c) => c.primaryKey().references("organizations.id"))
    .addColumn("grace_minutes", "integer", (c) => c.notNull())
    .addColumn("late_action", "text", (c) => c.notNull())
    .addColumn("notify_threshold_minutes", "integer", (c) => c.notNull())
    .addColumn("wait_warn_minutes", "integer", (c) => c.notNull())
    .addColumn("wait_alert_minutes", "integer", (c) => c.notNull())
    .addColumn("no_show_after_minutes", "integer", (c) => c.notNull())
    .addColumn("no_show_fee_cents", "integer", (c) => c.notNull())
    .addColumn("idle_minute_value_cents", "integer", (c) => c.notNull())
    .addColumn("wait_minute_cost_cents", "integer", (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("visit_flow")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("appointment_id", "text", (c) => c.notNull())
    .addColumn("arrived_at", ts)
    .addColumn("checked_in_at", ts)
    .addColumn("roomed_at", ts)
    .addColumn("room_id", "text")
    .addColumn("with_practitioner_at", ts)
    .addColumn("checked_out_at", ts)
    .addColumn("demographics_confirmed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("insurance_confirmed", "integer", (c) => c.notNull().defaultTo(0))
    // A late patient's announced arrival (set by "mark late").
    .addColumn("expected_arrival", ts)
    // The start the front desk accepted in a re-plan (null: the booked start); the projection plans
    // from it, so an accepted order (a late patient seen at the next gap) stays on the board.
    .addColumn("planned_start", ts)
    // The start the patient was last told (null: the booked start); re-plans notify against it.
    .addColumn("notified_start", ts)
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("visit_flow_pk", ["organization_id", "appointment_id"])
    .addForeignKeyConstraint(
      "visit_flow_appointment_fk",
      ["organization_id", "appointment_id"],
      "appointments",
      ["organization_id", "id"],
    )
    .execute();

  await db.schema
    .createTable("flow_days")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("location_id", "text", (c) => c.notNull())
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("flow_days_pk", ["organization_id", "location_id", "date"])
    .execute();

  await db.schema
    .createTable("flow_proposals")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("location_id", "text", (c) => c.notNull())
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("day_version", "text", (c) => c.notNull())
    // JSON: the proposal as the API shows it (kind, title, changes, metrics, notify).
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("accepted_at", ts)
    .addColumn("accepted_by", "text")
    .addPrimaryKeyConstraint("flow_proposals_pk", ["organization_id", "id"])
    .execute();
  await db.schema
    .createIndex("flow_proposals_day_idx")
    .on("flow_proposals")
    .columns(["organization_id", "location_id", "date"])
    .execute();

  // One fee per appointment (the unique key makes the no-show job idempotent); billing picks them up.
  await db.schema
    .createTable("no_show_fees")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("appointment_id", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("amount_cents", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("no_show_fees_pk", ["organization_id", "id"])
    .addUniqueConstraint("no_show_fees_appointment_uq", ["organization_id", "appointment_id"])
    .execute();
  await db.schema
    .createIndex("no_show_fees_patient_idx")
    .on("no_show_fees")
    .columns(["organization_id", "patient_id"])
    .execute();

  await db.schema
    .createTable("no_show_models")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("trained_at", ts, (c) => c.notNull())
    .addColumn("examples", "integer", (c) => c.notNull())
    .addColumn("brier", real, (c) => c.notNull())
    .addColumn("baseline_brier", real, (c) => c.notNull())
    // JSON: the model (weights, intercept, calibration) and its reliability table.
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("reliability", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("no_show_models_pk", ["organization_id", "id"])
    .execute();

  await db.schema
    .createTable("appointment_risks")
    .addColumn("organization_id", "text", (c) => c.notNull())
    .addColumn("appointment_id", "text", (c) => c.notNull())
    .addColumn("model_id", "text", (c) => c.notNull())
    .addColumn("probability", real, (c) => c.notNull())
    // JSON array of short reasons ("2 earlier no-shows", "booked 40 days ahead").
    .addColumn("reasons", "text", (c) => c.notNull())
    .addColumn("computed_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("appointment_risks_pk", ["organization_id", "appointment_id"])
    .execute();
}
