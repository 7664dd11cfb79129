import { ROLES } from "@salus/core";
import { Command, Option } from "commander";

/**
 * `salus`: administration from the command line. Every command has --help. Results go to standard
 * output (a token alone on its line, so scripts can capture it); messages and errors to standard error.
 */
/** The commands load the whole server; import them only when one actually runs (fast --help). */
async function runCli(command: string, opts: Record<string, unknown>): Promise<void> {
  const { runCli: run } = await import("./commands.ts");
  await run(command, opts);
}

const program = new Command()
  .name("salus")
  .description(
    "Salus practice management: server and administration.\nDatabase: SALUS_DATABASE_URL (default sqlite:./data/salus.db).",
  )
  .showHelpAfterError();

program
  .command("serve")
  .description("Apply migrations and serve the web app and API (PORT, default 3000)")
  .option("--demo-if-empty", "seed the demo practice when the database has no organization yet")
  .action((opts) => runCli("serve", opts));

program
  .command("migrate")
  .description("Apply pending database migrations")
  .action(() => runCli("migrate", {}));

program
  .command("demo")
  .description("Seed the demo practice (organization slug `demo`) with users for every role")
  .action(() => runCli("demo", {}));

const org = program.command("org").description("Organizations (tenants)");
org
  .command("create")
  .description("Create an organization")
  .requiredOption("--slug <slug>", "short unique name, e.g. riverside")
  .requiredOption("--name <name>", "display name")
  .action((opts) => runCli("org create", opts));

const user = program.command("user").description("Users and their roles");
user
  .command("create")
  .description("Create a user in an organization; prints a one-time password unless --password-stdin")
  .requiredOption("--org <slug>", "organization slug")
  .requiredOption("--email <email>", "the user's email (their sign-in name)")
  .addOption(new Option("--role <role...>", "role(s)").choices([...ROLES]).makeOptionMandatory())
  .option("--name <name>", "display name (default: the email)")
  .option("--password-stdin", "read the password from standard input instead of generating a one-time one")
  .action((opts) => runCli("user create", opts));
user
  .command("reset-password")
  .description(
    "Give a user who forgot their password a new one-time password (printed alone); their sessions end",
  )
  .requiredOption("--org <slug>", "organization slug")
  .requiredOption("--email <email>", "the user's email")
  .action((opts) => runCli("user reset-password", opts));
user
  .command("disable")
  .description("Disable a user everywhere and end their sessions at once")
  .requiredOption("--email <email>", "the user's email")
  .action((opts) => runCli("user disable", opts));
user
  .command("enable")
  .description("Enable a disabled user everywhere")
  .requiredOption("--email <email>", "the user's email")
  .action((opts) => runCli("user enable", opts));
user
  .command("rename")
  .description("Change an account's display name (shown in every organization it belongs to)")
  .requiredOption("--email <email>", "the user's email")
  .requiredOption("--name <name>", "the new display name")
  .action((opts) => runCli("user rename", opts));
user
  .command("reset-mfa")
  .description("Turn off a user's multi-factor authentication (lost authenticator); their sessions end")
  .requiredOption("--org <slug>", "an organization the user belongs to (its trail records the reset first)")
  .requiredOption("--email <email>", "the user's email")
  .action((opts) => runCli("user reset-mfa", opts));

const token = program.command("token").description("Bearer tokens for integrations");
token
  .command("create")
  .description(
    "Create a bearer token for a member (a person or a service account); prints the token alone on standard output. Administrators can only issue tokens for themselves or a service account; the operator can for anyone",
  )
  .requiredOption("--org <slug>", "organization slug")
  .requiredOption("--email <email>", "the user the token acts as")
  .addOption(
    new Option("--role <role>", "which of the user's roles the token carries (default: their first)").choices(
      [...ROLES],
    ),
  )
  .option("--name <name>", "a label for the token", "cli")
  .action((opts) => runCli("token create", opts));
token
  .command("revoke")
  .description("Revoke a token, given the token itself (--token) or its id (--org and --id)")
  .option("--token <token>", "the token to revoke")
  .option("--org <slug>", "organization slug (with --id)")
  .option("--id <id>", "token id (with --org)")
  .action((opts) => runCli("token revoke", opts));

const audit = program.command("audit").description("The tamper-evident audit trail");
audit
  .command("verify")
  .description(
    "Check every audit chain and the seals outside the database; names the first edited, deleted, inserted or reordered entry, or the entries missing, and exits 1",
  )
  .option(
    "--seals <file>",
    "check against this seal file (e.g. a copy kept outside the database by `salus audit seal --out`) instead of SALUS_SEALS_FILE",
  )
  .action((opts) => runCli("audit verify", opts));
audit
  .command("seal")
  .description(
    "Write the audit chains' seals to the seal file outside the database (SALUS_SEALS_FILE); `salus serve` does it every minute",
  )
  .option(
    "--reset",
    "replace every seal with the chains as they are now (only after deliberately restoring an older backup)",
  )
  .option(
    "--out <file>",
    "also export the sealed heads to FILE (same format, MAC'd with the audit key) for keeping outside the database; `salus audit verify --seals FILE` checks against it",
  )
  .action((opts) => runCli("audit seal", opts));

