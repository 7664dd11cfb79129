/**
 * Every audit action code Salus writes, in plain words, for the patient's access report and the audit
 * screens. A test (server audit/action-words.test.ts) reads the source for every action code written and
 * fails when one has no words here, so a new action cannot reach a patient's report as a bare code.
 * Words describe the act as the patient would read it; the outcome (allowed, refused, failed) is shown
 * beside them, so "Read a visit note" + "refused" reads as an attempt that was refused.
 */
export const AUDIT_ACTION_WORDS: Readonly<Record<string, string>> = {
  // The patient's record
  "patient.read": "Opened the patient's demographics",
  "patient.update": "Changed the patient's demographics",
  "patient.create": "Registered the patient",
  "patient.search": "Saw the patient in search results",
  "patient.duplicate-check": "Checked for duplicate patient records",
  "patient.merge": "Merged patient records",
  "patient.merge-undo": "Undid a merge of patient records",
  "record.everything": "Read the whole record (FHIR $everything)",
  "record.export": "Exported the record",
  "records-settings.read": "Viewed the practice's record settings",
  "records-settings.update": "Changed the practice's record settings",
  "care-team.grant": "Added someone to the patient's care team",
  "care-team.list": "Viewed the patient's care team",
  "care-team.revoke": "Removed someone from the patient's care team",
  "consent.create": "Recorded a consent",
  "consent.list": "Viewed the patient's consents",
  "consent.update": "Changed a consent",
  "coverage.create": "Added insurance coverage",
  "coverage.list": "Viewed the patient's insurance coverage",
  "coverage.update": "Changed insurance coverage",
  // Visits, notes, documents, lists
  "encounter.read": "Opened a visit",
  "encounter.list": "Listed the patient's visits",
  "encounter.search": "Listed the patient's visits",
  "encounter.create": "Recorded a visit",
  "encounter.update": "Changed a visit",
  "encounter.entered-in-error": "Marked a visit as entered in error",
  "encounter.history": "Viewed the change history of a visit",
  "note.read": "Read a visit note",
  "note.search": "Listed the notes of a visit",
  "note.create": "Wrote a visit note",
  "note.update": "Changed a draft visit note",
  "note.sign": "Signed a visit note",
  "note.addendum": "Added an addendum to a visit note",
  "note.entered-in-error": "Marked a visit note as entered in error",
  "document.read": "Opened a document",
  "document.search": "Listed the patient's documents",
  "document.content": "Viewed or downloaded a document",
  "document.download": "Viewed or downloaded a document",
  "document.create": "Added a document",
  "document.entered-in-error": "Marked a document as entered in error",
  "problem.search": "Viewed the problem list",
  "problem.create": "Added a problem",
  "problem.update": "Changed a problem",
  "problem.entered-in-error": "Marked a problem as entered in error",
  "problem.history": "Viewed the change history of a problem",
  "allergy.search": "Viewed the allergy list",
  "allergy.create": "Added an allergy",
  "allergy.update": "Changed an allergy",
  "allergy.entered-in-error": "Marked an allergy as entered in error",
  "allergy.history": "Viewed the change history of an allergy",
  "medication.search": "Viewed the medication list",
  "medication.create": "Added a medication",
  "medication.update": "Changed a medication",
  "medication.entered-in-error": "Marked a medication as entered in error",
  "medication.history": "Viewed the change history of a medication",
  "fhir.encounter.search": "Listed the patient's visits (FHIR)",
  "fhir.encounter.read": "Opened a visit (FHIR)",
  "fhir.condition.search": "Listed the patient's diagnoses and problems (FHIR)",
  "fhir.condition.read": "Opened a diagnosis or problem (FHIR)",
  "fhir.procedure.search": "Listed the patient's procedures (FHIR)",
  "fhir.procedure.read": "Opened a procedure (FHIR)",
  "fhir.coverage.search": "Listed the patient's insurance coverage (FHIR)",
  "fhir.coverage.read": "Opened insurance coverage (FHIR)",
  "fhir.documentreference.search": "Listed the patient's notes and documents (FHIR)",
  "fhir.documentreference.read": "Opened a note or document (FHIR)",
  // Emergency access
  "break-glass.open": "Opened emergency (break-glass) access",
  "break-glass.list-own": "Viewed their own emergency access grants",
  "break-glass.queue": "Viewed the emergency access review queue",
  "break-glass.review": "Reviewed an emergency access",
  // Patient rights
  "amendment.request": "Recorded an amendment request",
  "amendment.decide": "Decided an amendment request",
  "amendment.disagreement": "Recorded a statement of disagreement",
  "amendment.extend": "Extended the deadline of an amendment request",
  "amendment.list": "Reviewed amendment requests",
  "disclosure.create": "Recorded a disclosure",
  "disclosure.list": "Reviewed disclosures",
  "disclosure.accounting": "Produced the accounting of disclosures",
  "privacy.access-report": "Produced this access report",
  // Scheduling
  "appointment.read": "Opened an appointment",
  "appointment.book": "Booked an appointment",
  "appointment.create": "Booked an appointment",
  "appointment.update": "Changed an appointment",
  "appointment.cancel": "Cancelled an appointment",
  "appointment.reschedule": "Moved an appointment",
  "appointment.status": "Changed an appointment's status",
  "appointment.confirm": "Confirmed an appointment",
  "appointment.search": "Saw the patient's appointments",
  "appointment.link.view": "Opened an appointment link from a reminder",
  "appointment.link.respond": "Answered a reminder (confirm or cancel)",
  "appointment.series.book": "Booked a series of appointments",
  "appointment.series.read": "Opened a series of appointments",
  "appointment.series.cancel": "Cancelled appointments of a series",
  "appointment.series.move": "Moved appointments of a series",
  "appointment_type.create": "Added a visit type",
  "appointment_type.update": "Changed a visit type",
  "availability.block.create": "Blocked time on a schedule",
  "availability.block.delete": "Removed a block from a schedule",
  "availability.exception.create": "Added a schedule exception",
  "availability.exception.delete": "Removed a schedule exception",
  "availability.template.create": "Added working hours",
  "availability.template.delete": "Removed working hours",
  "calendar_feed.create": "Created a calendar feed",
  "calendar_feed.read": "A calendar feed was read",
  "calendar_feed.revoke": "Revoked a calendar feed",
  "scheduling.settings.update": "Changed the scheduling settings",
  "waitlist.add": "Added the patient to the waitlist",
  "waitlist.remove": "Removed the patient from the waitlist",
  "waitlist.search": "Viewed the waitlist",
  "waitlist.offer": "Offered a freed time from the waitlist",
  "waitlist.accept": "Accepted a waitlist offer",
  "waitlist.decline": "Declined a waitlist offer",
  "waitlist.expire": "A waitlist offer expired; the time went to the next in line",
  "waitlist.link.view": "Opened a waitlist offer link",
  "waitlist.link.respond": "Answered a waitlist offer link (accept or decline)",
  "message.send": "Sent a message to the patient",
  "outbox.resume": "Let waiting messages leave again",
  // Day of the visit
  "flow.board.read": "Viewed the day's flow board",
  "flow.step": "Moved a visit along the day's flow (arrived, roomed, seen…)",
  "flow.late": "Recorded a late arrival or overrun",
  "flow.replan": "Proposed a new plan for the day",
  "flow.proposal.accept": "Accepted a new plan for the day",
  "flow.no-show": "Marked a no-show",
  "flow.no-show.history": "Viewed the patient's no-show history",
  "flow.no-show-fee.waive": "Waived a no-show fee",
  "flow.no-show-model.train": "Trained the no-show risk model",
  "flow.no-show-risk.refresh": "Refreshed no-show risks",
  "flow.settings.update": "Changed the day-of-visit settings",
  // Directory and practice
  "organization.create": "Created the practice",
  "organization.update": "Changed the practice's settings",
  "location.create": "Added a location",
  "location.read": "Viewed a location",
  "location.update": "Changed a location",
  "room.create": "Added a room",
  "room.update": "Changed a room",
  "equipment.create": "Added equipment",
  "equipment.update": "Changed equipment",
  "staff.create": "Added a staff member",
  "staff.update": "Changed a staff member",
  "staff.license.create": "Added a license",
  "staff.license.update": "Changed a license",
  "staff.license.delete": "Removed a license",
  // Accounts and security
  "user.create": "Created a user account",
  "user.read": "Viewed a user account",
  "user.update": "Changed a user account",
  "user.disable": "Disabled a user account",
  "user.enable": "Enabled a user account",
  "user.invite": "Invited someone to the practice",
  "user.invitation.accept": "Accepted an invitation to the practice",
  "user.invitation.cancel": "Cancelled an invitation",
  "user.password.reset": "Reset a user's password",
  "user.mfa.reset": "Reset a user's two-step sign-in",
  "user.service_account.create": "Created a service account",
  "account.membership.add": "Added an account to the practice",
  "account.default_organization.set": "Chose the practice to sign in to",
  "token.create": "Created an API token",
  "token.revoke": "Revoked an API token",
  "auth.sign_in": "Signed in",
  "auth.sign_out": "Signed out",
  "auth.session.end": "A session ended",
  "auth.switch_organization": "Switched practice",
  "auth.mfa": "Two-step sign-in",
  "auth.mfa.enroll": "Set up two-step sign-in",
  "auth.password.change": "Changed their password",
  "auth.token.use": "Used an API token",
  "auth.csrf": "A request without its security token was refused",
  "auth.lockout": "Sign-in locked after too many attempts",
  "permission.denied": "Tried something their role does not allow",
  "audit.search": "Searched the audit trail",
  "audit.export": "Exported the audit trail",
  // Operations
  "demo.flow.seed": "Created demo day-of-visit data",
  "demo.scheduling.seed": "Created demo schedules",
  "demo.rollback": "Rolled back an interrupted demo seeding",
};

/** The action in plain words; an action without words reads as a readable form of its code. */
export function actionInWords(action: string): string {
  const known = AUDIT_ACTION_WORDS[action];
  if (known) return known;
  // "problem.list" -> "problem list": readable without inventing a meaning (the words test keeps
  // every action Salus writes out of this branch).
  const [what, verb] = action.split(".");
  const w = (what ?? action).replaceAll("-", " ").replaceAll("_", " ");
  switch (verb) {
    case "read":
    case "get":
      return `Opened ${w}`;
    case "list":
    case "search":
      return `Listed ${w}`;
    case "create":
      return `Added ${w}`;
    case "update":
      return `Changed ${w}`;
    default:
      return action;
  }
}
