import type { FastifyBaseLogger } from "fastify";
import type { Services } from "../platform/services.ts";
import { lastTrainedAt, refreshRisks, trainModel } from "./no-show-model.ts";
import { jobActor, markNoShowsEverywhere } from "./no-shows.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The flow slice's background work in `salus serve`: every minute, visits past the no-show rule are marked
 * (with fees); every hour, the stored no-show risks of upcoming visits are refreshed; once a day (and at
 * start when an organization has no model or one older than a day), the risk model is retrained.
 * Every step is idempotent, so two server processes running the jobs at once do no harm. Answers a stop
 * function that waits for the running step to finish.
 */
export function startFlowJobs(
  services: Services,
  log: Pick<FastifyBaseLogger, "info" | "warn" | "error">,
): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const guard = (name: string, fn: () => Promise<unknown>) => () => {
    if (stopped) return;
    running = running.then(async () => {
      if (stopped) return;
      try {
        await fn();
      } catch (error) {
        log.warn(
          { job: name, err: error instanceof Error ? error.message : String(error) },
          "flow job failed",
        );
      }
    });
  };
  const train = guard("no-show-model", async () => {
    const orgs = await services.systemDb.selectFrom("organizations").select("id").execute();
    const now = services.clock().getTime();
    for (const o of orgs) {
      const last = await lastTrainedAt(services, o.id);
      if (last && now - Date.parse(last) < 24 * HOUR) continue;
      try {
        const m = await trainModel(services, jobActor(o.id, "no-show-model"));
        log.info({ organizationId: o.id, examples: m.examples, brier: m.brier }, "no-show model trained");
      } catch (error) {
        // Too little history is normal for a new practice: nothing to learn from yet.
        log.info(
          { organizationId: o.id, reason: error instanceof Error ? error.message : String(error) },
          "no-show model not trained",
        );
      }
    }
  });
  const refresh = guard("no-show-risk", async () => {
    const orgs = await services.systemDb.selectFrom("organizations").select("id").execute();
    for (const o of orgs) await refreshRisks(services, jobActor(o.id, "no-show-risk"));
  });
  const noShows = guard("no-shows", async () => {
    const r = await markNoShowsEverywhere(services);
    if (r.marked) log.info({ marked: r.marked, fees: r.fees }, "no-shows marked");
  });
  train();
  noShows();
  const timers = [setInterval(noShows, MINUTE), setInterval(refresh, HOUR), setInterval(train, HOUR)];
  for (const t of timers) t.unref();
  return async () => {
    stopped = true;
    for (const t of timers) clearInterval(t);
    await running;
  };
}
