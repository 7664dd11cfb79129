/** The consents and restrictions a patient record carries (the server's schema and the web's labels). */
export const CONSENT_KINDS = [
  "treatment",
  "privacy-notice",
  "release-of-information",
  "communication",
  "restriction",
  "confidential-communication",
  "research",
  "other",
] as const;
export type ConsentKind = (typeof CONSENT_KINDS)[number];
