import { defineEvent } from "../platform/event-bus.ts";

/** An encounter is finished (created finished, marked finished, or its codes changed while finished). */
export interface EncounterFinished {
  encounterId: string;
  patientId: string;
}

/**
 * Published inside the transaction that finishes an encounter (clinical/encounters.ts). Billing
 * captures the visit's procedure lines as charges for review (billing/capture-on-finish.ts, registered
 * from the domain list), so clinical imports nothing of billing.
 */
export const encounterFinished = defineEvent<EncounterFinished>("encounter.finished");
