import type { Services } from "./services.ts";

/**
 * The public base URL: configured (SALUS_PUBLIC_URL), never taken from a request's Host header, which a
 * caller controls (a link in a reminder or invitation must not point wherever the request said).
 */
export function publicBaseUrl(services: Services): string {
  return (services.config.publicUrl ?? `http://localhost:${services.config.port}`).replace(/\/+$/, "");
}
