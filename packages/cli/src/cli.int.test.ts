import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { loadConfig } from "@salus/server/config";
import { TABLES_IN_ORDER } from "@salus/server/db/schema";
import { buildApp } from "@salus/server/http/app";
import { openServices } from "@salus/server/platform/open-services";
import type { Services } from "@salus/server/platform/services";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliEnv,
  PG_URL,
  runSalus,
  type ScratchDatabase,
  scratchDatabase,
  tempDir,
} from "./testing/cli-harness.ts";

/**
 * The `salus` command end to end: the real binary in a child process, against a scratch SQLite database
 * and, when SALUS_TEST_DATABASE_URL is set, a scratch PostgreSQL database too. Checks are made through the
 * database itself and through the real HTTP app built in this process on the same database.
 */

describe("salus --help", () => {
  const env: CliEnv = {
    databaseUrl: "sqlite:/nonexistent/never-opened.db",
    secretsFile: "/nonexistent/keys",
  };
  const cases: [string[], string[]][] = [
    [
      [],
      [
        "serve",
        "migrate",
        "demo",
        "org",
        "user",
        "token",
        "audit",
        "backup",
        "restore",
        "SALUS_DATABASE_URL",
      ],
    ],
    [["serve"], ["--demo-if-empty"]],
    [["migrate"], ["migrations"]],
    [["demo"], ["demo"]],
    [["org"], ["create"]],
    [
      ["org", "create"],
      ["--slug", "--name"],
    ],
    [["user"], ["create", "disable", "enable", "rename", "reset-mfa"]],
    [
      ["user", "rename"],
      ["--email", "--name"],
    ],
    [
      ["user", "reset-mfa"],
      ["--org", "--email"],
    ],
    [
      ["user", "create"],
      ["--org", "--email", "--role", "--name", "--password-stdin", "front-desk", "privacy-officer"],
    ],
    [["user", "disable"], ["--email"]],
    [["token"], ["create", "revoke"]],
    [
      ["token", "create"],
      ["--org", "--email", "--role", "--name"],
    ],
    [
      ["token", "revoke"],
      ["--token", "--org", "--id"],
    ],
    [["audit"], ["verify"]],
    [["audit", "verify"], ["exits 1"]],
    [["backup"], ["<file>"]],
    [["restore"], ["<file>", "--yes"]],
  ];

  it("every command has --help, exits 0 and names its options", async () => {
    const results = await Promise.all(cases.map(([args]) => runSalus([...args, "--help"], env)));
    results.forEach((r, i) => {
      const [args, mentions] = cases[i]!;
      const what = `salus ${args.join(" ")} --help`;
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      expect(r.stdout, what).toMatch(/^Usage: salus/);
      // Help text is wrapped at the terminal's width: compare with line breaks read as spaces.
      const text = r.stdout.replace(/\s+/g, " ");
      for (const m of mentions) expect(text, `${what} mentions ${m}`).toContain(m);
    });
    // --help never opens the database (it would have had to create /nonexistent/...).
    expect(existsSync("/nonexistent")).toBe(false);
  }, 120_000);

  it("refuses a missing required option or an unknown role before touching anything", async () => {
    const [missing, badRole] = await Promise.all([
      runSalus(["org", "create", "--slug", "x"], env),
      runSalus(["user", "create", "--org", "x", "--email", "a@b.co", "--role", "superuser"], env),
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/required option '--name <name>' not specified/);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toMatch(/superuser.*is invalid|invalid.*superuser/i);
  }, 60_000);
});

type Kind = "sqlite" | "postgres";
const KINDS: Kind[] = PG_URL ? ["sqlite", "postgres"] : ["sqlite"];

for (const kind of KINDS) {
  describe.sequential(`salus commands on ${kind}`, () => {
    const tmp = tempDir();
    let main: ScratchDatabase;
    let env: CliEnv;
    let services: Services;
    let app: FastifyInstance;
    let orgId: string;
    const salus = (args: string[], input?: string, e: CliEnv = env) => runSalus(args, e, input);
    const extra: ScratchDatabase[] = [];

    beforeAll(async () => {
      main = await scratchDatabase(kind, tmp.dir, "main");
      env = { databaseUrl: main.url, secretsFile: join(tmp.dir, "keys") };
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await services?.db.close();
      for (const d of [main, ...extra]) await d?.drop();
      tmp.remove();
    }, 60_000);

    /** Services on the same database and keys as the CLI (opened after `migrate` made the keys). */
    async function openInProcess(e: CliEnv): Promise<Services> {
      return openServices(
        loadConfig({
          SALUS_DATABASE_URL: e.databaseUrl,
          SALUS_SECRETS_FILE: e.secretsFile,
          SALUS_LOG_LEVEL: "silent",
          SALUS_RATE_LIMIT_PER_MINUTE: "0",
        }),
      );
    }

    async function counts(s: Services = services): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const t of TABLES_IN_ORDER) {
        const row = await s.systemDb
          .selectFrom(t)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow();
        out[t] = Number(row.n);
      }
      return out;
    }

    /** Enough of the database's state to see whether anything changed. */
    async function snapshot(s: Services = services) {
      const orgs = await s.systemDb
        .selectFrom("organizations")
        .select(["slug", "name"])
        .orderBy("slug")
        .execute();
      const heads = await s.systemDb.selectFrom("audit_heads").selectAll().orderBy("chain_id").execute();
      // operator_state holds the outbox pause a restore sets (checked on its own).
      const { operator_state: _operator, ...rest } = await counts(s);
      return { counts: rest, orgs, heads };
    }

    async function signIn(email: string, password: string) {
      return app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { email, password, organization: "riverside" },
      });
    }

    it("migrate creates the schema and the key file", async () => {
      const r = await salus(["migrate"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/is up to date/);
      expect(r.stdout).toBe("");
      expect(existsSync(env.secretsFile)).toBe(true);
      services = await openInProcess(env);
      app = (await buildApp(services, { logger: false })).app;
      expect(await counts()).toMatchObject({ organizations: 0, audit_entries: 0 });
      // Migrating again is a no-op.
      expect((await salus(["migrate"])).code).toBe(0);
    }, 60_000);

    it("org create prints the new id; a duplicate or invalid slug exits non-zero with a clear message", async () => {
      const r = await salus(["org", "create", "--slug", "riverside", "--name", "Riverside Family Medicine"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
      orgId = r.stdout.trim();
      const row = await services.systemDb
        .selectFrom("organizations")
        .selectAll()
        .where("id", "=", orgId)
        .executeTakeFirst();
      expect(row).toMatchObject({ slug: "riverside", name: "Riverside Family Medicine" });

      const [dup, bad] = await Promise.all([
        salus(["org", "create", "--slug", "riverside", "--name", "Again"]),
        salus(["org", "create", "--slug", "Bad_Slug-", "--name", "Bad"]),
      ]);
      expect(dup.code).toBe(1);
      expect(dup.stdout).toBe("");
      expect(dup.stderr).toMatch(/salus: An organization with slug "riverside" already exists\./);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/salus: The slug must be 1-40 lower-case letters/);
      expect(bad.stderr).toMatch(/slug: must be lower-case letters/);
      expect((await counts()).organizations).toBe(1);
    }, 60_000);

    it("user create prints a one-time password alone on stdout, and it signs in (must change it)", async () => {
      const r = await salus([
        "user",
        "create",
        "--org",
        "riverside",
        "--email",
        "Alice@Riverside.example",
        "--role",
        "clinician",
        "front-desk",
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}\n$/);
      expect(r.stderr).toMatch(/One-time password/);
      expect(r.stderr).not.toContain(r.stdout.trim());
      const user = await services.systemDb
        .selectFrom("users")
        .selectAll()
        .where("email_normalized", "=", "alice@riverside.example")
        .executeTakeFirstOrThrow();
      expect(user.must_change_password).toBe(1);
      expect(user.password_hash).toMatch(/^\$argon2id\$/);
      const roles = await services.systemDb
        .selectFrom("memberships")
        .select("role")
        .where("user_id", "=", user.id)
        .orderBy("role")
        .execute();
      expect(roles.map((m) => m.role)).toEqual(["clinician", "front-desk"]);

      const ok = await signIn("alice@riverside.example", r.stdout.trim());
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ status: "password_change_required" });
      expect((await signIn("alice@riverside.example", "wrong-password-entirely")).statusCode).toBe(401);
    }, 60_000);

    it("user create --password-stdin refuses a weak password with the policy message and accepts a good one", async () => {
      const [short, common] = await Promise.all([
        salus(
          [
            "user",
            "create",
            "--org",
            "riverside",
            "--email",
            "bob@riverside.example",
            "--role",
            "admin",
            "--password-stdin",
          ],
          "tulips\n",
        ),
        salus(
          [
            "user",
            "create",
            "--org",
            "riverside",
            "--email",
            "bob@riverside.example",
            "--role",
            "admin",
            "--password-stdin",
          ],
          "password1234\n",
        ),
      ]);
      expect(short.code).toBe(1);
      expect(short.stdout).toBe("");
      expect(short.stderr).toMatch(/salus: Use at least 12 characters/);
      expect(common.code).toBe(1);
      expect(common.stderr).toMatch(/salus: This password is common or has appeared in data breaches/);
      expect(
        await services.systemDb
          .selectFrom("users")
          .select("id")
          .where("email_normalized", "=", "bob@riverside.example")
          .executeTakeFirst(),
      ).toBeUndefined();

      const good = await salus(
        [
          "user",
          "create",
          "--org",
          "riverside",
          "--email",
          "bob@riverside.example",
          "--name",
          "Bob Admin",
          "--role",
          "admin",
          "--password-stdin",
        ],
        "kettle moss harbor lantern\n",
      );
      expect(good.code, good.stderr).toBe(0);
      expect(good.stdout).toBe("");
      const bob = await services.systemDb
        .selectFrom("users")
        .selectAll()
        .where("email_normalized", "=", "bob@riverside.example")
        .executeTakeFirstOrThrow();
      expect(bob).toMatchObject({ must_change_password: 0, display_name: "Bob Admin" });
      const res = await signIn("bob@riverside.example", "kettle moss harbor lantern");
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: "signed_in" });
    }, 60_000);

    it("token create prints only the token; it works as a bearer token until token revoke --token", async () => {
      const r = await salus([
        "token",
        "create",
        "--org",
        "riverside",
        "--email",
        "bob@riverside.example",
        "--name",
        "lab-feed",
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^salus_\S+\n$/);
      const token = r.stdout.trim();
      expect(r.stderr).not.toContain(token);
      const row = await services.systemDb
        .selectFrom("api_tokens")
        .selectAll()
        .where("name", "=", "lab-feed")
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ role: "admin", revoked_at: null, organization_id: orgId });
      expect(row.token_hash).not.toContain(token);

      const asToken = () =>
        app.inject({
          method: "GET",
          url: "/api/organization",
          headers: { authorization: `Bearer ${token}` },
        });
      const before = await asToken();
      expect(before.statusCode, before.body).toBe(200);
      expect(before.json()).toMatchObject({ slug: "riverside" });

      const revoke = await salus(["token", "revoke", "--token", token]);
      expect(revoke.code, revoke.stderr).toBe(0);
      expect(revoke.stderr).toContain(`Token ${row.id} revoked.`);
      const after = await services.systemDb
        .selectFrom("api_tokens")
        .select("revoked_at")
        .where("id", "=", row.id)
        .executeTakeFirstOrThrow();
      expect(after.revoked_at).not.toBeNull();
      expect((await asToken()).statusCode).toBe(401);

      const [again, neither] = await Promise.all([
        salus(["token", "revoke", "--token", token]),
        salus(["token", "revoke"]),
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/salus: No active token with that id\./);
      expect(neither.code).toBe(1);
      expect(neither.stderr).toMatch(/Give --token TOKEN, or --org SLUG and --id ID/);
    }, 60_000);

    it("user disable disables the account; an unknown email exits 1", async () => {
      const r = await salus(["user", "disable", "--email", "ALICE@riverside.example"]);
      expect(r.code, r.stderr).toBe(0);
      const alice = await services.systemDb
        .selectFrom("users")
        .select("disabled_at")
        .where("email_normalized", "=", "alice@riverside.example")
        .executeTakeFirstOrThrow();
      expect(alice.disabled_at).not.toBeNull();
      const unknown = await salus(["user", "disable", "--email", "nobody@riverside.example"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/salus: No user with email nobody@riverside.example\./);
    }, 60_000);

    it("user enable, rename and reset-mfa: the platform operator's account-level changes, audited", async () => {
      const alice = () =>
        services.systemDb
          .selectFrom("users")
          .select(["id", "disabled_at", "display_name", "mfa_enabled"])
          .where("email_normalized", "=", "alice@riverside.example")
          .executeTakeFirstOrThrow();
      const enable = await salus(["user", "enable", "--email", "alice@riverside.example"]);
      expect(enable.code, enable.stderr).toBe(0);
      expect((await alice()).disabled_at).toBeNull();
      const rename = await salus([
        "user",
        "rename",
        "--email",
        "alice@riverside.example",
        "--name",
        "Alice R.",
      ]);
      expect(rename.code, rename.stderr).toBe(0);
      expect((await alice()).display_name).toBe("Alice R.");
      await services.systemDb
        .updateTable("users")
        .set({ mfa_enabled: 1 })
        .where("id", "=", (await alice()).id)
        .execute();
      const mfa = await salus([
        "user",
        "reset-mfa",
        "--org",
        "riverside",
        "--email",
        "alice@riverside.example",
      ]);
      expect(mfa.code, mfa.stderr).toBe(0);
      expect((await alice()).mfa_enabled).toBe(0);
      const actions = await services.systemDb
        .selectFrom("audit_entries")
        .select(["action", "actor"])
        .where("resource_id", "=", (await alice()).id)
        .execute();
      for (const action of ["user.enable", "user.update", "user.mfa.reset"])
        expect(actions, action).toContainEqual({ action, actor: "cli" });
    }, 60_000);

    it("demo seeds the organization `demo`", async () => {
      const r = await salus(["demo"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Demo practice created \(slug demo\)/);
      expect(r.stdout.trim().split("\n").length).toBeGreaterThanOrEqual(ROLE_COUNT);
      const demo = await services.systemDb
        .selectFrom("organizations")
        .select("id")
        .where("slug", "=", "demo")
        .executeTakeFirstOrThrow();
      const members = await services.systemDb
        .selectFrom("memberships")
        .select("role")
        .distinct()
        .where("organization_id", "=", demo.id)
        .execute();
      expect(members.length).toBe(ROLE_COUNT);
      const patients = await services.systemDb
        .selectFrom("patients")
        .select("id")
        .where("organization_id", "=", demo.id)
        .execute();
      expect(patients.length).toBeGreaterThan(0);
    }, 90_000);

    it("audit verify passes an intact trail and names the entry an attacker edited in the database", async () => {
      const ok = await salus(["audit", "verify"]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(new RegExp(`^ok      chain ${orgId}: \\d+ entries intact$`, "m"));
      expect(ok.stdout).not.toMatch(/BROKEN/);
      expect(ok.stderr).toMatch(/Audit trail intact/);

      const db = services.systemDb;
      // The application cannot edit the trail...
      await expect(
        sql`update audit_entries set action = 'forged' where chain_id = ${orgId} and seq = 2`.execute(db),
      ).rejects.toThrow(/append-only/);
      // ...but an attacker with database access can drop the trigger first.
      if (kind === "postgres") await sql`drop trigger audit_entries_append_only on audit_entries`.execute(db);
      else await sql`drop trigger audit_entries_no_update`.execute(db);
      const original = await db
        .selectFrom("audit_entries")
        .select("action")
        .where("chain_id", "=", orgId)
        .where("seq", "=", 2)
        .executeTakeFirstOrThrow();
      await sql`update audit_entries set action = 'user.read' where chain_id = ${orgId} and seq = 2`.execute(
        db,
      );

      const broken = await salus(["audit", "verify"]);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(`BROKEN  chain ${orgId}: entry 2 edited.`);
      expect(broken.stdout.match(/BROKEN/g)).toHaveLength(1); // the other chains are fine
      expect(broken.stderr).toMatch(/Audit trail verification FAILED in 1 chain\(s\)\./);

      // Put it back and re-arm the trigger, so the rest of the suite starts from an intact trail.
      await sql`update audit_entries set action = ${original.action} where chain_id = ${orgId} and seq = 2`.execute(
        db,
      );
      if (kind === "postgres") {
        await sql`create trigger audit_entries_append_only before update or delete on audit_entries
          for each row execute function salus_audit_append_only()`.execute(db);
      } else {
        await sql`create trigger audit_entries_no_update before update on audit_entries
          begin select raise(abort, 'audit entries are append-only'); end`.execute(db);
      }
      expect((await salus(["audit", "verify"])).code).toBe(0);
    }, 60_000);

    let backupFile: string;
    let atBackup: Awaited<ReturnType<typeof snapshot>>;

    it("backup then restore --yes round-trips the database, and the trail still verifies", async () => {
      backupFile = join(tmp.dir, "salus.backup");
      atBackup = await snapshot();
      const b = await salus(["backup", backupFile]);
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout).toBe("");
      const total = Object.values(atBackup.counts).reduce((a, n) => a + n, 0);
      expect(b.stderr).toContain(`${total} rows in ${TABLES_IN_ORDER.length} tables`);
      expect(existsSync(backupFile)).toBe(true);
      expect(readdirSync(tmp.dir).filter((f) => f.endsWith(".partial"))).toEqual([]);

      // A change after the backup, which the restore must undo.
      expect((await salus(["org", "create", "--slug", "after-backup", "--name", "After"])).code).toBe(0);
      expect((await snapshot()).counts.organizations).toBe((atBackup.counts.organizations ?? 0) + 1);

      const r = await salus(["restore", backupFile, "--yes"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Backup verified: .*checksums and audit chains intact/);
      expect(r.stderr).toContain(`Restored ${total} rows`);
      expect(r.stderr).toMatch(/outbox is paused: .*`salus outbox resume`/);
      expect(await snapshot()).toEqual(atBackup);
      const paused = await services.systemDb.selectFrom("operator_state").select("key").execute();
      expect(paused).toEqual([{ key: "outbox-paused" }]);
      const v = await salus(["audit", "verify"]);
      expect(v.code, v.stdout).toBe(0);
      // The append-only triggers are back after the restore.
      await expect(
        sql`delete from audit_entries where chain_id = ${orgId}`.execute(services.systemDb),
      ).rejects.toThrow(/append-only/);
    }, 90_000);

    it("restore without --yes changes nothing unless told `restore`", async () => {
      const r = await salus(["restore", backupFile], "no\n");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Type "restore" to continue/);
      expect(r.stderr).toMatch(/Nothing changed\./);
      expect(await snapshot()).toEqual(atBackup);
    }, 60_000);

    it("a corrupted backup is refused before anything changes", async () => {
      // Make the database differ from the backup, so a wrongful restore would show.
      expect((await salus(["org", "create", "--slug", "marker", "--name", "Marker"])).code).toBe(0);
      const before = await snapshot();
      const raw = readFileSync(backupFile);

      const flipped = Buffer.from(raw);
      flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
      const flippedFile = join(tmp.dir, "flipped.backup");
      writeFileSync(flippedFile, flipped);

      const lines = backupLines(raw);
      const edited = editRow(lines, "organizations", (o) => o.slug === "riverside", { name: "Evil Corp" });
      const editedFile = join(tmp.dir, "edited.backup");
      writeFileSync(editedFile, gzipSync(edited.join("")));

      // An editor who also recomputes the (unkeyed) checksums is caught by the keyed seal, whatever they
      // edited (a practice row here; an audit row below).
      const resealedFile = join(tmp.dir, "resealed.backup");
      writeFileSync(
        resealedFile,
        gzipSync(
          recomputeSums(
            editRow(lines, "audit_entries", (e) => e.chain_id === orgId && Number(e.seq) === 2, {
              action: "user.read",
            }),
          ).join(""),
        ),
      );
      const orgResealedFile = join(tmp.dir, "org-resealed.backup");
      writeFileSync(
        orgResealedFile,
        gzipSync(
          recomputeSums(
            editRow(lines, "organizations", (o) => o.slug === "riverside", { name: "Evil Corp" }),
          ).join(""),
        ),
      );

      const [f, e, s, o, missing] = await Promise.all([
        salus(["restore", flippedFile, "--yes"]),
        salus(["restore", editedFile, "--yes"]),
        salus(["restore", resealedFile, "--yes"]),
        salus(["restore", orgResealedFile, "--yes"]),
        salus(["restore", join(tmp.dir, "no-such.backup"), "--yes"]),
      ]);
      expect(f.code).toBe(1);
      expect(f.stderr).toMatch(/salus: .*flipped\.backup is not a Salus backup \(cannot be read/);
      expect(e.code).toBe(1);
      expect(e.stderr).toMatch(
        /salus: The backup's overall checksum does not match: the file was altered or damaged\./,
      );
      expect(s.code).toBe(1);
      for (const r of [s, o]) {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/salus: The backup's seal does not verify with this installation's key/);
      }
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/no-such\.backup is not a Salus backup/);
      for (const r of [f, e, s, o, missing]) expect(r.stderr).not.toMatch(/Restored/);

      expect(await snapshot()).toEqual(before);
      expect((await salus(["audit", "verify"])).code).toBe(0);
    }, 90_000);

    it("a backup restores into a fresh empty database with the same keys, and not with other keys", async () => {
      const fresh = await scratchDatabase(kind, tmp.dir, "fresh");
      extra.push(fresh);
      const freshEnv = { databaseUrl: fresh.url, secretsFile: env.secretsFile };
      const otherKeys = await scratchDatabase(kind, tmp.dir, "otherkeys");
      extra.push(otherKeys);
      const otherEnv = { databaseUrl: otherKeys.url, secretsFile: join(tmp.dir, "other-keys") };

      const [r, wrongKey] = await Promise.all([
        salus(["restore", backupFile, "--yes"], undefined, freshEnv),
        salus(["restore", backupFile, "--yes"], undefined, otherEnv),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(wrongKey.code).toBe(1);
      expect(wrongKey.stderr).toMatch(
        /seal does not verify with this installation's key: .*another installation/,
      );

      const freshServices = await openInProcess(freshEnv);
      const otherServices = await openInProcess(otherEnv);
      try {
        expect(await snapshot(freshServices)).toEqual(atBackup);
        expect(Object.values(await counts(otherServices)).every((n) => n === 0)).toBe(true);
      } finally {
        await freshServices.db.close();
        await otherServices.db.close();
      }
      const v = await salus(["audit", "verify"], undefined, freshEnv);
      expect(v.code, v.stdout).toBe(0);
      expect(v.stdout).toContain(`chain ${orgId}:`);
    }, 90_000);
  });
}

