import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { accountRoutes } from "./admin/account-routes.ts";
import { adminRoutes } from "./admin/routes.ts";
import { startAuditSealJob } from "./audit/seal-audit.ts";
import { authRoutes } from "./auth/routes.ts";
import { billingBatchRoutes } from "./billing/batch-routes.ts";
import { subscribeCaptureOnFinish } from "./billing/capture-on-finish.ts";
import { fhirBillingResourcesRoutes } from "./billing/fhir-billing-resources-routes.ts";
import { fhirBillingRoutes } from "./billing/fhir-billing-routes.ts";
import { billingPriceRoutes } from "./billing/price-routes.ts";
import { billingRoutes } from "./billing/routes.ts";
import { billingScrubRoutes } from "./billing/scrub-routes.ts";
import { clinicalRoutes } from "./clinical/routes.ts";
import type { Database } from "./db/schema.ts";
import { directoryRoutes } from "./directory/routes.ts";
import { fhirRecordsRoutes } from "./fhir/fhir-records-routes.ts";
import { fhirSchedulingRoutes } from "./fhir/fhir-scheduling-routes.ts";
import { startFlowJobs } from "./flow/flow-jobs.ts";
import { flowRoutes } from "./flow/routes.ts";
import { startIdempotencyCleanupJob } from "./http/idempotency.ts";
import type { Services } from "./platform/services.ts";
import { privacyRoutes } from "./privacy/routes.ts";
import { recordsRoutes } from "./records/routes.ts";
import { appointmentResponseRoutes } from "./scheduling/appointment-response-routes.ts";
import { calendarFeedRoutes } from "./scheduling/calendar-feed-routes.ts";
import { schedulingRoutes } from "./scheduling/routes.ts";
import { startWaitlistJob } from "./scheduling/waitlist-jobs.ts";
import { waitlistOfferRoutes } from "./scheduling/waitlist-offer-routes.ts";

/** Registers a domain's routes on the application (JSON API, or FHIR inside the /fhir/R4 scope). */
export type RegisterRoutes = (app: FastifyInstance, services: Services) => void;

/** What a background job logs to (the server's logger). */
export type JobLog = Pick<FastifyBaseLogger, "info" | "warn" | "error">;

/** Starts a domain's background job in `salus serve`; answers a stop function that waits for a run in progress. */
export type StartJob = (services: Services, log: JobLog) => () => Promise<void>;

/**
 * A domain of the server: a folder `server/src/<name>/` with its use cases, its API shapes
 * (`schemas.ts`) and its routes (`routes.ts`); the tables it owns (it alone writes them; others read
 * them through its use cases or views); its FHIR routes and its background jobs.
 */
export interface Domain {
  name: string;
  /** The JSON API and the patient-link pages, in registration order. */
  routes: readonly RegisterRoutes[];
  /** FHIR R4 routes, registered inside the /fhir/R4 scope after the directory resources. */
  fhirRoutes?: readonly RegisterRoutes[];
  /** Started by `salus serve` in list order, stopped in reverse order at shutdown. */
  jobs?: readonly StartJob[];
  /** The tables it owns (every table has exactly one owner: domains.test.ts). */
  tables: readonly (keyof Database)[];
  /**
   * Its reactions to other domains' events (platform/event-bus.ts), registered once when this list is
   * loaded (by the server, the CLI and the test harness alike), so a reaction that must never be
   * missed does not depend on which modules happen to be imported.
   */
  subscriptions?: readonly (() => () => void)[];
}

/**
 * Every domain, in the order their routes are registered and their jobs started. A plain list: a new
 * domain is added here, by hand, so a review sees it (no autoloading). "platform" is the shared
 * machinery (audit trail, idempotency keys, the outbox, operator state); it comes first so its audit
 * seal job stops last, after the others wrote their final entries. The outbox worker is started by
 * `salus serve` itself (it needs the message gateway).
 */
export const DOMAINS: readonly Domain[] = [
  {
    name: "platform",
    routes: [],
    jobs: [startAuditSealJob, startIdempotencyCleanupJob],
    tables: ["audit_heads", "audit_entries", "idempotency_keys", "outbox_messages", "operator_state"],
  },
  { name: "auth", routes: [authRoutes], tables: ["users", "sessions", "auth_throttle", "api_tokens"] },
  {
    name: "directory",
    routes: [directoryRoutes],
    // practitioner_licenses moves to HR when it arrives (docs/architecture.md, ownership).
    tables: [
      "locations",
      "rooms",
      "equipment",
      "staff_members",
      "practitioner_licenses",
      "patients",
      "patient_search_terms",
    ],
  },
  {
    name: "admin",
    routes: [adminRoutes, accountRoutes],
    tables: ["organizations", "memberships", "account_invitations"],
  },
  {
    name: "scheduling",
    routes: [schedulingRoutes, appointmentResponseRoutes, waitlistOfferRoutes, calendarFeedRoutes],
    fhirRoutes: [fhirSchedulingRoutes],
    jobs: [startWaitlistJob],
    tables: [
      "scheduling_settings",
      "appointment_types",
      "availability_templates",
      "availability_exceptions",
      "availability_blocks",
      "appointment_series",
      "appointments",
      "appointment_resources",
      "waitlist_entries",
      "waitlist_offers",
      "calendar_feeds",
      "short_links",
      "appointment_responses",
    ],
  },
  {
    name: "flow",
    routes: [flowRoutes],
    jobs: [startFlowJobs],
    tables: [
      "flow_settings",
      "visit_flow",
      "flow_days",
      "flow_proposals",
      "no_show_models",
      "appointment_risks",
    ],
  },
  {
    name: "records",
    routes: [recordsRoutes],
    fhirRoutes: [fhirRecordsRoutes],
    tables: [
      "records_settings",
      "patient_consents",
      "care_team_grants",
      "break_glass_grants",
      "patient_merges",
    ],
  },
  {
    name: "clinical",
    routes: [clinicalRoutes],
    tables: [
      "code_set_versions",
      "code_set_entries",
      "code_set_words",
      "encounters",
      "encounter_diagnoses",
      "encounter_procedures",
      "problems",
      "allergies",
      "medications",
      "clinical_notes",
      "clinical_documents",
      "clinical_revisions",
    ],
  },
  { name: "privacy", routes: [privacyRoutes], tables: ["amendments", "disclosures"] },
  {
    name: "billing",
    routes: [billingPriceRoutes, billingRoutes, billingBatchRoutes, billingScrubRoutes],
    fhirRoutes: [fhirBillingRoutes, fhirBillingResourcesRoutes],
    // A finished visit's procedures become charges for review in the same transaction.
    subscriptions: [subscribeCaptureOnFinish],
    // Billing owns coverages and no-show fees (docs/architecture.md); flow records the fee when it marks
    // the no-show, and the records pages edit coverages, through billing's tables.
    tables: [
      "coverages",
      "no_show_fees",
      "billing_settings",
      "payers",
      "fee_schedules",
      "fee_schedule_entries",
      "charges",
      "claims",
      "claim_lines",
      "claim_transitions",
      "ledger_entries",
      "accounting_periods",
      "claim_batches",
      "claim_acknowledgements",
      "claim_rejections",
      "scrub_rule_settings",
    ],
  },
];

for (const domain of DOMAINS) for (const subscribe of domain.subscriptions ?? []) subscribe();
