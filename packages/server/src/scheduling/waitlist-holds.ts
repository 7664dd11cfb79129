import { DomainError } from "@salus/core";
import { resourceKey } from "@salus/core/scheduling/availability";
import type { BusyInterval } from "@salus/core/scheduling/slots";
import { preparedQuery } from "../db/prepared.ts";
import type { Trx } from "../db/transaction.ts";
import { formatVisitTime } from "./reminders.ts";

/**
 * Waitlist holds (issue 10, item 5): an open offer keeps its time for the offered patient until it is
 * accepted, declined or expires. A hold is the offer row itself (`waitlist_offers`, status `open`,
 * `expires_at` in the future); nothing has to be cleaned up for a hold to stop blocking, because every
 * reader compares `expires_at` with its own clock (a stale hold never blocks, even before the expiry job
 * passes the time on).
 *
 * Who respects it: the slot finder (web, JSON API, FHIR `Slot`, waitlist matching) sees held time as busy;
 * every booking path (direct booking, reschedule, series, re-plan moves, undoing a no-show) refuses it
 * with 409 `slot_held`, naming the hold and its expiry, except for the offered patient (the accept path
 * books for them).
 */
export interface ActiveHold {
  offerId: string;
  entryId: string;
  patientId: string;
  practitionerId: string;
  roomId: string | null;
  start: number;
  end: number;
  expiresAt: string;
}

/** Open, unexpired offers of the organization touching `range` (on any of `resourceIds` when given). */
export async function loadActiveHolds(
  trx: Trx,
  organizationId: string,
  q: { range: { start: number; end: number }; now: number; resourceIds?: readonly string[] },
): Promise<ActiveHold[]> {
  if (q.resourceIds && q.resourceIds.length === 0) return [];
  const rows = q.resourceIds
    ? await selectHoldsOn.rows(trx, {
        org: organizationId,
        now: new Date(q.now).toISOString(),
        from: new Date(q.range.start).toISOString(),
        to: new Date(q.range.end).toISOString(),
        ids: [...q.resourceIds],
      })
    : await selectHolds(trx, organizationId, q).execute();
  return rows.map((r) => ({
    offerId: r.id,
    entryId: r.entry_id,
    patientId: r.patient_id,
    practitionerId: r.practitioner_id,
    roomId: r.room_id,
    start: Date.parse(r.start_at),
    end: Date.parse(r.end_at),
    expiresAt: new Date(r.expires_at).toISOString(),
  }));
}

/** Open offers overlapping the range (all resources). */
function selectHolds(
  trx: Trx,
  organizationId: string,
  q: { range: { start: number; end: number }; now: number },
) {
  return openOffers(trx, {
    org: organizationId,
    now: new Date(q.now).toISOString(),
    from: new Date(q.range.start).toISOString(),
    to: new Date(q.range.end).toISOString(),
  })
    .orderBy("o.start_at")
    .orderBy("o.id");
}

function openOffers(trx: Trx, a: { org: string; now: string; from: string; to: string }) {
  return trx
    .selectFrom("waitlist_offers as o")
    .innerJoin("waitlist_entries as e", (j) =>
      j.onRef("e.organization_id", "=", "o.organization_id").onRef("e.id", "=", "o.entry_id"),
    )
    .select([
      "o.id",
      "o.entry_id",
      "e.patient_id",
      "o.practitioner_id",
      "o.room_id",
      "o.start_at",
      "o.end_at",
      "o.expires_at",
    ])
    .where("o.organization_id", "=", a.org)
    .where("o.status", "=", "open")
    .where("o.expires_at", ">", a.now)
    .where("o.start_at", "<", a.to)
    .where("o.end_at", ">", a.from);
}

/** Open offers overlapping the range on the given resources (each booking asks: a prepared statement). */
const selectHoldsOn = preparedQuery(
  (db, a: { org: string; now: string; from: string; to: string; ids: string[] }) =>
    openOffers(db, a)
      .where((eb) => eb.or([eb("o.practitioner_id", "in", a.ids), eb("o.room_id", "in", a.ids)]))
      .orderBy("o.start_at")
      .orderBy("o.id"),
);

/** The holds as busy intervals per resource key (`bookingId` = `hold:{offerId}`), for the slot finder. */
export function holdsAsBusy(holds: readonly ActiveHold[]): Map<string, BusyInterval[]> {
  const by = new Map<string, BusyInterval[]>();
  const add = (key: string, h: ActiveHold) =>
    by.set(key, [...(by.get(key) ?? []), { start: h.start, end: h.end, bookingId: `hold:${h.offerId}` }]);
  for (const h of holds) {
    add(resourceKey("practitioner", h.practitionerId), h);
    if (h.roomId) add(resourceKey("room", h.roomId), h);
  }
  return by;
}

/**
 * Refuses a booking of `patientId` whose time (buffers included) overlaps a hold for someone else on the
 * same practitioner or room: 409 `slot_held` with the offer's id and the instant it ends. The offered
 * patient passes (the accept path, or the front desk booking the offered time for them).
 */
export async function refuseHeldTime(
  trx: Trx,
  organizationId: string,
  booking: {
    patientId: string;
    practitionerId: string;
    roomId: string | null;
    start: number;
    end: number;
    zone: string;
    now: number;
  },
): Promise<void> {
  const holds = await loadActiveHolds(trx, organizationId, {
    range: { start: booking.start, end: booking.end },
    now: booking.now,
    resourceIds: [booking.practitionerId, ...(booking.roomId ? [booking.roomId] : [])],
  });
  const hold = holds.find(
    (h) =>
      h.patientId !== booking.patientId &&
      (h.practitionerId === booking.practitionerId || (h.roomId !== null && h.roomId === booking.roomId)),
  );
  if (!hold) return;
  throw slotHeldError(hold, booking.zone);
}

export function slotHeldError(hold: ActiveHold, zone: string): DomainError {
  const until = formatVisitTime(hold.expiresAt, zone);
  return new DomainError(
    "slot_held",
    `This time is held for a patient on the waitlist (offer ${hold.offerId}) until ${until}. Choose another time, or book it once the offer is declined or expires.`,
    [{ path: "when", message: `is held by waitlist offer ${hold.offerId} until ${hold.expiresAt}` }],
  );
}
