import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { DomainError, formatMoney, normalizeEmail } from "@salus/core";
import { cliActor, createOrganization, findOrganizationBySlug } from "@salus/server/admin/organizations";
import { createToken, revokeToken } from "@salus/server/admin/tokens";
import {
  createUser,
  disableUserEverywhere,
  findAccount,
  renameUserEverywhere,
  resetUserMfa,
  resetUserPassword,
} from "@salus/server/admin/users";
import { readSealFile, sealAuditTrail, sealsFileOf } from "@salus/server/audit/seal-audit";
import { chainLabels, labelOf, verifyAuditTrail } from "@salus/server/audit/verify-audit";
import { createClaimBatch } from "@salus/server/billing/create-claim-batch";
import { importAcknowledgement } from "@salus/server/billing/import-acknowledgement";
import { downloadClaimBatch } from "@salus/server/billing/list-claim-batches";
import { CODE_SETS, type CodeSet, loadCodeSet } from "@salus/server/codes/load-code-set";
import { loadConfig } from "@salus/server/config";
import { demoSeedInterrupted } from "@salus/server/demo/demo-progress";
import {
  DEMO_DEFAULT_PASSWORD,
  DEMO_SLUG,
  DEMO_USERS,
  type DemoResult,
  seedDemo,
} from "@salus/server/demo/seed-demo";
import { DOMAINS } from "@salus/server/domains";
import { buildApp } from "@salus/server/http/app";
import { gatewayFromSetting } from "@salus/server/messaging/gateways";
import { startOutboxWorker } from "@salus/server/messaging/outbox-worker";
import { BackupError, backupTo, readVerifiedBackup, restoreFrom } from "@salus/server/platform/backup";
import { digestToken } from "@salus/server/platform/crypto";
import { rotateFieldKeys } from "@salus/server/platform/field-crypto";
import { openServices } from "@salus/server/platform/open-services";
import { outboxPause, resumeOutbox } from "@salus/server/platform/operator-state";
import type { Services } from "@salus/server/platform/services";

type Opts = Record<string, unknown>;

const say = (line: string) => process.stderr.write(`${line}\n`);

function sayRollback(result: DemoResult): void {
  const r = result.rolledBack;
  if (!r) return;
  say(
    `An earlier demo seeding (started ${r.startedAt}) had not finished: rolled it back (${r.rowsRemoved} rows removed) and seeded again.`,
  );
}

async function readStdin(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return "";
}

