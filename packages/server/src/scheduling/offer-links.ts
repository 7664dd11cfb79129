import { createHmac, timingSafeEqual } from "node:crypto";
import { publicBaseUrl } from "../platform/public-url.ts";
import type { Services } from "../platform/services.ts";

/**
 * Signed links to answer a waitlist offer (issue 10, item 5): `/w/{offerId}?exp=…&sig=…`, HMAC-SHA256
 * under the encryption key over `waitlist-offer.{offerId}.{exp}` (the prefix keeps these apart from the
 * reminder links' `{appointmentId}.{version}.{action}.{exp}`). The link expires with the offer; the page
 * it opens offers both buttons (accept, decline), each a POST, so a link previewer never answers.
 */
export function signOfferLink(key: Buffer, offerId: string, expiresAtSeconds: number): string {
  return createHmac("sha256", key)
    .update(`waitlist-offer.${offerId}.${expiresAtSeconds}`)
    .digest("base64url");
}

/** Constant-time check of the signature (not of the expiry, nor of the offer still being open). */
export function verifyOfferLink(
  key: Buffer,
  offerId: string,
  expiresAtSeconds: number,
  signature: string,
): boolean {
  const expected = Buffer.from(signOfferLink(key, offerId, expiresAtSeconds));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The path and query of an offer's link (relative to the public URL), valid until the offer expires. */
export function offerLinkPath(services: Services, offerId: string, expiresAt: string): string {
  const exp = Math.ceil(Date.parse(expiresAt) / 1000);
  const sig = signOfferLink(services.secrets.encryptionKey, offerId, exp);
  return `/w/${encodeURIComponent(offerId)}?${new URLSearchParams({ exp: String(exp), sig }).toString()}`;
}

/** The full link (for email). */
export function offerLink(services: Services, offerId: string, expiresAt: string): string {
  return `${publicBaseUrl(services)}${offerLinkPath(services, offerId, expiresAt)}`;
}
