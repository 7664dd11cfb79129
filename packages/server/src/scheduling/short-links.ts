import { randomBytes } from "node:crypto";
import type { ShortLinksTable } from "../db/schema-waitlist-holds.ts";
import type { Trx } from "../db/transaction.ts";
import { publicBaseUrl } from "../platform/public-url.ts";
import type { Services } from "../platform/services.ts";

/**
 * Short links for SMS (issue 10, item 5): `{SALUS_PUBLIC_URL}/r/{token}`, a 10-character base62 token
 * (about 59.5 bits from the CSPRNG, so guessing one among the live tokens at the route's rate limit is
 * hopeless) that stands for one signed link until the signed link itself expires. The token is only a
 * pointer: the page it leads to checks the signature, the version and the expiry as for a full link, so a
 * short link never grants more than the signed link it names.
 */
export const SHORT_TOKEN_LENGTH = 10;
export const SHORT_TOKEN_PATTERN = /^[0-9A-Za-z]{10}$/;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A fresh token: rejection sampling (bytes below 248 = 4 × 62) keeps every character equally likely. */
export function newShortToken(): string {
  let out = "";
  while (out.length < SHORT_TOKEN_LENGTH) {
    for (const b of randomBytes(16)) {
      if (b < 248 && out.length < SHORT_TOKEN_LENGTH) out += BASE62[b % 62];
    }
  }
  return out;
}

/**
 * The short URL for `target` (a path and query under the public URL), stored in the caller's transaction.
 * The same target asked again (reminders are re-synced) gets the same token back.
 */
export async function shortLink(
  trx: Trx,
  services: Services,
  link: Omit<ShortLinksTable, "token" | "created_at">,
): Promise<string> {
  const existing = await trx
    .selectFrom("short_links")
    .select("token")
    .where("organization_id", "=", link.organization_id)
    .where("kind", "=", link.kind)
    .where("subject_id", "=", link.subject_id)
    .where("channel", "=", link.channel)
    .where("target", "=", link.target)
    .executeTakeFirst();
  const token = existing?.token ?? newShortToken();
  if (!existing)
    await trx
      .insertInto("short_links")
      .values({ ...link, token, created_at: services.clock().toISOString() })
      .execute();
  return `${publicBaseUrl(services)}/r/${token}`;
}

/** The stored link of a token (any practice: the token is unique), or null; expiry is the caller's check. */
export async function resolveShortToken(trx: Trx, token: string): Promise<ShortLinksTable | null> {
  if (!SHORT_TOKEN_PATTERN.test(token)) return null;
  const row = await trx.selectFrom("short_links").selectAll().where("token", "=", token).executeTakeFirst();
  return row ? { ...row, expires_at: new Date(row.expires_at).toISOString() } : null;
}
