import type { FastifyInstance } from "fastify";
import type { Services } from "../platform/services.ts";

/**
 * Billing's prices: the practice's billing identity, payers, fee schedules (the practice's prices and
 * each payer's contracted amounts) with CSV import and export, and place-of-service codes.
 */
export function billingPriceRoutes(_app: FastifyInstance, _services: Services): void {}
