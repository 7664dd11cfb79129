import { DomainError } from "@salus/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type AuditInput, appendAudit } from "../audit/append-audit.ts";
import { inTransaction } from "../db/transaction.ts";
import {
  BUTTON_STYLE,
  escapeHtml,
  hiddenInputs,
  linkActor,
  linkFormAction,
  linkPageHtml,
  SECONDARY_BUTTON_STYLE,
  sendLinkPage,
} from "../http/patient-link-page.ts";
import { id } from "../http/schemas.ts";
import type { Services } from "../platform/services.ts";
import { acceptOffer, type OfferAnswerVia } from "./accept-offer.ts";
import { declineOffer } from "./decline-offer.ts";
import { findLinkedOffer, type Offer } from "./find-linked-offer.ts";
import { verifyOfferLink } from "./offer-links.ts";
import { passOnExpiredOffers } from "./pass-on-expired-offers.ts";
import { formatVisitTime } from "./reminders.ts";
import { resolveShortToken, SHORT_TOKEN_PATTERN } from "./short-links.ts";

/**
 * The link in a waitlist offer message (issue 10, item 5): `/w/{offerId}?exp=…&sig=…` (signed by
 * `scheduling/offer-links.ts`; an SMS carries the short `/r/{token}` that redirects here). Public: the
 * link is the credential. GET shows the offer (when, with whom, where, held until) and two buttons; only
 * the POST of a button accepts or declines, so a link previewer or mail scanner never answers for the
 * patient. An altered link answers 400 (audited on the platform chain), an expired or closed offer 410,
 * a time someone else got first 409; every answer is audited. Script-free HTML, every value escaped.
 */

const linkQuery = z.strictObject({
  exp: z.coerce.number().int().min(0).max(100_000_000_000),
  sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  ref: z.string().regex(SHORT_TOKEN_PATTERN).optional(),
});
const answerBody = linkQuery.extend({ choice: z.enum(["accept", "decline"]) });
type LinkQuery = z.infer<typeof linkQuery>;

const RATE_LIMIT = { max: 20, timeWindow: "1 minute" };
const LINK_ACTOR = "waitlist-link";
interface Page {
  status: number;
  title: string;
  paragraphs: string[];
  buttons?: { offerId: string; link: LinkQuery } | undefined;
}

function render(services: Services, page: Page): string {
  const e = escapeHtml;
  let forms = "";
  if (page.buttons) {
    const action = linkFormAction(services, "w", page.buttons.offerId);
    const hidden = hiddenInputs(page.buttons.link);
    const form = (choice: string, label: string, style: string) =>
      `<form method="post" action="${e(action)}" style="display: inline-block; margin: 0 0.5rem 0.5rem 0">${hidden}<input type="hidden" name="choice" value="${choice}"><button type="submit" style="${style}">${e(label)}</button></form>`;
    forms = `<div>${form("accept", "Accept this time", BUTTON_STYLE)}${form("decline", "Decline", SECONDARY_BUTTON_STYLE)}</div>`;
  }
  return linkPageHtml(page, forms);
}

function send(services: Services, reply: FastifyReply, page: Page) {
  return sendLinkPage(reply, page.status, render(services, page));
}

async function audit(
  services: Services,
  request: FastifyRequest,
  e: {
    organizationId: string | null;
    action: string;
    offerId: string | null;
    patientId: string | null;
    outcome: AuditInput["outcome"];
    detail: Record<string, unknown>;
  },
) {
  await inTransaction(
    services.db,
    (trx) =>
      appendAudit(trx, services.audit, {
        at: services.clock().toISOString(),
        organizationId: e.organizationId,
        userId: null,
        actor: LINK_ACTOR,
        action: e.action,
        resourceType: "WaitlistOffer",
        resourceId: e.offerId,
        patientId: e.patientId,
        outcome: e.outcome,
        ip: request.ip ?? null,
        requestId: String(request.id),
        detail: JSON.stringify({ via: "link", ...e.detail }),
      }),
    { serializeOn: e.organizationId },
  );
}

const BAD_LINK: Omit<Page, "status"> = {
  title: "This link does not work",
  paragraphs: [
    "The link is incomplete or has been altered. Please use the link exactly as it appears in your message, or call the practice.",
  ],
};

type Checked = { ok: true; offer: Offer; link: LinkQuery } | { ok: false; page: Page };

