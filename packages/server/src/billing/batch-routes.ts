import type { FastifyInstance } from "fastify";
import type { Services } from "../platform/services.ts";

/** Claim batches (X12 837P), acknowledgements (999, 277CA) and the rejection worklist. */
export function billingBatchRoutes(_app: FastifyInstance, _services: Services): void {}
