import type { FastifyInstance } from "fastify";
import { accountRoutes } from "./admin/account-routes.ts";
import { adminRoutes } from "./admin/routes.ts";
import { authRoutes } from "./auth/routes.ts";
import { billingBatchRoutes } from "./billing/batch-routes.ts";
import { billingPriceRoutes } from "./billing/price-routes.ts";
import { billingRoutes } from "./billing/routes.ts";
import { billingScrubRoutes } from "./billing/scrub-routes.ts";
import { clinicalRoutes } from "./clinical/routes.ts";
import { directoryRoutes } from "./directory/routes.ts";
import { flowRoutes } from "./flow/routes.ts";
import type { Services } from "./platform/services.ts";
import { privacyRoutes } from "./privacy/routes.ts";
import { recordsRoutes } from "./records/routes.ts";
import { appointmentResponseRoutes } from "./scheduling/appointment-response-routes.ts";
import { calendarFeedRoutes } from "./scheduling/calendar-feed-routes.ts";
import { schedulingRoutes } from "./scheduling/routes.ts";
import { waitlistOfferRoutes } from "./scheduling/waitlist-offer-routes.ts";

/** Registers a domain's routes on the application (JSON API, or FHIR inside the /fhir/R4 scope). */
export type RegisterRoutes = (app: FastifyInstance, services: Services) => void;

/**
 * A domain of the server: a folder `server/src/<name>/` with its use cases, its API shapes
 * (`schemas.ts`) and its routes (`routes.ts`).
 */
export interface Domain {
  name: string;
  /** The JSON API and the patient-link pages, in registration order. */
  routes: readonly RegisterRoutes[];
}

/**
 * Every domain, in the order their routes are registered. A plain list: a new domain is added here, by
 * hand, so a review sees it (no autoloading).
 */
export const DOMAINS: readonly Domain[] = [
  { name: "auth", routes: [authRoutes] },
  { name: "directory", routes: [directoryRoutes] },
  { name: "admin", routes: [adminRoutes, accountRoutes] },
  {
    name: "scheduling",
    routes: [schedulingRoutes, appointmentResponseRoutes, waitlistOfferRoutes, calendarFeedRoutes],
  },
  { name: "flow", routes: [flowRoutes] },
  { name: "records", routes: [recordsRoutes] },
  { name: "clinical", routes: [clinicalRoutes] },
  { name: "privacy", routes: [privacyRoutes] },
  { name: "billing", routes: [billingPriceRoutes, billingRoutes, billingBatchRoutes, billingScrubRoutes] },
];
