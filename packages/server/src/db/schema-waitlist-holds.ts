// Tables for waitlist offers that hold the freed time (issue 10, item 5); migration 0014-waitlist-holds.

/** The short token of an SMS link, standing for one signed link until it expires. */
export interface ShortLinksTable {
  /** ~10 base62 characters from a CSPRNG; the primary key, unique across practices. */
  token: string;
  organization_id: string;
  kind: "reminder" | "offer";
  /** The appointment (reminder) or waitlist offer the link is about. */
  subject_id: string;
  /** Path and query of the signed link, relative to the public URL (`/r/{id}?action=…&sig=…`). */
  target: string;
  channel: "sms" | "email";
  expires_at: string;
  created_at: string;
}

/** A patient's (or staff's) answer about an appointment, shown on the appointment itself. */
export interface AppointmentResponsesTable {
  organization_id: string;
  id: string;
  appointment_id: string;
  kind: "reminder-confirmed" | "offer-accepted";
  /** "patient" through a link, else the staff member's label. */
  responder: string;
  /** "sms-link", "email-link", "link" (a link whose channel is not known) or "staff". */
  via: string;
  /** The link used, as shown to the front desk (`/r/AbC12xYz90`), null when staff answered. */
  link: string | null;
  /** The appointment's version that was confirmed. */
  version: number;
  at: string;
}

export interface WaitlistHoldsTables {
  short_links: ShortLinksTable;
  appointment_responses: AppointmentResponsesTable;
}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const WAITLIST_HOLDS_TABLES_IN_ORDER: readonly (keyof WaitlistHoldsTables)[] = [
  "short_links",
  "appointment_responses",
];
