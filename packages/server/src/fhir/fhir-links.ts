import type { FastifyRequest } from "fastify";
import { z } from "zod";

/**
 * What every FHIR route file shares: the base path, the paging parameters and the links of a search
 * Bundle. Apart from fhir-routes.ts, which registers the route files (they importing it back made a
 * circle).
 */
export const BASE = "/fhir/R4";
export const paging = {
  _count: z.coerce.number().int().min(1).max(200).default(50),
  _offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${BASE}`;
}

export function nextLink(
  request: FastifyRequest,
  offset: number,
  count: number,
  total: number,
): string | null {
  if (offset + count >= total) return null;
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  url.searchParams.set("_offset", String(offset + count));
  url.searchParams.set("_count", String(count));
  return url.toString();
}

export function selfLink(request: FastifyRequest): string {
  return new URL(request.url, `${request.protocol}://${request.host}`).toString();
}

/** A token parameter `system|value` or `value`; a system other than `expected` matches nothing. */
export function tokenValue(param: string | undefined, expected: string): string | null | undefined {
  if (param === undefined) return undefined;
  const bar = param.indexOf("|");
  if (bar < 0) return param;
  const system = param.slice(0, bar);
  return system === "" || system === expected ? param.slice(bar + 1) : null;
}
