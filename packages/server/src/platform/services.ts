import type { Permission, Role } from "@salus/core";
import type { AuditWriter } from "../audit/append-audit.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/connection.ts";
import type { Clock } from "./clock.ts";
import type { Secrets } from "./secrets.ts";

/** Everything a use case may depend on, passed as one plain value (no container, no globals). */
export interface Services {
  db: Db;
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

export function makeServices(parts: Omit<Services, "audit">): Services {
  return { ...parts, audit: { key: parts.secrets.auditKey, dialect: parts.db.dialect } };
}
