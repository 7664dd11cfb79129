import type { FastifyInstance } from "fastify";
import type { Services } from "../platform/services.ts";

/**
 * Idempotency keys for HTTP writes (issue 11, item 4): the `Idempotency-Key` header. Placeholder until
 * the slice lands: installs nothing yet.
 */
export function installIdempotency(_app: FastifyInstance, _services: Services): void {}
