import type { Services } from "../platform/services.ts";

/** Demo data for the privacy part of the records slice; runs after seedRecords. */
export async function seedPrivacy(_services: Services, _organizationId: string): Promise<void> {}
