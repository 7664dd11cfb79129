import { dateInZone } from "@salus/core";
import { organizationDb } from "../db/scoped.ts";
import type { Services } from "../platform/services.ts";

/** What the seeded error changed: the charge (and its encounter line) with the mistyped modifier. */
export interface SeededBillingError {
  chargeId: string;
  encounterId: string;
  dateOfService: string;
  procedureCode: string;
  modifier: string;
  mistyped: string;
}

const TWO_CHARACTERS = /^[A-Z0-9]{2}$/;

/**
 * A second billing error for the biller to catch, after seed-billing-activity.ts (whose last clinic day
 * already holds a line pointing at a diagnosis the visit lacks): on that same day, one visit billed to
 * insurance had a modifier keyed twice when it was coded ("25" became "255"). The encounter line and the
 * charge captured from it both carry the typo, as capture copies what the clinician recorded; the
 * scrubber's modifier-malformed rule stops the claim, and the biller corrects the modifier on the claim
 * page. Two kinds of error on the last clinic day also let one e2e test fix one and another the other.
 *
 * No-op without a last clinic day in review, without an insurance charge with a modifier on it, or when
 * a charge of that day already carries a malformed modifier (the demo seed resumed).
 */
export async function seedBillingError(
  services: Services,
  organizationId: string,
): Promise<SeededBillingError | null> {
  const db = organizationDb(services.db, organizationId);
  const zone = await db.selectFrom("locations").select("time_zone").orderBy("name").executeTakeFirst();
  if (!zone) return null;
  const today = dateInZone(services.clock(), zone.time_zone);
  const review = await db
    .selectFrom("charges")
    .select([
      "id",
      "encounter_id",
      "source_key",
      "date_of_service",
      "procedure_code",
      "modifiers",
      "diagnosis_codes",
      "diagnosis_pointers",
      "responsibility",
    ])
    .where("status", "=", "review")
    .where("source", "=", "encounter")
    .where("date_of_service", "<", today)
    .orderBy("date_of_service", "desc")
    .orderBy("source_key")
    .execute();
  const lastDay = review[0]?.date_of_service;
  if (!lastDay) return null;
  const day = review.filter((c) => c.date_of_service === lastDay);
  if (day.some((c) => (JSON.parse(c.modifiers) as string[]).some((m) => !TWO_CHARACTERS.test(m))))
    return null;
  // Leave alone the visit that already has an error (a pointer past its diagnoses).
  const faulty = new Set(
    day
      .filter((c) => {
        const codes = JSON.parse(c.diagnosis_codes) as string[];
        return (JSON.parse(c.diagnosis_pointers) as number[]).some((p) => p < 1 || p > codes.length);
      })
      .map((c) => c.encounter_id),
  );
  const candidates = day.filter(
    (c) =>
      c.encounter_id !== null &&
      !faulty.has(c.encounter_id) &&
      c.responsibility === "insurance" &&
      (JSON.parse(c.modifiers) as string[]).length > 0,
  );
  // An E/M line's 25 is the modifier most often mistyped; any other modifier will do otherwise.
  const charge = candidates.find((c) => (JSON.parse(c.modifiers) as string[])[0] === "25") ?? candidates[0];
  if (!charge?.encounter_id) return null;
  const modifiers = JSON.parse(charge.modifiers) as string[];
  const modifier = modifiers[0]!;
  const mistyped = `${modifier}${modifier.at(-1)}`;
  const typed = JSON.stringify([mistyped, ...modifiers.slice(1)]);
  // capture-charges.ts keys an encounter line's charge 'encounter:<encounter id>:<position>'.
  const position = Number(charge.source_key.split(":").at(-1));
  const at = services.clock().toISOString();
  await db
    .updateTable("encounter_procedures")
    .set({ modifiers: typed })
    .where("encounter_id", "=", charge.encounter_id)
    .where("position", "=", position)
    .execute();
  await db
    .updateTable("charges")
    .set({ modifiers: typed, updated_at: at })
    .where("id", "=", charge.id)
    .execute();
  return {
    chargeId: charge.id,
    encounterId: charge.encounter_id,
    dateOfService: lastDay,
    procedureCode: charge.procedure_code,
    modifier,
    mistyped,
  };
}
