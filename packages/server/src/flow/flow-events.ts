import { EventEmitter } from "node:events";
import type { Services } from "../platform/services.ts";
import { appointmentChanged } from "../scheduling/appointment-changed.ts";

/**
 * The live board's in-process event bus: after a change to a location-day commits, its new `dayVersion`
 * is published here and every open board stream of that location-day is told. One bus per database
 * handle (a WeakMap keyed by `services.db`), so every copy of `services` in one process shares it and a
 * test's second server gets its own.
 *
 * One process only: with several server processes behind a load balancer, a change made in one would not
 * reach streams held by another. Those deployments need PostgreSQL LISTEN/NOTIFY (publish = NOTIFY on a
 * channel per organization); the board stream also re-checks the day version on every heartbeat, so at
 * worst a board in another process is one heartbeat late.
 */
export interface DayChanged {
  organizationId: string;
  locationId: string;
  date: string;
  dayVersion: string;
}

const buses = new WeakMap<object, EventEmitter>();

function busOf(services: Services): EventEmitter {
  let bus = buses.get(services.db);
  if (!bus) {
    bus = new EventEmitter();
    // Each open board is one listener; a busy practice may have dozens of screens open.
    bus.setMaxListeners(0);
    buses.set(services.db, bus);
  }
  return bus;
}

function channel(organizationId: string, locationId: string, date: string): string {
  return `${organizationId}|${locationId}|${date}`;
}

/** Tells open boards of that location-day that it changed. Call only after the change committed. */
export function publishDayChanged(services: Services, event: DayChanged): void {
  busOf(services).emit(channel(event.organizationId, event.locationId, event.date), event);
}

/** Listens to one location-day; answers the function that stops listening. */
export function subscribeDay(
  services: Services,
  key: { organizationId: string; locationId: string; date: string },
  listener: (event: DayChanged) => void,
): () => void {
  const bus = busOf(services);
  const name = channel(key.organizationId, key.locationId, key.date);
  bus.on(name, listener);
  return () => bus.off(name, listener);
}

/** Something about appointments of a location changed at these instants (their starts, before and after). */
export interface LocationPoke {
  organizationId: string;
  locationId: string;
  instants: number[];
}

/**
 * A hint from the scheduling slice, sent from inside the transaction of every booking, move, cancellation
 * and status change: boards of that location whose day holds one of the instants re-check their day
 * version shortly after (the change has committed by then, or rolled back and nothing is sent).
 */
function pokeLocation(services: Services, poke: LocationPoke): void {
  busOf(services).emit(`loc|${poke.organizationId}|${poke.locationId}`, poke);
}

export function subscribeLocation(
  services: Services,
  key: { organizationId: string; locationId: string },
  listener: (poke: LocationPoke) => void,
): () => void {
  const bus = busOf(services);
  const name = `loc|${key.organizationId}|${key.locationId}`;
  bus.on(name, listener);
  return () => bus.off(name, listener);
}

// Scheduling announces every appointment change (platform/event-bus.ts) and does not import flow.
// Subscribed when this module loads, which every board stream does (board-stream.ts imports it): no
// stream, no listener to tell, so a process that never loads it misses nothing.
appointmentChanged.subscribe((_trx, services, actor, { before, after }) => {
  pokeLocation(services, {
    organizationId: actor.organizationId,
    locationId: after.locationId,
    instants: [Date.parse(after.start), ...(before ? [Date.parse(before.start)] : [])],
  });
});
