import { type CreateTableBuilder, type Kysely, sql } from "kysely";
import type { MigrationContext } from "../migrate.ts";

/**
 * Billing, part 1 (issue 13): the practice's billing identity and X12 counters; payers; fee schedules
 * (the practice's prices and each payer's contracted amounts) per procedure code and modifier; coverages
 * linked to a payer; charges captured from signed encounters and no-show fees; the append-only ledger
 * and its accounting months; claims with their lines and the history of every status change; 837P
 * batches; 999/277CA acknowledgements and the rejection worklist; per-payer scrubber rule settings.
 *
 * Money is integer cents. Balances are never stored: they are sums of ledger entries. Lists of codes
 * (modifiers, diagnosis pointers, diagnosis codes) are JSON arrays in text columns.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed now.
export async function up(db: Kysely<any>, { dialect }: MigrationContext): Promise<void> {
  const ts = sql.raw(dialect === "postgres" ? "timestamptz" : "text");
  const org = (t: CreateTableBuilder<string, never>) =>
    t.addColumn("organization_id", "text", (c) => c.notNull().references("organizations.id"));
  const pk: ["organization_id", "id"] = ["organization_id", "id"];

  // One row per organization: the billing provider (loop 2010AA), the submitter and receiver (1000A/B),
  // and the last control numbers used, so each batch's ISA13/GS06 are unique and increasing.
  await db.schema
    .createTable("billing_settings")
    .addColumn("organization_id", "text", (c) => c.primaryKey().references("organizations.id"))
    .addColumn("billing_name", "text", (c) => c.notNull())
    .addColumn("billing_npi", "text")
    .addColumn("tax_id", "text")
    .addColumn("taxonomy", "text")
    .addColumn("address_line1", "text")
    .addColumn("address_line2", "text")
    .addColumn("city", "text")
    .addColumn("state", "text")
    .addColumn("postal_code", "text")
    .addColumn("phone", "text")
    .addColumn("submitter_id", "text")
    .addColumn("submitter_contact_name", "text")
    .addColumn("submitter_contact_email", "text")
    .addColumn("receiver_id", "text")
    .addColumn("receiver_name", "text")
    // 'T' (test) or 'P' (production): ISA15.
    .addColumn("usage_indicator", "text", (c) => c.notNull().defaultTo("T"))
    .addColumn("last_interchange_control", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_group_control", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("updated_at", ts, (c) => c.notNull())
    .execute();

  await org(db.schema.createTable("payers"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    // The payer's electronic id (2010BB NM109); null for self-pay.
    .addColumn("payer_id", "text")
    // SBR09 claim filing indicator: MB (Medicare B), MC (Medicaid), CI (commercial), BL, HM, 09 (self-pay)...
    .addColumn("claim_filing_indicator", "text", (c) => c.notNull())
    // 'medicare', 'medicaid', 'commercial', 'self-pay', 'other': payer class for reports and finance.
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("timely_filing_days", "integer", (c) => c.notNull())
    // A regular expression the member id must match (null: any non-empty id).
    .addColumn("member_id_pattern", "text")
    .addColumn("address_line1", "text")
    .addColumn("address_line2", "text")
    .addColumn("city", "text")
    .addColumn("state", "text")
    .addColumn("postal_code", "text")
    .addColumn("phone", "text")
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("payers_pk", pk)
    .execute();
  await db.schema
    .createIndex("payers_payer_id_idx")
    .on("payers")
    .columns(["organization_id", "payer_id"])
    .execute();

  // Coverages name their payer (coverages.payer_name stays as entered; payer_ref links the payer row).
  for (const [name, type] of [
    ["payer_ref", "text"],
    ["subscriber_sex", "text"],
    ["subscriber_address_line1", "text"],
    ["subscriber_city", "text"],
    ["subscriber_state", "text"],
    ["subscriber_postal_code", "text"],
  ] as const) {
    await db.schema.alterTable("coverages").addColumn(name, type).execute();
  }

  // kind 'practice' (what the practice charges; one may be the default) or 'contract' (what a payer
  // has agreed to pay, payer_ref set). Effective dates: the schedule in force on the date of service.
  await org(db.schema.createTable("fee_schedules"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("payer_ref", "text")
    .addColumn("is_default", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("effective_from", "text", (c) => c.notNull())
    .addColumn("effective_to", "text")
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("fee_schedules_pk", pk)
    .execute();

  // modifier '' = the price without a modifier (the fallback for any modifier not listed).
  await org(db.schema.createTable("fee_schedule_entries"))
    .addColumn("fee_schedule_id", "text", (c) => c.notNull())
    .addColumn("procedure_code", "text", (c) => c.notNull())
    .addColumn("modifier", "text", (c) => c.notNull())
    .addColumn("amount_cents", "integer", (c) => c.notNull())
    .addColumn("description", "text")
    .addPrimaryKeyConstraint("fee_schedule_entries_pk", [
      "organization_id",
      "fee_schedule_id",
      "procedure_code",
      "modifier",
    ])
    .addForeignKeyConstraint(
      "fee_schedule_entries_schedule_fk",
      ["organization_id", "fee_schedule_id"],
      "fee_schedules",
      pk,
    )
    .execute();

  // Charges: one per encounter procedure line (source_key 'encounter:<id>:<position>') or no-show fee
  // ('no-show:<fee id>'); the unique source key is what keeps a charge from posting twice.
  await org(db.schema.createTable("charges"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("source_key", "text", (c) => c.notNull())
    // 'encounter' or 'no-show'
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("encounter_id", "text")
    .addColumn("appointment_id", "text")
    .addColumn("location_id", "text")
    .addColumn("rendering_staff_id", "text")
    .addColumn("date_of_service", "text", (c) => c.notNull())
    .addColumn("place_of_service", "text")
    // 'cpt', 'hcpcs' or 'fee' (a practice fee with no procedure code, such as a no-show fee)
    .addColumn("code_system", "text", (c) => c.notNull())
    .addColumn("procedure_code", "text", (c) => c.notNull())
    .addColumn("modifiers", "text", (c) => c.notNull())
    .addColumn("units", "integer", (c) => c.notNull())
    .addColumn("diagnosis_codes", "text", (c) => c.notNull())
    .addColumn("diagnosis_pointers", "text", (c) => c.notNull())
    .addColumn("unit_price_cents", "integer", (c) => c.notNull())
    .addColumn("amount_cents", "integer", (c) => c.notNull())
    .addColumn("fee_schedule_id", "text")
    // 'insurance' (billed to the patient's coverage) or 'patient' (self-pay, no-show fee)
    .addColumn("responsibility", "text", (c) => c.notNull())
    // 'review' → 'approved' (posted to the ledger) → 'claimed'; or 'held'; or 'void'
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("claim_id", "text")
    .addColumn("review_note", "text")
    .addColumn("created_by", "text")
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("charges_pk", pk)
    .addUniqueConstraint("charges_source_key_uq", ["organization_id", "source_key"])
    .addForeignKeyConstraint("charges_patient_fk", ["organization_id", "patient_id"], "patients", pk)
    .execute();
  await db.schema
    .createIndex("charges_status_idx")
    .on("charges")
    .columns(["organization_id", "status", "date_of_service"])
    .execute();
  await db.schema
    .createIndex("charges_patient_idx")
    .on("charges")
    .columns(["organization_id", "patient_id"])
    .execute();

  await org(db.schema.createTable("claims"))
    .addColumn("id", "text", (c) => c.notNull())
    // CLM01: unique per organization, at most 20 characters, echoed back in 277CA and 835.
    .addColumn("patient_control_number", "text", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    .addColumn("payer_ref", "text", (c) => c.notNull())
    .addColumn("coverage_id", "text")
    // 'primary', 'secondary' or 'tertiary' (SBR01 P/S/T)
    .addColumn("sequence", "text", (c) => c.notNull())
    .addColumn("primary_claim_id", "text")
    .addColumn("rendering_staff_id", "text", (c) => c.notNull())
    .addColumn("location_id", "text")
    .addColumn("date_of_service", "text", (c) => c.notNull())
    .addColumn("place_of_service", "text", (c) => c.notNull())
    // CLM05-3: '1' original, '7' replacement, '8' void; original_claim_id the claim replaced or voided.
    .addColumn("frequency_code", "text", (c) => c.notNull())
    .addColumn("original_claim_id", "text")
    .addColumn("payer_claim_number", "text")
    .addColumn("diagnosis_codes", "text", (c) => c.notNull())
    // draft, scrubbed, ready, submitted, accepted, rejected, paid, denied, closed
    .addColumn("status", "text", (c) => c.notNull())
    // The last scrub: JSON array of findings; scrub_count how often it was scrubbed (first-pass rate).
    .addColumn("scrub_findings", "text")
    .addColumn("scrubbed_at", ts)
    .addColumn("scrub_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("first_scrub_clean", "integer")
    .addColumn("batch_id", "text")
    .addColumn("submitted_at", ts)
    .addColumn("created_by", "text")
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", ts, (c) => c.notNull())
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("claims_pk", pk)
    .addUniqueConstraint("claims_pcn_uq", ["organization_id", "patient_control_number"])
    .addForeignKeyConstraint("claims_patient_fk", ["organization_id", "patient_id"], "patients", pk)
    .addForeignKeyConstraint("claims_payer_fk", ["organization_id", "payer_ref"], "payers", pk)
    .execute();
  await db.schema
    .createIndex("claims_status_idx")
    .on("claims")
    .columns(["organization_id", "status"])
    .execute();
  await db.schema
    .createIndex("claims_patient_idx")
    .on("claims")
    .columns(["organization_id", "patient_id", "date_of_service"])
    .execute();

  await org(db.schema.createTable("claim_lines"))
    .addColumn("claim_id", "text", (c) => c.notNull())
    .addColumn("line_number", "integer", (c) => c.notNull())
    .addColumn("charge_id", "text", (c) => c.notNull())
    .addColumn("procedure_code", "text", (c) => c.notNull())
    .addColumn("modifiers", "text", (c) => c.notNull())
    .addColumn("units", "integer", (c) => c.notNull())
    .addColumn("charge_cents", "integer", (c) => c.notNull())
    .addColumn("diagnosis_pointers", "text", (c) => c.notNull())
    .addColumn("date_of_service", "text", (c) => c.notNull())
    .addColumn("place_of_service", "text")
    .addPrimaryKeyConstraint("claim_lines_pk", ["organization_id", "claim_id", "line_number"])
    .addForeignKeyConstraint("claim_lines_claim_fk", ["organization_id", "claim_id"], "claims", pk)
    .execute();

  await org(db.schema.createTable("claim_transitions"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("claim_id", "text", (c) => c.notNull())
    .addColumn("from_status", "text")
    .addColumn("to_status", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    // 'user:<id>', 'batch:<id>', 'ack:<id>', 'remittance:<id>'
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("claim_transitions_pk", pk)
    .execute();
  await db.schema
    .createIndex("claim_transitions_claim_idx")
    .on("claim_transitions")
    .columns(["organization_id", "claim_id", "at"])
    .execute();

  // The append-only ledger. Every balance is a sum of these; nothing is updated or deleted. A posting
  // (transaction_id) groups the entries written together (a transfer is two). period is 'YYYY-MM'.
  await org(db.schema.createTable("ledger_entries"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("transaction_id", "text", (c) => c.notNull())
    // charge, payment, adjustment, transfer, refund, write-off
    .addColumn("kind", "text", (c) => c.notNull())
    // Positive raises what is owed, negative lowers it.
    .addColumn("amount_cents", "integer", (c) => c.notNull())
    .addColumn("patient_id", "text", (c) => c.notNull())
    // Who owes it: 'payer' (payer_ref set) or 'patient'.
    .addColumn("responsibility", "text", (c) => c.notNull())
    .addColumn("payer_ref", "text")
    .addColumn("claim_id", "text")
    .addColumn("claim_line", "integer")
    .addColumn("charge_id", "text")
    // Where it came from: 'charge:<id>', 'remittance:<id>', 'manual:<user id>', ...
    .addColumn("source", "text", (c) => c.notNull())
    // CARC group and reason for adjustments (CO-45...), RARC remarks as text.
    .addColumn("group_code", "text")
    .addColumn("reason_code", "text")
    .addColumn("memo", "text")
    .addColumn("reverses_id", "text")
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("effective_date", "text", (c) => c.notNull())
    .addColumn("posted_by", "text")
    .addColumn("posted_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("ledger_entries_pk", pk)
    .execute();
  await db.schema
    .createIndex("ledger_entries_patient_idx")
    .on("ledger_entries")
    .columns(["organization_id", "patient_id"])
    .execute();
  await db.schema
    .createIndex("ledger_entries_claim_idx")
    .on("ledger_entries")
    .columns(["organization_id", "claim_id"])
    .execute();
  await db.schema
    .createIndex("ledger_entries_charge_idx")
    .on("ledger_entries")
    .columns(["organization_id", "charge_id"])
    .execute();

  // Closed months: no entry posts into a closed period; corrections post in the open month.
  await org(db.schema.createTable("accounting_periods"))
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("closed_at", ts, (c) => c.notNull())
    .addColumn("closed_by", "text")
    .addPrimaryKeyConstraint("accounting_periods_pk", ["organization_id", "period"])
    .execute();

  await org(db.schema.createTable("claim_batches"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("interchange_control_number", "integer", (c) => c.notNull())
    .addColumn("group_control_number", "integer", (c) => c.notNull())
    .addColumn("claims", "integer", (c) => c.notNull())
    .addColumn("total_charge_cents", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    // 'written', 'accepted', 'partially-accepted', 'rejected'
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("claim_batches_pk", pk)
    .addUniqueConstraint("claim_batches_isa13_uq", ["organization_id", "interchange_control_number"])
    .execute();

  // 999 and 277CA files imported (sha256 unique: the same file imports once).
  await org(db.schema.createTable("claim_acknowledgements"))
    .addColumn("id", "text", (c) => c.notNull())
    // '999' or '277CA'
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("batch_id", "text")
    .addColumn("summary", "text", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("imported_by", "text")
    .addColumn("imported_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("claim_acknowledgements_pk", pk)
    .addUniqueConstraint("claim_acknowledgements_sha_uq", ["organization_id", "sha256"])
    .execute();

  // The rejection worklist: one row per rejected claim (or transaction set) with the reason in words.
  await org(db.schema.createTable("claim_rejections"))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("claim_id", "text")
    .addColumn("batch_id", "text")
    .addColumn("acknowledgement_id", "text", (c) => c.notNull())
    .addColumn("code", "text")
    .addColumn("reason", "text", (c) => c.notNull())
    // 'open' or 'resolved'
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("resolved_by", "text")
    .addColumn("resolved_at", ts)
    .addColumn("created_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("claim_rejections_pk", pk)
    .execute();

  // Scrubber rules switched off or tuned per payer ('' = every payer): severity and JSON parameters.
  await org(db.schema.createTable("scrub_rule_settings"))
    .addColumn("payer_ref", "text", (c) => c.notNull())
    .addColumn("rule_id", "text", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull())
    .addColumn("severity", "text")
    .addColumn("params", "text")
    .addColumn("updated_at", ts, (c) => c.notNull())
    .addPrimaryKeyConstraint("scrub_rule_settings_pk", ["organization_id", "payer_ref", "rule_id"])
    .execute();
}