program
  .command("backup")
  .description(
    "Write a consistent, checksummed backup of the whole database to FILE (safe while the server runs)",
  )
  .argument("<file>", "backup file to write")
  .action((file) => runCli("backup", { file }));
program
  .command("restore")
  .description(
    "Verify FILE (checksums, schema version, audit chain) and only then replace the database's contents; the outbox stays paused until `salus outbox resume`",
  )
  .argument("<file>", "backup file to read")
  .option("--yes", "do not ask for confirmation")
  .action((file, opts) => runCli("restore", { file, ...opts }));

const outbox = program.command("outbox").description("Messages waiting to leave (reminders, notices)");
outbox
  .command("resume")
  .description(
    "Let messages leave again after a restore paused the outbox (run it only on the copy that is now live)",
  )
  .action(() => runCli("outbox resume", {}));

const codes = program
  .command("codes")
  .description("Code sets (ICD-10-CM, CPT, HCPCS) used to check encounters");
codes
  .command("load")
  .description(
    "Load a code list into the database (all or nothing; the same file again changes nothing). ICD-10-CM ships in data/codes/",
  )
  .argument("<set>", `code set: ${["icd10cm", "cpt", "hcpcs", "pos"].join(", ")}`)
  .requiredOption("--file <file>", "the list: one code per line, then whitespace and the description")
  .requiredOption(
    "--version <version>",
    "version label; a year such as 2026 means that fiscal year (Oct 1 - Sep 30)",
  )
  .option("--valid-from <date>", "first date of service the list applies to (YYYY-MM-DD)")
  .option("--valid-to <date>", "last date of service the list applies to (YYYY-MM-DD)")
  .action((codeSet, opts) => runCli("codes load", { codeSet, ...opts }));

const keys = program
  .command("keys")
  .description("Field-encryption keys (kept in SALUS_SECRETS_FILE, never in the database)");
keys
  .command("rotate")
  .description(
    "Add a new field-encryption key and re-encrypt every encrypted value with it (safe to rerun after an interruption)",
  )
  .option("--no-new-key", "add no key: only move values still on older keys onto the newest")
  .option("--retire", "afterwards, remove from the secrets file the keys no value uses any more")
  .action((opts) => runCli("keys rotate", opts));

const claims = program
  .command("claims")
  .description("Insurance claims: X12 837P batches and acknowledgements (999, 277CA)");
claims
  .command("batch")
  .description(
    "Write the X12 837P of every ready claim to FILE (checked against the 005010X222A1 loop map); the claims become submitted",
  )
  .requiredOption("--org <slug>", "organization slug")
  .requiredOption("--out <file>", "where to write the 837P file")
  .option("--json", 'print {"batchId", "claims", "interchangeControlNumber", "totalChargeCents"}')
  .action((opts) => runCli("claims batch", opts));
claims
  .command("import-ack")
  .description(
    "Import a 999 or 277CA acknowledgement: claim statuses updated, rejections to the worklist (the same file twice changes nothing)",
  )
  .requiredOption("--org <slug>", "organization slug")
  .argument("<file>", "the acknowledgement file")
  .action((file, opts) => runCli("claims import-ack", { file, ...opts }));

// The simulator needs no database: it does not go through runCli (which opens one).
program
  .command("simulate")
  .description(
    "Simulate a practitioner's session (no database): mean and percentile patient wait, idle time and overtime, in minutes, with 95% confidence intervals; the session lasts patients × interval",
  )
  .option("--patients <n>", "booked patients, 1..1000 (required)")
  .option("--interval <min>", "minutes between appointments, above 0 and at most 480 (required)")
  .option("--rule <rule>", "individual | bailey-welch | block:K | times:T1,T2,… (minutes)", "individual")
  .option(
    "--service <dist>",
    "visit length: exp:MEAN | lognormal:MEAN:CV | fixed:MEAN | empirical:M1,M2,… (required)",
  )
  .option("--no-show <p>", "no-show probability 0..1, or one per patient: P1,P2,…", "0")
  .option(
    "--punctuality <dist>",
    "minutes late (negative = early): none | normal:MEAN:SD | empirical:M1,M2,…",
    "none",
  )
  .option(
    "--policy <policy>",
    "fcfs | appointment-order | earlier-of | grace-next-gap:G; several, comma-separated, are compared on the same simulated patients",
    "fcfs",
  )
  .option("--overbook <minutes>", "double-book an extra patient at these times, e.g. 0,90")
  .option("--overbook-no-show <p>", "no-show probability of each overbooked patient (default: the mean)")
  .option("--session-length <min>", "session length in minutes (default: patients × interval)")
  .option("--runs <r>", "simulated sessions, 1..100000", "1000")
  .option("--seed <s>", "random seed 0..4294967295 (same seed, same figures)", "1")
  .option("--json", "print one JSON object instead of a table")
  .action(async (opts) => {
    const { runSimulate } = await import("./simulate.ts");
    // commander files a `--no-…` flag under the name without `no-` (here `show`), even with a value.
    process.exitCode = runSimulate({ ...opts, noShow: opts.show });
  });

await program.parseAsync(process.argv);
