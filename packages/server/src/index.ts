export { type Config, loadConfig } from "./config.ts";
export { type Db, openDatabase } from "./db/connection.ts";
export { migrateToLatest } from "./db/run-migrations.ts";
export { buildApp } from "./http/app.ts";
export { openServices } from "./platform/open-services.ts";
export type { Actor, Services } from "./platform/services.ts";
