import { DomainError } from "@salus/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type AuditInput, appendAudit } from "../audit/append-audit.ts";
import type { AppointmentStatus } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import {
  BUTTON_STYLE,
  escapeHtml,
  hiddenInputs,
  linkActor,
  linkFormAction,
  linkPageHtml,
  sendLinkPage,
} from "../http/patient-link-page.ts";
import { id } from "../http/schemas.ts";
import { publicBaseUrl } from "../platform/public-url.ts";
import type { Services } from "../platform/services.ts";
import { cancelAppointment } from "./cancel-appointment.ts";
import { confirmAppointmentByLink } from "./confirm-appointment-by-link.ts";
import { findLinkedAppointment } from "./find-linked-appointment.ts";
import {
  formatVisitTime,
  type ReminderAction,
  reminderLink,
  type VisitFacts,
  verifyReminderLink,
} from "./reminders.ts";
import { resolveShortToken, SHORT_TOKEN_PATTERN } from "./short-links.ts";

/**
 * The confirm and cancel links of appointment reminders (`scheduling/reminders.ts`). Public (the patient
 * has no account), so the link itself is the credential: `sig` is an HMAC over the appointment id, its
 * version, the action and the expiry (the visit's start). GET only shows a small page with one button;
 * the button POSTs the same parameters, and only the POST changes anything (a mail scanner that follows
 * links never confirms or cancels). A link for an older version (the visit was moved, cancelled or its
 * status changed) or past its expiry answers 410 and changes nothing. Every answer is audited; a link
 * whose signature does not verify is audited on the platform chain, as it names no trustworthy practice.
 *
 * The pages are server-rendered HTML without scripts (the CSP forbids inline scripts; inline styles are
 * allowed), every interpolated value HTML-escaped.
 */

const linkQuery = z.strictObject({
  action: z.enum(["confirm", "cancel"]),
  v: z.coerce.number().int().min(1).max(1_000_000_000),
  exp: z.coerce.number().int().min(0).max(100_000_000_000),
  sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  // The short link the patient came through (added by its redirect; not signed, so it only ever names
  // the channel of a short link of this same appointment, checked when recorded).
  ref: z.string().regex(SHORT_TOKEN_PATTERN).optional(),
});
type LinkQuery = z.infer<typeof linkQuery>;

const RATE_LIMIT = { max: 20, timeWindow: "1 minute" };
export const PATIENT_CANCEL_REASON = "Cancelled by the patient from the reminder link";
const LINK_ACTOR = "reminder-link";

interface Page {
  status: number;
  title: string;
  paragraphs: string[];
  form?: { appointmentId: string; link: LinkQuery; label: string } | undefined;
  /** A plain link under the form (GET only: opening it changes nothing). */
  more?: { href: string; label: string } | undefined;
}

function renderPage(services: Services, page: Page): string {
  const e = escapeHtml;
  let form = "";
  if (page.form) {
    const action = linkFormAction(services, "r", page.form.appointmentId);
    form = `<form method="post" action="${e(action)}">${hiddenInputs(page.form.link)}<button type="submit" style="${BUTTON_STYLE}">${e(page.form.label)}</button></form>`;
  }
  const more = page.more
    ? `<p style="margin-top: 1.5rem"><a href="${e(page.more.href)}">${e(page.more.label)}</a></p>`
    : "";
  return linkPageHtml(page, `${form}\n${more}`);
}

function send(services: Services, reply: FastifyReply, page: Page) {
  return sendLinkPage(reply, page.status, renderPage(services, page));
}

function auditInputOf(
  services: Services,
  request: FastifyRequest,
  e: {
    organizationId: string | null;
    action: string;
    appointmentId: string | null;
    patientId: string | null;
    outcome: AuditInput["outcome"];
    detail: Record<string, unknown>;
  },
): AuditInput {
  return {
    at: services.clock().toISOString(),
    organizationId: e.organizationId,
    userId: null,
    actor: LINK_ACTOR,
    action: e.action,
    resourceType: "Appointment",
    resourceId: e.appointmentId,
    patientId: e.patientId,
    outcome: e.outcome,
    ip: request.ip ?? null,
    requestId: String(request.id),
    detail: JSON.stringify({ via: "link", ...e.detail }),
  };
}

async function auditLink(services: Services, request: FastifyRequest, e: Parameters<typeof auditInputOf>[2]) {
  await inTransaction(
    services.db,
    (trx) => appendAudit(trx, services.audit, auditInputOf(services, request, e)),
    { serializeOn: e.organizationId },
  );
}

interface Found {
  organizationId: string;
  appointmentId: string;
  patientId: string;
  status: AppointmentStatus;
  version: number;
  start: string;
  facts: VisitFacts;
}

type Checked =
  | { ok: true; link: LinkQuery; found: Found }
  | { ok: false; page: Page; audit: Parameters<typeof auditInputOf>[2] };

