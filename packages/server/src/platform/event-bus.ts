import type { Trx } from "../db/transaction.ts";
import type { Actor, Services } from "./services.ts";

/**
 * Domain events inside the transaction: one domain announces a change and others react, without the
 * announcing domain importing them (scheduling announces appointment changes; the flow board, and later
 * billing, subscribe; scheduling imports neither). Issue 11 item 3: this replaced direct calls that made
 * import circles.
 *
 * Semantics, chosen so that a subscriber behaves exactly like the direct call it replaces:
 * - `publish` runs in the publisher's transaction and awaits each subscriber in turn, in the order they
 *   subscribed: what a subscriber writes commits or rolls back with the change, and a subscriber that
 *   throws fails the change (nothing is half-applied, nothing is swallowed);
 * - subscribers are process-wide functions of `(trx, services, actor, event)`: a subscriber holds no
 *   state, so every `services` of the process (the app, the CLI, each test's harness) shares them;
 * - nothing is sent to other processes: a subscriber that must tell other processes does so itself (the
 *   transactional outbox, or the flow board's re-check on every heartbeat).
 *
 * Who subscribes is a fact about the subscriber's module: a subscriber registers when that module loads
 * (`subscribe` at its top level), which ties the subscription to the code that needs it (the flow board
 * subscribes in flow-events.ts, which every board stream loads). A reaction that must never be missed
 * whatever was loaded (a charge, a message) belongs in the publisher's own domain or in the explicit
 * list of domains that the server registers at start-up, not in a module that might not be imported.
 */
export type Subscriber<E> = (trx: Trx, services: Services, actor: Actor, event: E) => Promise<void> | void;

export interface DomainEvent<E> {
  /** For errors and logs: `appointment.changed`. */
  readonly name: string;
  /** Adds a subscriber (idempotent for the same function); answers the function that removes it. */
  subscribe(subscriber: Subscriber<E>): () => void;
  /** Runs every subscriber in this transaction, in subscription order; the first that throws stops the rest. */
  publish(trx: Trx, services: Services, actor: Actor, event: E): Promise<void>;
}

/** Declares an event; the publishing domain owns the declaration and the payload type. */
export function defineEvent<E>(name: string): DomainEvent<E> {
  const subscribers: Subscriber<E>[] = [];
  return {
    name,
    subscribe(subscriber) {
      if (!subscribers.includes(subscriber)) subscribers.push(subscriber);
      return () => {
        const i = subscribers.indexOf(subscriber);
        if (i >= 0) subscribers.splice(i, 1);
      };
    },
    async publish(trx, services, actor, event) {
      // A copy: a subscriber that unsubscribes while running does not make the next one skipped.
      for (const subscriber of [...subscribers]) await subscriber(trx, services, actor, event);
    },
  };
}
