import { describe, expect, it } from "vitest";
import type { Trx } from "../db/transaction.ts";
import { defineEvent } from "./event-bus.ts";
import type { Actor, Services } from "./services.ts";

// The bus hands these through untouched; the subscribers here never read them.
const trx = {} as Trx;
const services = {} as Services;
const actor = {} as Actor;

describe("defineEvent", () => {
  it("runs the subscribers in order, one after the other, with the publisher's transaction", async () => {
    const event = defineEvent<{ n: number }>("test.ordered");
    const seen: string[] = [];
    event.subscribe(async (t, _s, _a, { n }) => {
      expect(t).toBe(trx);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(`first ${n}`);
    });
    event.subscribe((_t, _s, _a, { n }) => {
      seen.push(`second ${n}`);
    });
    await event.publish(trx, services, actor, { n: 1 });
    expect(seen).toEqual(["first 1", "second 1"]);
  });

  it("fails the publish when a subscriber throws (the change rolls back) and runs none after it", async () => {
    const event = defineEvent<null>("test.failing");
    const seen: string[] = [];
    event.subscribe(() => {
      throw new Error("refused");
    });
    event.subscribe(() => {
      seen.push("after");
    });
    await expect(event.publish(trx, services, actor, null)).rejects.toThrow("refused");
    expect(seen).toEqual([]);
  });

  it("subscribes a function once, and unsubscribes it", async () => {
    const event = defineEvent<null>("test.unsubscribe");
    let calls = 0;
    const subscriber = () => {
      calls++;
    };
    const stop = event.subscribe(subscriber);
    event.subscribe(subscriber);
    await event.publish(trx, services, actor, null);
    stop();
    await event.publish(trx, services, actor, null);
    expect(calls).toBe(1);
  });
});
