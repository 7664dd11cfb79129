import { randomUUID } from "node:crypto";
import { addDays } from "@salus/core/privacy/patient-rights";
import { inTransaction } from "../db/transaction.ts";
import type { Services } from "../platform/services.ts";

/**
 * Demo data for the privacy part of the records slice; runs after seedRecords. So the privacy officer's
 * pages show something: one pending amendment request (due in about 45 days), one denied with the
 * patient's statement of disagreement, one accepted; and a few disclosures of one patient, among them
 * one for payment (TPO: on the log, left out of the accounting) and one under a running suspension.
 * Written in one transaction; the demo seed as a whole is audited by seedDemo.
 */
export async function seedPrivacy(services: Services, organizationId: string): Promise<void> {
  const db = services.systemDb;
  const org = organizationId;
  const now = services.clock();
  const at = now.toISOString();
  const today = at.slice(0, 10);
  const patients = await db
    .selectFrom("patients")
    .select(["id"])
    .where("organization_id", "=", org)
    .orderBy("family_name")
    .orderBy("given_name")
    .orderBy("id")
    .limit(3)
    .execute();
  if (patients.length < 3) return;
  const [a, b, c] = patients as [{ id: string }, { id: string }, { id: string }];
  const staff = await db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id", "memberships.role"])
    .where("memberships.organization_id", "=", org)
    .execute();
  const officer = staff.find((u) => u.role === "privacy-officer")?.id ?? null;
  const frontDesk = staff.find((u) => u.role === "front-desk")?.id ?? null;

  const amendment = (
    patientId: string,
    receivedOn: string,
    section: string,
    change: string,
    reason: string,
    decision: { status: "accepted" | "denied"; note: string; disagreement?: string } | null,
  ) => ({
    organization_id: org,
    id: randomUUID(),
    patient_id: patientId,
    section,
    target_type: null,
    target_id: null,
    requested_change: change,
    reason,
    received_on: receivedOn,
    extended_due_on: null,
    extension_reason: null,
    status: decision?.status ?? ("pending" as const),
    decision_note: decision?.note ?? null,
    decided_at: decision ? at : null,
    decided_by: decision ? officer : null,
    disagreement: decision?.disagreement ?? null,
    disagreement_at: decision?.disagreement ? at : null,
    requested_by: frontDesk,
    created_at: at,
    updated_at: at,
  });

  const disclosure = (
    patientId: string,
    daysAgo: number,
    fields: {
      recipient: string;
      address: string | null;
      purpose: string;
      description: string;
      category: string;
      legalBasis?: string;
      suspendedUntil?: string;
    },
  ) => {
    const when = new Date(now.getTime() - daysAgo * 86_400_000);
    return {
      organization_id: org,
      id: randomUUID(),
      patient_id: patientId,
      disclosed_at: when.toISOString(),
      disclosed_on: when.toISOString().slice(0, 10),
      recipient_name: fields.recipient,
      recipient_address: fields.address,
      purpose: fields.purpose,
      description: fields.description,
      category: fields.category,
      legal_basis: fields.legalBasis ?? null,
      suspended_until: fields.suspendedUntil ?? null,
      export_format: null,
      entered_in_error: 0,
      recorded_by: officer,
      created_at: at,
    };
  };

  await inTransaction(
    services.db,
    async (trx) => {
      await trx
        .insertInto("amendments")
        .values([
          amendment(
            a.id,
            addDays(today, -15),
            "medication",
            "Remove lisinopril from my medication list: I stopped taking it in 2024.",
            "The list shown at my last visit is out of date.",
            null,
          ),
          amendment(
            b.id,
            addDays(today, -40),
            "demographics",
            "My date of birth is one day later than what is on file.",
            "Registration typo.",
            {
              status: "denied",
              note: "The date on file matches the identity document you presented at registration.",
              disagreement: "I still believe the date is wrong and will bring my birth certificate.",
            },
          ),
          amendment(
            b.id,
            addDays(today, -70),
            "allergy",
            "Add a penicillin allergy (hives in 2019).",
            "Missing.",
            {
              status: "accepted",
              note: "Allergy list amended; your other providers were informed.",
            },
          ),
        ])
        .execute();
      await trx
        .insertInto("disclosures")
        .values([
          disclosure(c.id, 200, {
            recipient: "Illinois Department of Public Health",
            address: "535 W Jefferson St, Springfield IL 62761",
            purpose: "Reportable disease notification",
            description: "Laboratory result and demographics",
            category: "public-health",
            legalBasis: "77 Ill. Adm. Code 690",
          }),
          disclosure(c.id, 90, {
            recipient: "Aetna",
            address: null,
            purpose: "Claim for the visit of that day",
            description: "Diagnosis and procedure codes",
            category: "payment",
          }),
          disclosure(c.id, 30, {
            recipient: "Cook County Circuit Court",
            address: "50 W Washington St, Chicago IL 60602",
            purpose: "Subpoena duces tecum, case 2026-L-1234",
            description: "Visit notes from the last two years",
            category: "judicial",
          }),
          disclosure(c.id, 10, {
            recipient: "Chicago Police Department",
            address: "3510 S Michigan Ave, Chicago IL 60653",
            purpose: "Identification of a suspect",
            description: "Name, date of birth and visit date",
            category: "law-enforcement",
            legalBasis: "45 CFR 164.512(f)(2)",
            suspendedUntil: addDays(today, 60),
          }),
        ])
        .execute();
    },
    { serializeOn: org },
  );
}
