import { type Kysely, type Migration, type MigrationProvider, Migrator } from "kysely";
import type { Db, DialectName } from "./connection.ts";
import type { MigrationContext } from "./migrate.ts";
import * as m0001 from "./migrations/0001-foundation.ts";
import * as m0002 from "./migrations/0002-scheduling.ts";
import * as m0003 from "./migrations/0003-flow.ts";
import * as m0004 from "./migrations/0004-records.ts";
import * as m0005 from "./migrations/0005-clinical.ts";
import * as m0006 from "./migrations/0006-privacy.ts";
import * as m0007 from "./migrations/0007-accounts.ts";
import * as m0008 from "./migrations/0008-sign-in-guard.ts";
import * as m0009 from "./migrations/0009-break-glass.ts";
import * as m0010 from "./migrations/0010-operator.ts";
import * as m0011 from "./migrations/0011-audit-seals.ts";
import * as m0012 from "./migrations/0012-search.ts";
import * as m0013 from "./migrations/0013-scheduling-integrity.ts";
import * as m0014 from "./migrations/0014-waitlist-holds.ts";
import * as m0015 from "./migrations/0015-flow-safety.ts";
import * as m0017 from "./migrations/0017-overbooking-costs.ts";
import * as m0018 from "./migrations/0018-idempotency.ts";
import * as m0019 from "./migrations/0019-audit-scale.ts";
import * as m0020 from "./migrations/0020-billing.ts";
import * as m0021 from "./migrations/0021-booking-indexes.ts";
import * as m0022 from "./migrations/0022-booking-end-indexes.ts";

interface MigrationModule {
  // biome-ignore lint/suspicious/noExplicitAny: see the migration files.
  up(db: Kysely<any>, ctx: MigrationContext): Promise<void>;
}

/** Forward-only: the list only ever grows, and no migration has a `down`. */
const MIGRATIONS: Record<string, MigrationModule> = {
  "0001-foundation": m0001,
  "0002-scheduling": m0002,
  "0003-flow": m0003,
  "0004-records": m0004,
  "0005-clinical": m0005,
  "0006-privacy": m0006,
  "0007-accounts": m0007,
  "0008-sign-in-guard": m0008,
  "0009-break-glass": m0009,
  "0010-operator": m0010,
  "0011-audit-seals": m0011,
  "0012-search": m0012,
  "0013-scheduling-integrity": m0013,
  "0014-waitlist-holds": m0014,
  "0015-flow-safety": m0015,
  "0017-overbooking-costs": m0017,
  "0018-idempotency": m0018,
  "0019-audit-scale": m0019,
  "0020-billing": m0020,
  "0021-booking-indexes": m0021,
  "0022-booking-end-indexes": m0022,
};

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1)!;

class CodeProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const ctx = { dialect: this.dialect };
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, mod]) => [
        name,
        { up: (db: Kysely<unknown>) => mod.up(db, ctx) },
      ]),
    );
  }
}

/** Applies pending migrations; answers the names applied. Throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db: db.kysely, provider: new CodeProvider(db.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error) {
    throw new Error(
      `Migration ${failed?.migrationName ?? "?"} failed: ${error instanceof Error ? error.message : error}`,
    );
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
