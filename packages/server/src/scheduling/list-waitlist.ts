import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { visiblePatients } from "../records/patient-access.ts";
import { passOnExpiredOffers } from "./pass-on-expired-offers.ts";
import { loadEntries, type WaitlistEntryView } from "./waitlist-view.ts";

export async function listWaitlist(
  services: Services,
  actor: Actor,
  status?: string[],
): Promise<WaitlistEntryView[]> {
  return audited(
    services,
    actor,
    {
      action: "waitlist.search",
      resourceType: "WaitlistEntry",
      detail: { status: status ?? null },
      fromResult: (items: WaitlistEntryView[]) => ({
        detail: { patientIds: [...new Set(items.map((e) => e.patientId))] },
      }),
    },
    async (trx) => {
      // Lazily, as the job does: an expired offer's time goes to the next in line before anyone looks.
      await passOnExpiredOffers(trx, services, actor);
      const entries = await loadEntries(trx, actor, { status: status ?? ["waiting", "offered"] });
      // Only patients the actor may see (a clinician: their own, care team, break-glass).
      const visible = visiblePatients(services, actor, "schedule");
      if (!visible || entries.length === 0) return entries;
      const ok = await trx
        .selectFrom("patients")
        .select("id")
        .where("organization_id", "=", actor.organizationId)
        .where(visible("patients.id"))
        .execute();
      const ids = new Set(ok.map((r) => r.id));
      return entries.filter((e) => ids.has(e.patientId));
    },
  );
}
