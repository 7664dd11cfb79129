import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Every way past the organization scope (db/scoped.ts), by file, with the reason. Use cases get a scoped
 * handle from `audited()`; what is listed here reaches the database otherwise:
 *
 * - the raw pool: `services.systemDb` (before issue 11's rename: `services.systemDb`, `db.kysely`);
 * - a raw transaction: `inTransaction(` / `inSnapshot(` called directly, not through `audited()`;
 * - the way out of a scoped transaction: `systemTrx(`.
 *
 * A new file that does any of these fails this test until it is added below with its reason, so a
 * review sees every exception; a file that no longer does fails it too, so the list stays true.
 * "scope next" marks organization reads that could move to `organizationDb()` (db/scoped.ts).
 */
const SYSTEM_ACCESS: Record<string, string> = {
  // The database layer itself.
  "server/src/db/transaction.ts": "opens the transactions",
  "server/src/db/run-migrations.ts": "migrations",
  "server/src/db/scoped.ts": "builds the scoped handles",
  "server/src/audit/audited.ts": "opens the audited transaction whose scoped handle the use case gets",
  "server/src/audit/append-audit.ts":
    "audit entries are written on the transaction itself, not the scoped handle",
  "server/src/audit/group-commit.ts": "writes audit entries of many requests in one transaction",
  "server/src/platform/services.ts": "defines systemDb",

  // No organization yet: sign-in, tokens and links are looked up before anyone is known.
  "server/src/auth/sign-in.ts": "sign-in: the account and its organizations, before one is chosen",
  "server/src/auth/sign-out.ts": "ends a session (found by its secret)",
  "server/src/auth/resolve-session.ts": "finds the session that names the organization",
  "server/src/auth/session-attempts.ts": "an account's organizations (sign-in answer)",
  "server/src/auth/switch-organization.ts": "an account's organizations, to switch between them",
  "server/src/auth/change-password.ts": "account-level change (users has no organization)",
  "server/src/auth/start-mfa-enrollment.ts": "account-level change (users has no organization)",
  "server/src/auth/confirm-mfa-enrollment.ts": "account-level change (users has no organization)",
  "server/src/auth/verify-mfa.ts": "second sign-in step, before the session exists",
  "server/src/auth/routes.ts": "the signed-in account's organizations",
  "server/src/http/idempotency.ts": "idempotency keys are looked up before the use case runs",
  "server/src/auth/bearer.ts": "bearer token look-up before the organization is known",
  "server/src/auth/attempt-guard.ts": "sign-in throttling, keyed by address and account",
  "server/src/auth/landing.ts": "an account's memberships in every organization (systemTrx)",
  "server/src/http/guard.ts": "resolves the session or token that names the organization",
  "server/src/http/app.ts": "health check (select 1)",
  "server/src/admin/organizations.ts": "creates an organization (none exists yet) and reads it by slug",
  "server/src/admin/invitations.ts":
    "accepting an invitation crosses organizations (systemTrx); the link's token names the organization",
  "server/src/admin/account-scope.ts":
    "an account's memberships everywhere; audit entries on other organizations' trails (systemTrx)",
  "server/src/admin/users.ts":
    "accounts are platform-level (users has no organization); scope next: listUsers",
  "server/src/scheduling/appointment-response-routes.ts":
    "a patient's link: the short token names the organization",
  "server/src/scheduling/waitlist-offer-routes.ts":
    "a patient's offer link: the token names the organization",
  "server/src/scheduling/find-linked-offer.ts":
    "a patient's offer link: the signed offer id names the organization",
  "server/src/scheduling/find-linked-appointment.ts":
    "a patient's reminder link: the signed appointment id names the organization",
  "server/src/scheduling/confirm-appointment-by-link.ts":
    "a patient's reminder link: its transaction (scoped once the organization is known) and audit entry",
  "server/src/scheduling/render-calendar-feed.ts": "a calendar feed's secret URL names the organization",

  // Jobs and operator commands that span every organization.
  "cli/src/commands.ts": "the platform operator's commands",
  "server/src/audit/verify-audit.ts": "verifies every organization's chain",
  "server/src/audit/seal-audit.ts": "seals every chain",
  "server/src/messaging/outbox-worker.ts": "sends every organization's messages",
  "server/src/flow/flow-jobs.ts": "nightly flow jobs for every organization",
  "server/src/flow/no-shows.ts": "the no-show job for every organization",
  "server/src/scheduling/pass-on-expired-offers.ts": "expired offers of every organization",
  "server/src/platform/backup.ts": "backup and restore of the whole database",
  "server/src/platform/field-crypto.ts": "key rotation over every table",
  "server/src/platform/operator-state.ts": "platform operator state (no organization)",
  "server/src/codes/load-code-set.ts": "code sets are shared by every organization",
  "server/src/demo/demo-progress.ts": "demo seeding bookkeeping",
  "server/src/demo/seed-clinical.ts": "demo seeding writes many rows in bulk",
  "server/src/demo/seed-flow.ts": "demo seeding writes many rows in bulk",
  "server/src/demo/seed-privacy.ts": "demo seeding writes many rows in bulk",
  "server/src/demo/seed-records.ts": "demo seeding writes many rows in bulk",
  "server/src/demo/seed-scheduling.ts": "demo seeding writes many rows in bulk",

  // Reads of one organization outside audited() (no health information, or audited elsewhere):
  // each filters by organization by hand today; scope next with organizationDb().
  "server/src/scheduling/list-appointment-types.ts": "scope next: appointment types",
  "server/src/scheduling/list-blocks.ts": "scope next: availability blocks",
  "server/src/scheduling/list-calendar-feeds.ts": "scope next: the organization's calendar feeds",
  "server/src/scheduling/list-exceptions.ts": "scope next: availability exceptions",
  "server/src/scheduling/list-templates.ts": "scope next: availability templates",
  "server/src/scheduling/search-slots.ts": "scope next: slot search context",
  "server/src/fhir/fhir-scheduling-routes.ts": "scope next: FHIR Slot and Appointment reads",
  "server/src/fhir/fhir-scheduling-search.ts": "scope next: FHIR scheduling searches",
  "server/src/fhir/load-fhir-schedules.ts": "scope next: FHIR Schedule list",
  "server/src/clinical/routes.ts": "ICD-10-CM look-ups: code sets are shared by every organization",
  "server/src/records/patient-access.ts":
    "builds the relation subqueries on the pool; they run inside scoped queries, so they are scoped",
};

const PACKAGES = fileURLToPath(new URL("../../../", import.meta.url));
const SYSTEM_USE = /\bdb\.kysely\b|\bsystemDb\b|\bsystemTrx\(|\binTransaction\(|\binSnapshot\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === "node_modules" || entry.name === "testing" ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** The code without comments (a comment naming systemTrx is no use of it). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

describe("system access (past the organization scope)", () => {
  it("is used only in the files listed, each with its reason", () => {
    const users = ["server/src", "cli/src"]
      .flatMap((p) => sourceFiles(join(PACKAGES, p)))
      .filter((f) => SYSTEM_USE.test(code(readFileSync(f, "utf8"))))
      .map((f) => relative(PACKAGES, f).split("\\").join("/"))
      .sort();
    const unlisted = users.filter((f) => !(f in SYSTEM_ACCESS));
    const stale = Object.keys(SYSTEM_ACCESS).filter((f) => !users.includes(f));
    expect({ unlisted, stale }).toEqual({ unlisted: [], stale: [] });
  });
});