/** Verifies the link, finds the offer and refuses (audited) what can no longer be answered. */
async function check(
  services: Services,
  request: FastifyRequest,
  raw: unknown,
  action: "waitlist.link.view" | "waitlist.link.respond",
): Promise<Checked> {
  const offerId = id.safeParse((request.params as { offerId?: unknown }).offerId);
  const parsed = linkQuery.safeParse(raw);
  const refuse = async (
    status: number,
    page: Omit<Page, "status">,
    offer: Offer | null,
    reason: string,
  ): Promise<Checked> => {
    await audit(services, request, {
      organizationId: offer?.organizationId ?? null,
      action,
      offerId: offerId.success ? offerId.data : null,
      patientId: offer?.patientId ?? null,
      outcome: offer ? "failure" : "denied",
      detail: { reason },
    });
    return { ok: false, page: { status, ...page } };
  };
  if (!offerId.success || !parsed.success) return refuse(400, BAD_LINK, null, "malformed");
  const link = parsed.data;
  if (!verifyOfferLink(services.secrets.encryptionKey, offerId.data, link.exp, link.sig))
    return refuse(400, BAD_LINK, null, "bad_signature");
  const offer = await findLinkedOffer(services, offerId.data);
  if (!offer)
    return refuse(
      410,
      {
        title: "This offer no longer exists",
        paragraphs: ["Please call the practice if you need an appointment."],
      },
      null,
      "not_found",
    );
  const now = services.clock();
  const when = formatVisitTime(offer.start, offer.zone);
  if (offer.status === "accepted")
    return refuse(
      410,
      {
        title: "You already accepted this time",
        paragraphs: [`Your appointment with ${offer.practitioner} at ${offer.place} is on ${when}.`],
      },
      offer,
      "accepted",
    );
  if (
    offer.status === "expired" ||
    now.getTime() >= link.exp * 1000 ||
    now.toISOString() >= offer.expiresAt
  ) {
    // Lazily, as the job does: the time goes to the next patient in line now.
    await inTransaction(
      services.db,
      (trx) => passOnExpiredOffers(trx, services, linkActor(LINK_ACTOR, offer.organizationId, request)),
      { serializeOn: offer.organizationId },
    );
    return refuse(
      410,
      {
        title: "This offer has expired",
        paragraphs: [
          `The time on ${when} was held for you until ${formatVisitTime(offer.expiresAt, offer.zone)}. You are still on the waitlist; we will write again when another time opens up.`,
        ],
      },
      offer,
      "expired",
    );
  }
  if (offer.status !== "open")
    return refuse(
      410,
      {
        title: "This offer is no longer open",
        paragraphs: [
          "You declined it, or the time was given to someone else. You are still on the waitlist unless you asked to leave it.",
        ],
      },
      offer,
      offer.status,
    );
  return { ok: true, offer, link };
}

async function via(services: Services, offerId: string, ref: string | undefined): Promise<OfferAnswerVia> {
  const short = ref ? await resolveShortToken(services.systemDb, ref) : null;
  if (short && short.kind === "offer" && short.subject_id === offerId)
    return { via: `${short.channel}-link`, link: `/r/${short.token}` };
  return { via: "email-link", link: `/w/${offerId}` };
}

async function view(services: Services, request: FastifyRequest, reply: FastifyReply) {
  const checked = await check(services, request, request.query, "waitlist.link.view");
  if (!checked.ok) return send(services, reply, checked.page);
  const { offer, link } = checked;
  await audit(services, request, {
    organizationId: offer.organizationId,
    action: "waitlist.link.view",
    offerId: offer.id,
    patientId: offer.patientId,
    outcome: "success",
    detail: {},
  });
  return send(services, reply, {
    status: 200,
    title: "An earlier appointment is open",
    paragraphs: [
      `Hello ${offer.givenName},`,
      `An appointment with ${offer.practitioner} at ${offer.place} is open on ${formatVisitTime(offer.start, offer.zone)}.`,
      `We are holding it for you until ${formatVisitTime(offer.expiresAt, offer.zone)}. Press "Accept this time" to book it, or "Decline" to let the next patient have it; either way you can call us${offer.placePhone ? ` at ${offer.placePhone}` : ""}.`,
    ],
    buttons: { offerId: offer.id, link },
  });
}

async function respond(services: Services, request: FastifyRequest, reply: FastifyReply) {
  const body = answerBody.safeParse(request.body ?? {});
  const checked = await check(
    services,
    request,
    body.success ? { exp: body.data.exp, sig: body.data.sig, ref: body.data.ref } : {},
    "waitlist.link.respond",
  );
  if (!checked.ok) return send(services, reply, checked.page);
  if (!body.success) return send(services, reply, { status: 400, ...BAD_LINK });
  const { offer, link } = checked;
  const actor = linkActor(LINK_ACTOR, offer.organizationId, request);
  const answer = await via(services, offer.id, link.ref);
  const when = formatVisitTime(offer.start, offer.zone);
  try {
    if (body.data.choice === "accept") {
      await acceptOffer(services, actor, offer.id, answer);
      return send(services, reply, {
        status: 200,
        title: "Thank you, your appointment is booked",
        paragraphs: [
          `Your appointment with ${offer.practitioner} at ${offer.place} is on ${when}.`,
          "You will get a reminder before the visit. If you had a later appointment for the same visit, it has been cancelled.",
        ],
      });
    }
    await declineOffer(services, actor, offer.id, answer);
    return send(services, reply, {
      status: 200,
      title: "Thank you for letting us know",
      paragraphs: [
        `The time on ${when} goes to the next patient on the waitlist. You stay on the waitlist; we will write again when another time opens up.`,
      ],
    });
  } catch (error) {
    // acceptOffer and declineOffer have audited the refusal already.
    if (!(error instanceof DomainError)) throw error;
    return send(services, reply, {
      status: error.code === "not_found" ? 410 : 409,
      title: "This time could not be booked",
      paragraphs: [error.message, "Please call the practice; you are still on the waitlist."],
    });
  }
}

/** Registers GET and POST /w/:offerId (public, rate-limited, their own urlencoded body parser). */
export function waitlistOfferRoutes(app: FastifyInstance, services: Services): void {
  app.register(async (scope) => {
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: 4096 },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );
    scope.get(
      "/w/:offerId",
      { config: { permission: "public", rateLimit: RATE_LIMIT }, schema: { hide: true } },
      (request, reply) => view(services, request, reply),
    );
    scope.post(
      "/w/:offerId",
      { config: { permission: "public", rateLimit: RATE_LIMIT }, bodyLimit: 4096, schema: { hide: true } },
      (request, reply) => respond(services, request, reply),
    );
  });
}
