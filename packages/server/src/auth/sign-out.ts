import { appendAudit } from "../audit/append-audit.ts";
import { inTransaction } from "../db/transaction.ts";
import type { Services } from "../platform/services.ts";
import type { RequestInfo } from "./request-info.ts";
import type { ResolvedSession } from "./resolve-session.ts";
import { sessionEvent } from "./security-event.ts";

/** Ends the session (the next request with its token answers 401) and records the sign-out. */
export async function signOut(services: Services, r: ResolvedSession, info: RequestInfo): Promise<void> {
  await inTransaction(
    services.db,
    async (trx) => {
      await trx
        .updateTable("sessions")
        .set({ revoked_at: services.clock().toISOString() })
        .where("id", "=", r.session.id)
        .execute();
      await appendAudit(
        trx,
        services.audit,
        sessionEvent(services, info, r, {
          action: "auth.sign_out",
          outcome: "success",
        }),
      );
    },
    { serializeOn: r.organization.id },
  );
}
