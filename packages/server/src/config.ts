import { isValidTimeZone } from "@salus/core";

/**
 * Configuration from environment variables, read once at start-up and passed down as a value (domain
 * code never reads process.env). The README's configuration table documents each variable.
 */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  secretsFile: string;
  /**
   * The audit seal file (kept outside the database like the keys): SALUS_SEALS_FILE, else `salus.seals`
   * beside the secrets file (audit/seal-audit.ts#sealsFileOf).
   */
  sealsFile?: string | undefined;
  /** Set the Secure flag (and the __Host- prefix) on the session cookie. */
  secureCookies: boolean;
  logLevel: string;
  /** When set, `demo` seeds every demo user with this password instead of printing fresh ones. */
  demoPassword: string | undefined;
  /**
   * The IANA time zone of the demo practice's clinics (SALUS_DEMO_TIME_ZONE, default America/Chicago):
   * someone trying Salus elsewhere sees a day in progress in their own hours.
   */
  demoTimeZone: string;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  /**
   * Where patients reach this server (links in reminders are built from it, never from the Host
   * header); defaults to http://localhost:PORT.
   */
  publicUrl?: string | undefined;
  /** How reminders leave: `file:PATH` (one JSON line per message) or `log`; see messaging/gateways.ts. */
  messageGateway?: string | undefined;
}

function demoTimeZoneOf(value: string | undefined): string {
  if (!value) return "America/Chicago";
  if (!isValidTimeZone(value))
    throw new Error(`SALUS_DEMO_TIME_ZONE must be an IANA time zone such as Europe/Berlin, got ${value}`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const publicUrl = (env.SALUS_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(publicUrl))
    throw new Error(`SALUS_PUBLIC_URL must be an http(s) URL without query, got ${env.SALUS_PUBLIC_URL}`);
  return {
    port,
    host: env.HOST ?? "0.0.0.0",
    databaseUrl: env.SALUS_DATABASE_URL ?? "sqlite:./data/salus.db",
    secretsFile: env.SALUS_SECRETS_FILE ?? "./data/salus.keys",
    sealsFile: env.SALUS_SEALS_FILE || undefined,
    secureCookies: (env.SALUS_SECURE_COOKIES ?? "false") === "true",
    logLevel: env.SALUS_LOG_LEVEL ?? "info",
    demoPassword: env.SALUS_DEMO_PASSWORD || undefined,
    demoTimeZone: demoTimeZoneOf(env.SALUS_DEMO_TIME_ZONE),
    bodyLimitBytes: Number(env.SALUS_BODY_LIMIT_BYTES ?? 1_048_576),
    rateLimitPerMinute: Number(env.SALUS_RATE_LIMIT_PER_MINUTE ?? 1200),
    publicUrl,
    messageGateway: env.SALUS_MESSAGE_GATEWAY || "file:./data/outbox.jsonl",
  };
}
