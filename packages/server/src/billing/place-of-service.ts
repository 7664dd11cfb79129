import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { placeOfServiceName } from "@salus/core/billing/place-of-service";
import type { Kysely } from "kysely";
import { codeSetVersionFor, latestCodeSetVersion } from "../codes/code-lists.ts";
import { type LoadCodeSetResult, loadCodeSet } from "../codes/load-code-set.ts";
import type { Db } from "../db/connection.ts";
import type { Database } from "../db/schema.ts";
import type { PlacesOfServiceView } from "./price-schemas.ts";

/**
 * CMS place-of-service codes as versioned data, in the code-set tables beside ICD-10-CM (code set
 * `pos`): a claim's place of service is checked against the list in force on its date of service, and
 * a later CMS list is loaded as a new version without changing what older claims were checked against.
 */

/** The list shipped with Salus (data/codes/cms-place-of-service-codes.csv; see data/codes/README.md). */
export const PLACE_OF_SERVICE_FILE = resolve(
  import.meta.dirname,
  "../../../../data/codes/cms-place-of-service-codes.csv",
);

/**
 * The shipped list's version label and dates of service. It was taken from CMS's code system as of
 * 2025-08-22; its newest code (27, Outreach Site/Street) took effect on 2023-10-01, so the list as a
 * whole is right from that date. It stays in force until a newer list is loaded (the newest list whose
 * dates include the date of service wins).
 */
export const SHIPPED_POS_VERSION = {
  version: "2025-08",
  validFrom: "2023-10-01",
  validTo: "9999-12-31",
} as const;

/** Loads the shipped CMS list (idempotent: the same file again changes nothing). */
export async function loadShippedPlacesOfService(db: Db, now: Date): Promise<LoadCodeSetResult> {
  return loadCodeSet(
    db,
    { codeSet: "pos", ...SHIPPED_POS_VERSION, content: readFileSync(PLACE_OF_SERVICE_FILE, "utf8") },
    now,
  );
}

/**
 * The place-of-service list in force on `date` (or the newest loaded when no date is given). Code
 * sets belong to no organization: any handle reads them.
 */
export async function listPlacesOfService(db: Kysely<Database>, date?: string): Promise<PlacesOfServiceView> {
  const v = date ? await codeSetVersionFor(db, "pos", date) : await latestCodeSetVersion(db, "pos");
  if (!v) return { version: null, validFrom: null, validTo: null, items: [] };
  const rows = await db
    .selectFrom("code_set_entries")
    .select(["code", "description"])
    .where("code_set", "=", "pos")
    .where("version", "=", v.version)
    .orderBy("code")
    .execute();
  return {
    version: v.version,
    validFrom: v.valid_from,
    validTo: v.valid_to,
    items: rows.map((r) => ({
      code: r.code,
      name: placeOfServiceName(r.description ?? r.code),
      description: r.description ?? "",
    })),
  };
}

/**
 * The valid place-of-service codes on `date`, or null when no list is loaded for it (the scrubber then
 * checks the form only and says the list is missing).
 */
export async function placeOfServiceCodesOn(db: Kysely<Database>, date: string): Promise<Set<string> | null> {
  const list = await listPlacesOfService(db, date);
  return list.version ? new Set(list.items.map((i) => i.code)) : null;
}
