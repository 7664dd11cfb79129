import type { FastifyBaseLogger } from "fastify";
import type { Services } from "../platform/services.ts";
import { passOnExpiredOffersEverywhere } from "./pass-on-expired-offers.ts";

/**
 * Started by `salus serve`: every minute, waitlist offers past their expiry are closed and their time is
 * offered to the next patient in line (issue 10, item 5). Idempotent (only offers still open change, in
 * one transaction per practice), so several instances, or a reader doing the same lazily, never pass one
 * offer on twice. Returns a function that stops the job and waits for a run in progress.
 */
export function startWaitlistJob(
  services: Services,
  log: Pick<FastifyBaseLogger, "info" | "warn">,
  everyMs = 60_000,
): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    if (stopped) return;
    running = running.then(async () => {
      if (stopped) return;
      try {
        const expired = await passOnExpiredOffersEverywhere(services);
        if (expired) log.info({ expired }, "waitlist offers expired and passed on");
      } catch (error) {
        log.warn(
          { job: "waitlist-offers", err: error instanceof Error ? error.message : String(error) },
          "waitlist job failed",
        );
      }
    });
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
