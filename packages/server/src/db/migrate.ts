import type { DialectName } from "./connection.ts";

/**
 * What a migration is told when it runs. Only this lives here: every migration imports it from
 * "../migrate.ts", and migrations are never edited, so the runner that imports the migrations is in
 * run-migrations.ts (had it stayed here, each migration and the runner would import each other: an import
 * circle, issue 11 item 3).
 */
export interface MigrationContext {
  dialect: DialectName;
}
