import type { Config } from "../config.ts";
import { openDatabase } from "../db/connection.ts";
import { migrateToLatest } from "../db/run-migrations.ts";
import { type Clock, systemClock } from "./clock.ts";
import { loadSecrets } from "./secrets.ts";
import { makeServices, type Services } from "./services.ts";

/** Opens the database named in the configuration, applies pending migrations, loads the keys. */
export async function openServices(config: Config, clock: Clock = systemClock): Promise<Services> {
  const secrets = loadSecrets(config.secretsFile);
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return makeServices({ db, secrets, clock, config });
}