const BAD_LINK: Omit<Page, "status"> = {
  title: "This link does not work",
  paragraphs: [
    "The link is incomplete or has been altered. Please use the link exactly as it appears in your reminder, or call the practice.",
  ],
};

/** Verifies the link and finds its appointment; a refusal says why, to the patient and to the audit trail. */
async function checkLink(
  services: Services,
  rawId: unknown,
  raw: unknown,
  action: "view" | "respond",
): Promise<Checked> {
  const auditAction = action === "view" ? "appointment.link.view" : "appointment.link.respond";
  const idParsed = id.safeParse(rawId);
  const parsed = linkQuery.safeParse(raw);
  const appointmentId = idParsed.success ? idParsed.data : null;
  const refuse = (
    status: number,
    page: Omit<Page, "status">,
    org: string | null,
    patientId: string | null,
    reason: string,
  ): Checked => ({
    ok: false,
    page: { status, ...page },
    audit: {
      organizationId: org,
      action: auditAction,
      appointmentId,
      patientId,
      outcome: org ? "failure" : "denied",
      detail: {
        reason,
        ...(parsed.success ? { linkAction: parsed.data.action, version: parsed.data.v } : {}),
      },
    },
  });
  if (!appointmentId || !parsed.success) return refuse(400, BAD_LINK, null, null, "malformed");
  const link = parsed.data;
  const key = services.secrets.encryptionKey;
  if (!verifyReminderLink(key, appointmentId, link.v, link.action as ReminderAction, link.exp, link.sig))
    return refuse(400, BAD_LINK, null, null, "bad_signature");

  const linked = await findLinkedAppointment(services, appointmentId);
  if (!linked)
    return refuse(
      410,
      {
        title: "This appointment no longer exists",
        paragraphs: ["Please call the practice if you need an appointment."],
      },
      null,
      null,
      "not_found",
    );
  const { row, facts } = linked;
  const org = row.organization_id;
  const now = services.clock().getTime();
  if (now >= link.exp * 1000 || now >= Date.parse(row.start_at))
    return refuse(
      410,
      {
        title: "This link has expired",
        paragraphs: [
          "The appointment has already started or passed. Please call the practice if you need help.",
        ],
      },
      org,
      row.patient_id,
      "expired",
    );
  if (row.version !== link.v || row.status !== "booked") {
    const when = formatVisitTime(row.start_at, facts.timeZone);
    const paragraphs =
      row.status === "booked"
        ? [
            `Your appointment has changed since this reminder was sent. It is now on ${when}.`,
            "Please use the link in your most recent reminder, or call the practice.",
          ]
        : row.status === "cancelled"
          ? ["This appointment has been cancelled. Please call the practice if you need a new appointment."]
          : ["This appointment can no longer be confirmed or cancelled online. Please call the practice."];
    return refuse(410, { title: "This link is out of date", paragraphs }, org, row.patient_id, "stale");
  }
  return {
    ok: true,
    link,
    found: {
      organizationId: org,
      appointmentId: row.id,
      patientId: row.patient_id,
      status: row.status,
      version: row.version,
      start: row.start_at,
      facts,
    },
  };
}

function withRef(url: string, ref: string | undefined): string {
  return ref ? `${url}&ref=${encodeURIComponent(ref)}` : url;
}

function visitLine(f: Found): string {
  return `Your appointment with ${f.facts.practitionerName} at ${f.facts.locationName} is on ${formatVisitTime(f.start, f.facts.timeZone)}.`;
}

/**
 * `/r/{token}`: the short link of an SMS (issue 10, item 5) leads to the signed link it stands for (303),
 * with `ref={token}` so the answer records which link was used. An expired token answers 410; an unknown
 * one falls through to the appointment-link check, which refuses it like any altered link.
 */
async function followShortLink(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
): Promise<FastifyReply | null> {
  const row = await resolveShortToken(services.systemDb, token);
  if (!row) return null;
  if (services.clock().getTime() >= Date.parse(row.expires_at)) {
    await auditLink(services, request, {
      organizationId: row.organization_id,
      action: "appointment.link.view",
      appointmentId: row.kind === "reminder" ? row.subject_id : null,
      patientId: null,
      outcome: "failure",
      detail: { reason: "expired", shortLink: token },
    });
    return send(services, reply, {
      status: 410,
      title: "This link has expired",
      paragraphs: ["Please call the practice if you need help."],
    });
  }
  const sep = row.target.includes("?") ? "&" : "?";
  return reply
    .status(303)
    .header("cache-control", "no-store")
    .header("x-robots-tag", "noindex")
    .redirect(`${publicBaseUrl(services)}${row.target}${sep}ref=${token}`, 303);
}

