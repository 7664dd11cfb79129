/**
 * The one error type of Salus. Domain code throws it with a stable code and a message a person can act
 * on; the HTTP layer maps codes to statuses (and FHIR OperationOutcomes) in one place.
 */
export type ErrorCode =
  | "invalid_request"
  | "invalid_credentials"
  | "invalid_code"
  | "weak_password"
  | "unauthenticated"
  | "session_expired"
  | "forbidden"
  // An organization's administrator asked for an account-level change (password, name, disabling, MFA)
  // of an account that belongs to other organizations too: only the platform operator (CLI) does that.
  | "platform_operator_required"
  // An administrator asked for a bearer token acting as another person (tokens act for their creator,
  // or for a service account).
  | "token_for_another_person"
  | "csrf_failed"
  | "not_found"
  | "conflict"
  // The patient already has another visit at that time (issue 10, item 3); staff may book it anyway with
  // the explicit override the message names.
  | "patient_overlap"
  // A no-show marked before the visit's start plus the grace period (issue 10, item 4).
  | "no_show_too_early"
  // The time is held for a patient on the waitlist until their offer is accepted, declined or expires
  // (issue 10, item 5); the message and details name the offer and when the hold ends.
  | "slot_held"
  // An amount of money that is not a whole number of cents, has more than two decimals, is not a number
  // at all, or is beyond what is exactly representable (core shared/money.ts): refused, never rounded.
  | "invalid_amount"
  // An `Idempotency-Key` header that is empty, too long or not printable ASCII (http/idempotency.ts).
  | "idempotency_key_invalid"
  // The same `Idempotency-Key` sent again with another method, path or body.
  | "idempotency_key_reused"
  // The first request with this `Idempotency-Key` is still being answered; retry in a moment.
  | "idempotency_key_in_flight"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "unavailable"
  | "internal";

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `npi` or `licenses.0.expiresOn`. */
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** Shorthand for the "no such record (or not yours)" answer, identical in both cases on purpose. */
export function notFound(what: string): DomainError {
  return new DomainError("not_found", `No ${what} with that id.`);
}
