import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { BASE } from "../fhir/fhir-links.ts";
import { actorOf } from "../http/guard.ts";
import type { Services } from "../platform/services.ts";
import { validateFhirClaim } from "./validate-fhir-claim.ts";

/**
 * A Claim, or a Parameters resource carrying it as 'resource' (the $validate operation's two forms). The
 * Claim's own elements are read defensively by claimFromFhir: FHIR allows far more than the scrubber
 * reads, and what it lacks becomes a finding, not a 400.
 */
const validateIn = z.looseObject({ resourceType: z.enum(["Claim", "Parameters"]) });

/** FHIR R4 billing resources inside the /fhir/R4 scope: Claim/$validate (the claim scrubber). */
export function fhirBillingRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(`${BASE}/Claim/$validate`, {
    config: { permission: "billing:write" },
    schema: {
      tags: ["FHIR R4"],
      summary:
        "Scrub a professional Claim (contained Patient, Coverage, payer and billing Organization, Practitioner): an OperationOutcome with one issue per finding, the rule id in details.coding",
      body: validateIn,
    },
    handler: async (request) => {
      const body = request.body as {
        resourceType: string;
        parameter?: { name?: string; resource?: unknown }[];
      };
      const resource =
        body.resourceType === "Parameters"
          ? (body.parameter ?? []).find((p) => p?.name === "resource")?.resource
          : body;
      return validateFhirClaim(services, actorOf(request), resource);
    },
  });
}