const ROLE_COUNT = 7;

type Line = Record<string, unknown>;
/** A backup's lines (format 2: gzip'd JSON lines), each with its "\n". */
function backupLines(raw: Buffer): string[] {
  return gunzipSync(raw)
    .toString("utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => `${l}\n`);
}
/** The lines with one row of `table` changed (checksums left as they were). */
function editRow(lines: string[], table: string, match: (row: Line) => boolean, change: Line): string[] {
  let current = "";
  let done = false;
  return lines.map((line) => {
    const v = JSON.parse(line);
    if (typeof v.table === "string") current = v.table;
    if (!done && current === table && v.r && match(v.r)) {
      done = true;
      return `${JSON.stringify({ r: { ...v.r, ...change } })}\n`;
    }
    return line;
  });
}
/** The lines with every table checksum and the overall checksum recomputed (the seal left as it was). */
function recomputeSums(lines: string[]): string[] {
  const sha = (s: string) => createHash("sha256").update(s).digest("hex");
  let rows = "";
  const out = lines.slice(0, -1).map((line) => {
    const v = JSON.parse(line);
    if (v.table) rows = "";
    if (v.r) rows += `${JSON.stringify(v.r)}\n`;
    return v.end ? `${JSON.stringify({ ...v, sha256: sha(rows) })}\n` : line;
  });
  const seal = JSON.parse(lines.at(-1)!).seal;
  return [...out, `${JSON.stringify({ sha256: sha(out.join("")), seal })}\n`];
}
/** Each table of a backup: its rows, count and checksum. */
function tablesOf(file: string): Record<string, { rows: Line[]; count: unknown; sha256: unknown }> {
  const out: Record<string, { rows: Line[]; count: unknown; sha256: unknown }> = {};
  let current: { rows: Line[]; count: unknown; sha256: unknown } | undefined;
  for (const line of backupLines(readFileSync(file))) {
    const v = JSON.parse(line);
    if (typeof v.table === "string") {
      current = { rows: [], count: null, sha256: null };
      out[v.table] = current;
    } else if (v.r) current!.rows.push(v.r);
    else if (v.end) Object.assign(current!, { count: v.count, sha256: v.sha256 });
  }
  return out;
}

// A backup is the same format on both databases, so it also moves a practice between them.
describe.skipIf(!PG_URL)("backup moves a practice between SQLite and PostgreSQL", () => {
  const tmp = tempDir();
  const dbs: ScratchDatabase[] = [];
  afterAll(async () => {
    for (const d of dbs) await d.drop();
    tmp.remove();
  }, 60_000);

  it("SQLite → PostgreSQL → SQLite keeps every row and a verifiable trail", async () => {
    const keys = join(tmp.dir, "keys");
    const [lite, post, back] = await Promise.all([
      scratchDatabase("sqlite", tmp.dir, "lite"),
      scratchDatabase("postgres", tmp.dir, "post"),
      scratchDatabase("sqlite", tmp.dir, "back"),
    ]);
    dbs.push(lite, post, back);
    const on = (d: ScratchDatabase): CliEnv => ({ databaseUrl: d.url, secretsFile: keys });
    const must = async (args: string[], d: ScratchDatabase, input?: string) => {
      const r = await runSalus(args, on(d), input);
      expect(r.code, `salus ${args.join(" ")}: ${r.stderr}`).toBe(0);
      return r;
    };
    await must(["org", "create", "--slug", "moving", "--name", "Moving Practice"], lite);
    await must(
      ["user", "create", "--org", "moving", "--email", "ünïcode@moving.example", "--role", "admin"],
      lite,
    );
    await must(["token", "create", "--org", "moving", "--email", "ünïcode@moving.example"], lite);
    const file1 = join(tmp.dir, "from-sqlite.backup");
    await must(["backup", file1], lite);
    await must(["restore", file1, "--yes"], post);
    expect((await must(["audit", "verify"], post)).stdout).toMatch(/^ok /m);
    const file2 = join(tmp.dir, "from-postgres.backup");
    await must(["backup", file2], post);
    await must(["restore", file2, "--yes"], back);
    expect((await must(["audit", "verify"], back)).stdout).toMatch(/^ok /m);

    // The rows themselves survive both moves unchanged (timestamps, integers, Unicode, nulls), in the
    // same order, so the table checksums are equal too (operator_state: the restores paused the outbox).
    const file3 = join(tmp.dir, "round-trip.backup");
    await must(["backup", file3], back);
    const { operator_state: paused1, ...t1 } = tablesOf(file1);
    const { operator_state: paused2, ...t2 } = tablesOf(file2);
    const { operator_state: paused3, ...t3 } = tablesOf(file3);
    expect(t2).toEqual(t1);
    expect(t3).toEqual(t1);
    expect(paused1?.count).toBe(0);
    expect([paused2?.count, paused3?.count]).toEqual([1, 1]);
  }, 120_000);
});
