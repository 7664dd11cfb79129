import { DomainError } from "@salus/core";
import { findSlots } from "@salus/core/scheduling/slots";
import type { Actor, Services } from "../platform/services.ts";
import type { SlotView } from "./schemas.ts";
import { loadSlotContext } from "./slot-context.ts";

export type { SlotView } from "./schemas.ts";

export interface SlotSearch {
  appointmentTypeId: string;
  locationId: string;
  practitionerId?: string | undefined;
  from: string;
  to: string;
  limit?: number | undefined;
  eachPractitioner?: boolean | undefined;
}

/** Open start times (not PHI: no patient is involved, so not audited). */
export async function searchSlots(services: Services, actor: Actor, q: SlotSearch): Promise<SlotView[]> {
  const from = Date.parse(q.from);
  const to = Date.parse(q.to);
  if (!(to > from))
    throw new DomainError("invalid_request", "The search range must end after it starts.", [
      { path: "to", message: "must be after from" },
    ]);
  if (to - from > 62 * 86_400_000)
    throw new DomainError("invalid_request", "Search at most 62 days at a time.", [
      { path: "to", message: "is too far after from" },
    ]);
  const ctx = await loadSlotContext(services.systemDb, actor, {
    ...q,
    range: { start: from, end: to },
    now: services.clock().getTime(),
    // Time held by a waitlist offer is not open to anyone else (issue 10, item 5).
    holds: {},
  });
  return findSlots({
    ...ctx.request,
    limit: q.limit ?? 200,
    eachPractitioner: q.eachPractitioner === true,
  }).map((s) => ({
    start: new Date(s.start).toISOString(),
    end: new Date(s.end).toISOString(),
    practitionerId: s.practitionerId,
    roomId: s.roomId,
    equipmentIds: s.equipmentIds,
  }));
}
