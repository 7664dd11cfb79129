import { type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * A patient is never in two places at once (issue 10, item 3).
 *
 * `appointments.patient_overlap_allowed` is 1 for a visit staff booked explicitly at a time the patient
 * already had another visit (the API's `allowPatientOverlap`, audited), 0 otherwise. The booking use
 * case refuses any other overlap; on PostgreSQL an exclusion constraint also refuses one that two
 * transactions decided at the same moment (on SQLite every write transaction holds the write lock from
 * its first statement, so two bookings cannot interleave). Back to back is allowed: ranges are `[)`.
 *
 * Visits that already overlapped before this migration are kept as they were: the later-created of each
 * overlapping pair is marked as allowed, so the constraint can be added without touching anyone's visit.
 */
// Statuses in which a visit occupies the patient's time (scheduling/slot-context.ts HOLDING_STATUSES).
const ACTIVE = "('proposed','pending','booked','arrived','checked-in','fulfilled')";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, ctx: MigrationContext): Promise<void> {
  await db.schema
    .alterTable("appointments")
    .addColumn("patient_overlap_allowed", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // Grandfather existing overlaps (instants are stored as timestamps on PostgreSQL and as ISO strings of
  // one format on SQLite, so the comparisons below are correct on both).
  await sql`update appointments set patient_overlap_allowed = 1
    where status in ${sql.raw(ACTIVE)} and exists (
      select 1 from appointments b
      where b.organization_id = appointments.organization_id
        and b.patient_id = appointments.patient_id
        and b.id <> appointments.id
        and b.status in ${sql.raw(ACTIVE)}
        and b.start_at < appointments.end_at and appointments.start_at < b.end_at
        and (b.created_at < appointments.created_at
             or (b.created_at = appointments.created_at and b.id < appointments.id)))`.execute(db);
  if (ctx.dialect === "postgres") {
    // btree_gist was created by 0002-scheduling for the resources' constraint. Checked at each statement
    // (so a booking learns of a race at once), deferrable so a bulk reassignment of visits (the demo
    // seed's panels) may pass through an intermediate state and is checked at commit.
    await sql`alter table appointments add constraint appointments_patient_no_overlap
      exclude using gist (organization_id with =, patient_id with =, tstzrange(start_at, end_at, '[)') with &&)
      where (patient_overlap_allowed = 0 and status in ${sql.raw(ACTIVE)})
      deferrable initially immediate`.execute(db);
  }
}
