import type { FastifyInstance } from "fastify";
import type { Services } from "../platform/services.ts";

/** Billing's work: charges and their review queue, the ledger and accounting months, claims. */
export function billingRoutes(_app: FastifyInstance, _services: Services): void {}
