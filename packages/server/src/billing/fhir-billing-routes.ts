import type { FastifyInstance } from "fastify";
import type { Services } from "../platform/services.ts";

/** FHIR R4 billing resources inside the /fhir/R4 scope: Claim (and Claim/$validate), ChargeItem, Coverage. */
export function fhirBillingRoutes(_app: FastifyInstance, _services: Services): void {}
