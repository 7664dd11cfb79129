import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";

/**
 * Helpers for the CLI integration tests: run the real `salus` command (node packages/cli/bin/salus.js, as
 * `npx salus` does) in a child process against a scratch database, and make and drop scratch databases.
 */
export const REPO_ROOT = resolve(import.meta.dirname, "../../../..");
const BIN = join(REPO_ROOT, "packages/cli/bin/salus.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  databaseUrl: string;
  secretsFile: string;
}

export function runSalus(args: readonly string[], env: CliEnv, input?: string): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    SALUS_DATABASE_URL: env.databaseUrl,
    SALUS_SECRETS_FILE: env.secretsFile,
    SALUS_LOG_LEVEL: "silent",
  };
  // Keys must come from the test's secrets file, and demo users get the default password.
  delete childEnv.SALUS_AUDIT_KEY;
  delete childEnv.SALUS_ENCRYPTION_KEY;
  delete childEnv.SALUS_DEMO_PASSWORD;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: childEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export const PG_URL = process.env.SALUS_TEST_DATABASE_URL?.trim() || undefined;

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A brand-new empty database: a SQLite file in `dir`, or a PostgreSQL database on PG_URL's server. */
export async function scratchDatabase(
  kind: "sqlite" | "postgres",
  dir: string,
  name: string,
): Promise<ScratchDatabase> {
  if (kind === "sqlite") return { url: `sqlite:${join(dir, `${name}.db`)}`, drop: async () => {} };
  if (!PG_URL) throw new Error("SALUS_TEST_DATABASE_URL is not set");
  const db = `salus_cli_${name}_${randomBytes(5).toString("hex")}`;
  await adminQuery(`create database ${db}`);
  const u = new URL(PG_URL);
  u.pathname = `/${db}`;
  return { url: u.toString(), drop: () => adminQuery(`drop database if exists ${db} with (force)`) };
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "salus-cli-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
