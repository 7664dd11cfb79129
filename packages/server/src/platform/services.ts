import type { Permission, Role } from "@salus/core";
import type { Kysely } from "kysely";
import type { AuditWriter } from "../audit/append-audit.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/connection.ts";
import type { Database } from "../db/schema.ts";
import type { Clock } from "./clock.ts";
import type { Secrets } from "./secrets.ts";

/** Everything a use case may depend on, passed as one plain value (no container, no globals). */
export interface Services {
  /** The database, for `inTransaction`/`inSnapshot` and its dialect; use cases get scoped handles. */
  db: Db;
  /**
   * SYSTEM ACCESS: the raw connection pool, bound to no organization. Only where no organization exists
   * yet (sign-in, a link's token, creating an organization) or a job spans all of them (sealing, the
   * outbox, nightly models); everything else reads through `audited()`'s scoped handle or
   * `organizationDb()` (db/scoped.ts). db/system-access.test.ts lists every file that uses it.
   */
  systemDb: Kysely<Database>;
  secrets: Secrets;
  clock: Clock;
  config: Config;
  audit: AuditWriter;
}

/**
 * Who is acting, for which organization, from where: built by the HTTP layer from a session or a bearer
 * token (or by the CLI for its own operations) and handed to every use case. Data access is scoped by
 * `organizationId` from here, never from request input.
 */
export interface Actor {
  organizationId: string;
  userId: string | null;
  /** Human-readable actor for the audit trail: the user's email, or `cli` for command-line operations. */
  label: string;
  roles: Role[];
  permissions: Permission[];
  via: "session" | "token" | "cli";
  ip: string | null;
  requestId: string | null;
}

export function makeServices(parts: Omit<Services, "audit" | "systemDb">): Services {
  return {
    ...parts,
    systemDb: parts.db.kysely,
    audit: { key: parts.secrets.auditKey, dialect: parts.db.dialect },
  };
}
