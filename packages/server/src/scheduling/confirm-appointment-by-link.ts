import { randomUUID } from "node:crypto";
import { type AuditInput, appendAudit } from "../audit/append-audit.ts";
import { scopeToOrganization } from "../db/scoped.ts";
import { inTransaction } from "../db/transaction.ts";
import type { Services } from "../platform/services.ts";
import { resolveShortToken } from "./short-links.ts";

/**
 * A patient confirms their appointment from a reminder link. The appointment stays booked; the
 * confirmation is recorded (appointment_responses, shown to the front desk: when, through which link)
 * after checking again, inside the transaction, that it is still the linked version and booked. The
 * audit entry (success, or failure when the link is out of date) is written in the same transaction.
 * Returns whether it was confirmed.
 */
export async function confirmAppointmentByLink(
  services: Services,
  link: { organizationId: string; appointmentId: string; version: number; ref?: string | undefined },
  auditInput: (confirmed: boolean) => AuditInput,
): Promise<boolean> {
  return inTransaction(
    services.db,
    async (raw) => {
      const trx = scopeToOrganization(raw, link.organizationId);
      const row = await trx
        .selectFrom("appointments")
        .select(["version", "status"])
        .where("id", "=", link.appointmentId)
        .executeTakeFirst();
      const current = row?.version === link.version && row.status === "booked";
      if (current) {
        const short = link.ref ? await resolveShortToken(trx, link.ref) : null;
        const viaShort =
          short && short.kind === "reminder" && short.subject_id === link.appointmentId ? short : null;
        await trx
          .insertInto("appointment_responses")
          .values({
            organization_id: link.organizationId,
            id: randomUUID(),
            appointment_id: link.appointmentId,
            kind: "reminder-confirmed",
            responder: "patient",
            via: viaShort ? `${viaShort.channel}-link` : "email-link",
            link: viaShort
              ? `/r/${viaShort.token}`
              : `/r/${link.appointmentId}?action=confirm&v=${link.version}`,
            version: link.version,
            at: services.clock().toISOString(),
          })
          .execute();
      }
      await appendAudit(raw, services.audit, auditInput(current));
      return current;
    },
    { serializeOn: link.organizationId },
  );
}
