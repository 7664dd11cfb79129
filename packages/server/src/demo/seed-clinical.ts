import type { Services } from "../platform/services.ts";

/** Demo data for the clinical part of the records slice; runs after seedRecords. */
export async function seedClinical(_services: Services, _organizationId: string): Promise<void> {}