async function view(services: Services, request: FastifyRequest, reply: FastifyReply) {
  const raw = (request.params as { appointmentId?: unknown }).appointmentId;
  if (typeof raw === "string" && SHORT_TOKEN_PATTERN.test(raw)) {
    const followed = await followShortLink(services, request, reply, raw);
    if (followed) return followed;
  }
  const checked = await checkLink(
    services,
    (request.params as { appointmentId?: unknown }).appointmentId,
    request.query,
    "view",
  );
  if (!checked.ok) {
    await auditLink(services, request, checked.audit);
    return send(services, reply, checked.page);
  }
  const { link, found } = checked;
  await auditLink(services, request, {
    organizationId: found.organizationId,
    action: "appointment.link.view",
    appointmentId: found.appointmentId,
    patientId: found.patientId,
    outcome: "success",
    detail: { linkAction: link.action, version: link.v },
  });
  const confirm = link.action === "confirm";
  return send(services, reply, {
    status: 200,
    title: confirm ? "Confirm your appointment" : "Cancel your appointment",
    paragraphs: [
      `Hello ${found.facts.patientGivenName},`,
      visitLine(found),
      confirm
        ? "Press the button to tell the practice you will come."
        : "Press the button to cancel it. The time will be offered to other patients.",
    ],
    form: {
      appointmentId: found.appointmentId,
      link,
      label: confirm ? "Confirm my appointment" : "Cancel my appointment",
    },
    // One link in an SMS: the confirm page also leads to cancelling (another GET page with its own button).
    more: confirm
      ? {
          href: withRef(
            reminderLink(
              services,
              { id: found.appointmentId, version: found.version, start: found.start },
              "cancel",
            ),
            link.ref,
          ),
          label: "I cannot come: cancel my appointment instead",
        }
      : undefined,
  });
}

async function respond(services: Services, request: FastifyRequest, reply: FastifyReply) {
  const checked = await checkLink(
    services,
    (request.params as { appointmentId?: unknown }).appointmentId,
    request.body ?? {},
    "respond",
  );
  if (!checked.ok) {
    await auditLink(services, request, checked.audit);
    return send(services, reply, checked.page);
  }
  const { link, found } = checked;
  const actor = linkActor(LINK_ACTOR, found.organizationId, request);
  const outOfDate: Page = {
    status: 410,
    title: "This link is out of date",
    paragraphs: ["Your appointment changed a moment ago. Please call the practice."],
  };

  if (link.action === "cancel") {
    try {
      await cancelAppointment(services, actor, found.appointmentId, {
        reason: PATIENT_CANCEL_REASON,
        cancelledBy: "patient",
        expectedVersion: link.v,
      });
    } catch (error) {
      // cancelAppointment has audited the refusal already.
      if (error instanceof DomainError) return send(services, reply, outOfDate);
      throw error;
    }
    return send(services, reply, {
      status: 200,
      title: "Your appointment is cancelled",
      paragraphs: [
        `Thank you for letting us know, ${found.facts.patientGivenName}.`,
        `Your appointment with ${found.facts.practitionerName} on ${formatVisitTime(found.start, found.facts.timeZone)} is cancelled.`,
        "Please call the practice if you would like a new appointment.",
      ],
    });
  }

  // Confirm: the appointment stays booked; the confirmation is recorded in the audit trail only, after
  // checking again, inside the transaction, that it is still this version and booked.
  const confirmed = await confirmAppointmentByLink(
    services,
    {
      organizationId: found.organizationId,
      appointmentId: found.appointmentId,
      version: link.v,
      ref: link.ref,
    },
    (current) =>
      auditInputOf(services, request, {
        organizationId: found.organizationId,
        action: "appointment.confirm",
        appointmentId: found.appointmentId,
        patientId: found.patientId,
        outcome: current ? "success" : "failure",
        detail: { version: link.v, confirmedBy: "patient", ...(current ? {} : { reason: "stale" }) },
      }),
  );
  if (!confirmed) return send(services, reply, outOfDate);
  return send(services, reply, {
    status: 200,
    title: "Thank you, your appointment is confirmed",
    paragraphs: [visitLine(found), "We look forward to seeing you."],
  });
}

/** Registers GET and POST /r/:appointmentId (public, rate-limited, their own urlencoded body parser). */
export function appointmentResponseRoutes(app: FastifyInstance, services: Services): void {
  app.register(async (scope) => {
    // The form posts application/x-www-form-urlencoded; only this scope accepts it (the API stays JSON-only).
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: 4096 },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );
    scope.get(
      "/r/:appointmentId",
      { config: { permission: "public", rateLimit: RATE_LIMIT }, schema: { hide: true } },
      (request, reply) => view(services, request, reply),
    );
    scope.post(
      "/r/:appointmentId",
      {
        config: { permission: "public", rateLimit: RATE_LIMIT },
        bodyLimit: 4096,
        schema: { hide: true },
      },
      (request, reply) => respond(services, request, reply),
    );
  });
}