/** Runs one command; maps errors to a message on standard error and a non-zero exit code. */
export async function runCli(command: string, opts: Opts): Promise<void> {
  const config = loadConfig();
  let services: Services | undefined;
  try {
    services = await openServices(config);
    const code = await run(command, opts, services);
    if (command !== "serve") {
      await services.db.close();
      process.exitCode = code;
    }
  } catch (error) {
    if (services) await services.db.close().catch(() => {});
    if (error instanceof DomainError || error instanceof BackupError) {
      say(`salus: ${error.message}`);
      for (const d of error instanceof DomainError ? error.details : []) say(`  ${d.path}: ${d.message}`);
      process.exitCode = 1;
      return;
    }
    say(`salus: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}

async function run(command: string, opts: Opts, services: Services): Promise<number> {
  const db = services.systemDb;
  switch (command) {
    case "migrate":
      say(`Database ${services.db.description} is up to date.`);
      return 0;

    case "serve": {
      const empty = !(await db.selectFrom("organizations").select("id").limit(1).executeTakeFirst());
      let demoPassword: string | null = null;
      const interrupted = await demoSeedInterrupted(services, DEMO_SLUG);
      if ((empty || interrupted) && opts.demoIfEmpty) {
        say(
          interrupted ? "Finishing the interrupted demo practice…" : "First run: creating the demo practice…",
        );
        const result = await seedDemo(services, services.config.demoPassword ?? DEMO_DEFAULT_PASSWORD);
        sayRollback(result);
        demoPassword = result.password;
      } else if (
        await db.selectFrom("organizations").select("id").where("slug", "=", DEMO_SLUG).executeTakeFirst()
      ) {
        demoPassword = services.config.demoPassword ?? DEMO_DEFAULT_PASSWORD;
      }
      const { app } = await buildApp(services, { webDist: resolve(import.meta.dirname, "../../web/dist") });
      const gateway = gatewayFromSetting(services.config.messageGateway, app.log);
      let stopOutbox = async () => {};
      const stopJobs: (() => Promise<void>)[] = [];
      const close = async () => {
        await stopOutbox();
        // In reverse order of starting: the platform's audit seal job last (a final seal at shutdown,
        // after the other jobs wrote their final entries).
        for (const stop of stopJobs.reverse()) await stop();
        await app.close();
        await services.db.close();
        process.exit(0);
      };
      process.once("SIGINT", close);
      process.once("SIGTERM", close);
      await app.listen({ port: services.config.port, host: services.config.host });
      // Reminders leave through the outbox worker every 15 s (other instances are kept apart by its claim).
      stopOutbox = startOutboxWorker(services, gateway, 15_000, app.log);
      // Every domain's background jobs (server/src/domains.ts), among them: audit chains sealed outside
      // the database every minute and at shutdown; idempotency keys past their 24 hours deleted hourly;
      // waitlist offers past their expiry passed on every minute; no-shows every minute, no-show risks
      // hourly, the risk model daily (and at start if stale).
      for (const domain of DOMAINS)
        for (const start of domain.jobs ?? []) stopJobs.push(start(services, app.log));
      const url = `http://localhost:${services.config.port}`;
      say(`\nSalus is running at ${url}  (API docs ${url}/api/docs, FHIR ${url}/fhir/R4)`);
      say(`Database: ${services.db.description}`);
      const pause = await outboxPause(services.db);
      if (pause) {
        say(
          `\nWARNING: the outbox is PAUSED (${pause.reason === "restored" ? `this database was restored on ${pause.restoredAt} from a backup made ${pause.backupCreatedAt}` : pause.reason}).`,
        );
        say("No reminder or other message leaves this server until an operator runs `salus outbox resume`.");
        say("Resume only on the copy that is now the live practice, or patients get messages twice.");
      }
      if (interrupted && !opts.demoIfEmpty) {
        say("\nWARNING: a demo seeding was interrupted; run `salus demo` to roll it back and seed it again.");
      }
      if (demoPassword) {
        say(`\nSign in to the demo practice with password "${demoPassword}" as:`);
        for (const u of DEMO_USERS) say(`  ${u.email.padEnd(28)} ${u.roles.join(", ")}`);
      }
      return 0;
    }

    case "demo": {
      const result = await seedDemo(services, services.config.demoPassword ?? DEMO_DEFAULT_PASSWORD);
      sayRollback(result);
      say(`Demo practice created (slug ${DEMO_SLUG}). Password for every demo user: ${result.password}`);
      for (const u of DEMO_USERS) process.stdout.write(`${u.email}\t${u.roles.join(",")}\n`);
      return 0;
    }

    case "org create": {
      const org = await createOrganization(services, { slug: String(opts.slug), name: String(opts.name) });
      say(`Organization ${org.slug} created.`);
      process.stdout.write(`${org.id}\n`);
      return 0;
    }

    case "user create": {
      const org = await findOrganizationBySlug(services, String(opts.org));
      const password = opts.passwordStdin ? await readStdin() : undefined;
      const email = String(opts.email);
      const result = await createUser(services, cliActor(org.id), {
        email,
        displayName: typeof opts.name === "string" ? opts.name : email,
        roles: opts.role as string[],
        password,
      });
      if (result.oneTimePassword) {
        say(
          `User ${result.user.email} created in ${org.slug} with roles ${result.user.roles.join(", ")}. One-time password (must be changed at first sign-in):`,
        );
        process.stdout.write(`${result.oneTimePassword}\n`);
      } else {
        say(`User ${result.user.email} now has roles ${result.user.roles.join(", ")} in ${org.slug}.`);
      }
      return 0;
    }

    case "user reset-password": {
      const org = await findOrganizationBySlug(services, String(opts.org));
      const email = String(opts.email);
      const found = await db
        .selectFrom("users")
        .select("id")
        .where("email_normalized", "=", normalizeEmail(email))
        .executeTakeFirst();
      if (!found) throw new DomainError("not_found", `No user with email ${email} in ${org.slug}.`);
      const { oneTimePassword } = await resetUserPassword(services, cliActor(org.id), found.id);
      say(
        `New one-time password for ${email} (must be changed at the next sign-in); their sessions have ended:`,
      );
      process.stdout.write(`${oneTimePassword}\n`);
      return 0;
    }

    case "user disable": {
      const email = String(opts.email);
      const user = await db
        .selectFrom("users")
        .select("id")
        .where("email_normalized", "=", normalizeEmail(email))
        .executeTakeFirst();
      if (!user) throw new DomainError("not_found", `No user with email ${email}.`);
      const membership = await db
        .selectFrom("memberships")
        .select("organization_id")
        .where("user_id", "=", user.id)
        .executeTakeFirst();
      await disableUserEverywhere(services, cliActor(membership?.organization_id ?? "platform"), email);
      say(`User ${email} disabled; their sessions have ended.`);
      return 0;
    }

    // Account-level changes an organization's administrator cannot make for an account that also belongs
    // to another organization (issue 9): the platform operator makes them here, audited in every
    // organization the account belongs to.
    case "user enable":
    case "user rename": {
      const email = String(opts.email);
      const user = await findAccount(services, email);
      const membership = await db
        .selectFrom("memberships")
        .select("organization_id")
        .where("user_id", "=", user.id)
        .orderBy("organization_id")
        .executeTakeFirst();
      const actor = cliActor(membership?.organization_id ?? "platform");
      if (command === "user enable") {
        await disableUserEverywhere(services, actor, email, false);
        say(`User ${email} enabled; they can sign in again.`);
      } else {
        await renameUserEverywhere(services, actor, email, String(opts.name));
        say(`User ${email} is now named ${String(opts.name).trim()}.`);
      }
      return 0;
    }

    case "user reset-mfa": {
      const org = await findOrganizationBySlug(services, String(opts.org));
      const email = String(opts.email);
      const user = await findAccount(services, email);
      await resetUserMfa(services, cliActor(org.id), user.id);
      say(
        `Multi-factor authentication is off for ${email}; their sessions have ended. They enrol again at sign-in if ${org.slug} requires it.`,
      );
      return 0;
    }

    case "token create": {
      const org = await findOrganizationBySlug(services, String(opts.org));
      const email = String(opts.email);
      const user = await db
        .selectFrom("users")
        .select("id")
        .where("email_normalized", "=", normalizeEmail(email))
        .executeTakeFirst();
      if (!user) throw new DomainError("not_found", `No user with email ${email} in ${org.slug}.`);
      const result = await createToken(services, cliActor(org.id), {
        name: String(opts.name ?? "cli"),
        userId: user.id,
        role: typeof opts.role === "string" ? opts.role : undefined,
      });
      say(`Token ${result.id} for ${email} (${result.role}) in ${org.slug}:`);
      process.stdout.write(`${result.token}\n`);
      return 0;
    }

    case "token revoke": {
      let orgId: string;
      let id: string;
      if (typeof opts.token === "string") {
        const row = await db
          .selectFrom("api_tokens")
          .select(["id", "organization_id"])
          .where("token_hash", "=", digestToken(opts.token))
          .executeTakeFirst();
        if (!row) throw new DomainError("not_found", "No such token.");
        orgId = row.organization_id;
        id = row.id;
      } else if (typeof opts.org === "string" && typeof opts.id === "string") {
        orgId = (await findOrganizationBySlug(services, opts.org)).id;
        id = opts.id;
      } else {
        throw new DomainError("invalid_request", "Give --token TOKEN, or --org SLUG and --id ID.");
      }
      await revokeToken(services, cliActor(orgId), id);
      say(`Token ${id} revoked.`);
      return 0;
    }

    case "audit verify": {
      const sealsFile = opts.seals ? resolve(String(opts.seals)) : sealsFileOf(services.config);
      const loaded = readSealFile(sealsFile, services.secrets.auditKey);
      const verdicts = await verifyAuditTrail(services.db, services.secrets.auditKey, {
        seals: loaded?.seals,
      });
      const labels = await chainLabels(services.db);
      let bad = 0;
      for (const v of verdicts) {
        if (v.ok) process.stdout.write(`ok      chain ${v.chainId}: ${v.entries} entries intact\n`);
        else {
          bad++;
          const org = labelOf(labels, v.chainId);
          process.stdout.write(
            `BROKEN  chain ${v.chainId}: entry ${v.seq} ${v.problem}. ${v.message}${org ? ` (organization ${org})` : ""}\n`,
          );
        }
      }
      if (loaded?.problem) {
        bad++;
        process.stdout.write(`BROKEN  seal file: ${loaded.problem}\n`);
      }
      if (!loaded)
        say(
          `Not checked against seals: there is no seal file at ${sealsFile} yet (\`salus serve\` writes it every minute; \`salus audit seal\` now).`,
        );
      else say(`Checked against the seals in ${sealsFile} (written ${loaded.writtenAt}).`);
      say(
        bad
          ? `Audit trail verification FAILED in ${bad} chain(s).`
          : `Audit trail intact (${verdicts.length} chains).`,
      );
      return bad ? 1 : 0;
    }

    case "audit seal": {
      const r = await sealAuditTrail(
        services.db,
        services.secrets.auditKey,
        sealsFileOf(services.config),
        services.clock(),
        { reset: opts.reset === true, ...(opts.out ? { out: resolve(String(opts.out)) } : {}) },
      );
      for (const k of r.kept)
        say(
          k.chainId === "*"
            ? `Not written: ${k.reason} Run \`salus audit verify\`; after a deliberate restore, \`salus audit seal --reset\`.`
            : `Seal of chain ${k.chainId} kept as it was: ${k.reason}.`,
        );
      say(
        `${r.written ? "Seals written to" : "Seals unchanged in"} ${r.file}: ${r.sealed} chain(s) sealed, ${r.unchanged} unchanged, ${r.kept.length} kept.`,
      );
      if (r.exported) say(`Sealed heads exported to ${r.exported} (keep it outside the database).`);
      return r.kept.length ? 1 : 0;
    }

    case "backup": {
      const file = resolve(String(opts.file));
      const summary = await backupTo(services.db, file, services.clock(), services.secrets.auditKey, {
        onTable: (table, n) => {
          if (n > 0 && process.stderr.isTTY) process.stderr.write(`  ${table}: ${n} rows\x1b[K\r`);
        },
      });
      const rows = Object.values(summary.tables).reduce((a, b) => a + b, 0);
      say(
        `Backup written to ${file}: ${rows} rows in ${Object.keys(summary.tables).length} tables, sha256 ${summary.sha256}.`,
      );
      return 0;
    }

    case "restore": {
      const file = resolve(String(opts.file));
      const backup = await readVerifiedBackup(file, services.secrets.auditKey);
      say(
        `Backup verified: made ${backup.createdAt} on ${backup.sourceDialect}, schema ${backup.migration}, checksums and audit chains intact.`,
      );
      if (!opts.yes) {
        process.stderr.write(
          `This replaces ALL data in ${services.db.description}. Type "restore" to continue: `,
        );
        if ((await readStdin()).trim() !== "restore") {
          say("Nothing changed.");
          return 1;
        }
      }
      const counts = await restoreFrom(services.db, backup, services.secrets.auditKey, {
        now: services.clock(),
      });
      say(
        `Restored ${Object.values(counts).reduce((a, b) => a + b, 0)} rows into ${services.db.description}.`,
      );
      say(
        "The outbox is paused: no reminder or other message leaves this copy until you run `salus outbox resume` (only on the copy that is now the live practice).",
      );
      return 0;
    }

    case "outbox resume": {
      const result = await resumeOutbox(services);
      if (!result.resumed) {
        say("The outbox is not paused; nothing changed.");
        return 0;
      }
      const pending = Object.values(result.pending).reduce((a, b) => a + b, 0);
      say(
        `Outbox resumed (paused since ${result.pause?.since}): ${pending} unsent message(s) in it; the running server sends each when it is due.`,
      );
      return 0;
    }

    case "codes load": {
      const codeSet = String(opts.codeSet);
      if (!(CODE_SETS as readonly string[]).includes(codeSet))
        throw new DomainError("invalid_request", `Unknown code set ${codeSet}; use ${CODE_SETS.join(", ")}.`);
      const file = resolve(String(opts.file));
      const { readFileSync } = await import("node:fs");
      const result = await loadCodeSet(
        services.db,
        {
          codeSet: codeSet as CodeSet,
          version: String(opts.version),
          content: readFileSync(file, "utf8"),
          ...(typeof opts.validFrom === "string" ? { validFrom: opts.validFrom } : {}),
          ...(typeof opts.validTo === "string" ? { validTo: opts.validTo } : {}),
        },
        services.clock(),
      );
      say(
        result.outcome === "unchanged"
          ? `${codeSet} ${result.version} is already loaded from this file (${result.entries} codes); nothing changed.`
          : `${result.outcome === "replaced" ? "Replaced" : "Loaded"} ${codeSet} ${result.version}: ${result.entries} codes for dates of service ${result.validFrom} to ${result.validTo} in ${(result.ms / 1000).toFixed(1)} s.`,
      );
      return 0;
    }

    case "claims batch": {
      const org = await findOrganizationBySlug(services, String(opts.org));
      const out = resolve(String(opts.out));
      const { renameSync, rmSync, writeFileSync } = await import("node:fs");
      // The file is made writable before the batch exists: claims become submitted only when their
      // 837P can be written where the operator asked (a bad path fails here, before anything changes).
      const temp = `${out}.${process.pid}.tmp`;
      writeFileSync(temp, "", { flag: "wx" });
      try {
        const result = await createClaimBatch(services, cliActor(org.id));
        const file = await downloadClaimBatch(services, cliActor(org.id), result.batchId);
        writeFileSync(temp, file.content);
        renameSync(temp, out);
        if (opts.json) {
          const { batchId, claims, interchangeControlNumber, totalChargeCents } = result;
          process.stdout.write(
            `${JSON.stringify({ batchId, claims, interchangeControlNumber, totalChargeCents })}\n`,
          );
        } else {
          say(
            `Batch ${result.interchangeControlNumber}: ${result.claims} claim${result.claims === 1 ? "" : "s"}, ${formatMoney(result.totalChargeCents)}, written to ${out}.`,
          );
        }
      } finally {
        rmSync(temp, { force: true });
      }
      return 0;
    }

    case "claims import-ack": {
      const org = await findOrganizationBySlug(services, String(opts.org));
      const { readFileSync } = await import("node:fs");
      const content = readFileSync(resolve(String(opts.file)), "utf8");
      const ack = await importAcknowledgement(services, cliActor(org.id), { content });
      if (ack.duplicate) {
        say(`This ${ack.kind} was already imported on ${ack.importedAt}; nothing changed.`);
        return 0;
      }
      const moved = ack.claims.filter((c) => c.outcome === "moved").length;
      say(
        `Imported ${ack.kind}${ack.batchInterchangeControlNumber ? ` for batch ${ack.batchInterchangeControlNumber}` : ""}: ${ack.accepted} accepted, ${ack.rejected} rejected; ${moved} claim${moved === 1 ? "" : "s"} updated.`,
      );
      for (const c of ack.claims) {
        if (c.verdict === "rejected")
          say(`  ${c.patientControlNumber}: ${c.reasons.join("; ") || "rejected"}`);
        else if (c.outcome === "not-found") say(`  ${c.patientControlNumber}: no such claim in ${org.slug}`);
      }
      for (const w of ack.warnings) say(`  note: ${w}`);
      return 0;
    }

    case "keys rotate": {
      const result = await rotateFieldKeys(
        services.db,
        services.config.secretsFile,
        services.secrets,
        services.clock(),
        {
          newKey: opts.newKey !== false,
          retire: Boolean(opts.retire),
          onProgress: (column, done) => {
            if (done > 0) process.stderr.write(`  ${column}: ${done} re-encrypted\r`);
          },
        },
      );
      if (result.addedKeyId) say(`Added key ${result.addedKeyId} to ${services.config.secretsFile}.`);
      if (result.resumed)
        say(`An earlier rotation had not finished; completed it with key ${result.currentKeyId}.`);
      for (const [column, n] of Object.entries(result.reencrypted))
        say(`  ${column.padEnd(36)} ${n} re-encrypted`);
      say(
        `Every encrypted value now uses key ${result.currentKeyId}. Values per key: ${Object.entries(
          result.inUse,
        )
          .map(([k, n]) => `${k}=${n}`)
          .join(", ")}.`,
      );
      if (result.retired.length) say(`Retired unused key(s): ${result.retired.join(", ")}.`);
      else if (!opts.retire)
        say("Old keys are kept; run again with --retire to drop the ones no value uses.");
      return 0;
    }
  }
  throw new Error(`unknown command ${command}`);
}
