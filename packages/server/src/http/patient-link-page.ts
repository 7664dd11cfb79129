import type { FastifyReply, FastifyRequest } from "fastify";
import { publicBaseUrl } from "../platform/public-url.ts";
import type { Actor, Services } from "../platform/services.ts";

/**
 * The pages a patient reaches through a link in a message (reminder confirm/cancel, waitlist offer):
 * server-rendered HTML without scripts (the CSP forbids inline scripts; inline styles are allowed), every
 * interpolated value escaped, never cached or indexed. One shell for every such page, so a fix to its
 * escaping or headers reaches them all.
 */

export const BUTTON_STYLE =
  "font: inherit; padding: 0.6rem 1.2rem; border: 0; border-radius: 6px; background: #1c5d99; color: #fff; cursor: pointer";
export const SECONDARY_BUTTON_STYLE =
  "font: inherit; padding: 0.6rem 1.2rem; border: 1px solid #1c5d99; border-radius: 6px; background: #fff; color: #1c5d99; cursor: pointer";

export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Where a page's buttons POST: `{public base path}/{prefix}/{id}` (the same path the link opened). */
export function linkFormAction(services: Services, prefix: string, id: string): string {
  const base = new URL(publicBaseUrl(services)).pathname.replace(/\/+$/, "");
  return `${base}/${prefix}/${encodeURIComponent(id)}`;
}

/** The link's signed parameters as hidden fields, so the POST carries exactly what the GET verified. */
export function hiddenInputs(link: Record<string, string | number | undefined>): string {
  return (Object.entries(link).filter(([, v]) => v !== undefined) as [string, string | number][])
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(String(v))}">`)
    .join("");
}

/** The whole page: title, paragraphs (escaped here), then `bodyHtml` (already escaped by the caller). */
export function linkPageHtml(page: { title: string; paragraphs: string[] }, bodyHtml: string): string {
  const e = escapeHtml;
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${e(page.title)}</title></head>`,
    '<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a">',
    `<main><h1 style="font-size: 1.5rem">${e(page.title)}</h1>`,
    ...page.paragraphs.map((p) => `<p>${e(p)}</p>`),
    bodyHtml,
    "</main></body></html>",
  ].join("\n");
}

export function sendLinkPage(reply: FastifyReply, status: number, html: string) {
  return reply
    .status(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("x-robots-tag", "noindex")
    .send(html);
}

/** The actor for what the patient does through a link (no user, no permissions beyond the link). */
export function linkActor(label: string, organizationId: string, request: FastifyRequest): Actor {
  return {
    organizationId,
    userId: null,
    label,
    roles: [],
    permissions: [],
    via: "token",
    ip: request.ip ?? null,
    requestId: String(request.id),
  };
}
