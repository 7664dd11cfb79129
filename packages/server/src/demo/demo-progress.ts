import { DomainError } from "@salus/core";
import { sql } from "kysely";
import { appendAudit } from "../audit/append-audit.ts";
import type { DialectName } from "../db/connection.ts";
import { TABLES_IN_ORDER } from "../db/schema.ts";
import { inTransaction, type Trx } from "../db/transaction.ts";
import { withAuditDeletesAllowed } from "../platform/backup.ts";
import type { Services } from "../platform/services.ts";

/**
 * Seeding the demo practice takes hundreds of use-case calls, each its own transaction; an interrupted
 * `salus demo` (Ctrl-C, a crash, a full disk) used to leave a half-made practice that blocked every later
 * run ("slug already exists"). Now a marker row (`operator_state`, key `demo-seed:<slug>`) is written
 * before anything is created and removed once seeding has finished; a run that finds the marker rolls
 * the half-made practice back in one transaction (audited in the platform trail) and seeds it afresh.
 */
export const demoSeedKey = (slug: string) => `demo-seed:${slug}`;

export interface DemoRollback {
  organizationId: string | null;
  startedAt: string;
  rowsRemoved: number;
}

async function columnsOf(trx: Trx, dialect: DialectName, table: string): Promise<Set<string>> {
  const { rows } =
    dialect === "sqlite"
      ? await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(trx)
      : await sql<{ name: string }>`select column_name as name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table}`.execute(trx);
  return new Set(rows.map((r) => r.name));
}

/**
 * Removes every row of organization `organizationId` (its audit chain included: it records only the
 * seeding) and the accounts made for it that belong to no other organization.
 */
async function removeOrganization(
  trx: Trx,
  dialect: DialectName,
  organizationId: string,
  demoEmails: readonly string[],
): Promise<number> {
  let removed = 0;
  const count = (r: { numDeletedRows: bigint }[]) => {
    removed += r.reduce((n, x) => n + Number(x.numDeletedRows), 0);
  };
  await withAuditDeletesAllowed(trx, dialect, async () => {
    for (const table of [...TABLES_IN_ORDER].reverse()) {
      if (table === "organizations") {
        count(await trx.deleteFrom("organizations").where("id", "=", organizationId).execute());
      } else if (table === "users") {
        if (demoEmails.length === 0) continue;
        count(
          await trx
            .deleteFrom("users")
            .where("email_normalized", "in", demoEmails)
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom("memberships")
                    .select("user_id")
                    .whereRef("memberships.user_id", "=", "users.id"),
                ),
              ),
            )
            .execute(),
        );
      } else if (table === "audit_heads" || table === "audit_entries") {
        // The organization's chain and its stripes (`<org>.<k>`, audit/append-audit.ts).
        count(
          await trx
            .deleteFrom(table)
            .where((eb) =>
              eb.or([eb("chain_id", "=", organizationId), eb("chain_id", "like", `${organizationId}.%`)]),
            )
            .execute(),
        );
      } else if ((await columnsOf(trx, dialect, table)).has("organization_id")) {
        count(await trx.deleteFrom(table).where(sql.ref("organization_id"), "=", organizationId).execute());
      }
    }
  });
  return removed;
}

/**
 * Starts (or restarts) seeding the demo practice `slug`: rolls back an interrupted earlier run, refuses
 * if a finished practice already has the slug, and writes the marker. Answers what was rolled back.
 */
export async function beginDemoSeed(
  services: Services,
  slug: string,
  demoEmails: readonly string[],
): Promise<DemoRollback | null> {
  const now = services.clock().toISOString();
  return inTransaction(services.db, async (trx) => {
    const marker = await trx
      .selectFrom("operator_state")
      .select(["value", "updated_at"])
      .where("key", "=", demoSeedKey(slug))
      .executeTakeFirst();
    const org = await trx
      .selectFrom("organizations")
      .select("id")
      .where("slug", "=", slug)
      .executeTakeFirst();
    let rollback: DemoRollback | null = null;
    if (!marker && org) {
      throw new DomainError(
        "conflict",
        `An organization with slug "${slug}" already exists: the demo practice is already there.`,
      );
    }
    if (marker) {
      const rowsRemoved = org ? await removeOrganization(trx, services.db.dialect, org.id, demoEmails) : 0;
      rollback = { organizationId: org?.id ?? null, startedAt: marker.updated_at, rowsRemoved };
      await trx.deleteFrom("operator_state").where("key", "=", demoSeedKey(slug)).execute();
      await appendAudit(trx, services.audit, {
        at: now,
        organizationId: null,
        userId: null,
        actor: "cli",
        action: "demo.rollback",
        resourceType: "Organization",
        resourceId: org?.id ?? null,
        patientId: null,
        outcome: "success",
        ip: null,
        requestId: null,
        detail: JSON.stringify({ via: "cli", slug, interruptedRunStartedAt: marker.updated_at, rowsRemoved }),
      });
    }
    await trx
      .insertInto("operator_state")
      .values({ key: demoSeedKey(slug), value: JSON.stringify({ slug }), updated_at: now })
      .execute();
    return rollback;
  });
}

/** Marks seeding of `slug` finished. */
export async function finishDemoSeed(services: Services, slug: string): Promise<void> {
  await services.systemDb.deleteFrom("operator_state").where("key", "=", demoSeedKey(slug)).execute();
}

/** True when a seeding of `slug` was started and never finished. */
export async function demoSeedInterrupted(services: Services, slug: string): Promise<boolean> {
  const row = await services.systemDb
    .selectFrom("operator_state")
    .select("key")
    .where("key", "=", demoSeedKey(slug))
    .executeTakeFirst();
  return Boolean(row);
}
