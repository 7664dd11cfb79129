/** The claim scrubber (issue 13, item 5): rules, per-payer settings, the context the rules read. */
export * from "./context.ts";
export * from "./diagnosis-edits.ts";
export * from "./rules.ts";
export * from "./scrub-claim.ts";
export * from "./settings.ts";
