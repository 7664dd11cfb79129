import type { Services } from "../platform/services.ts";

/** Demo data for the records slice; runs after seedScheduling. */
export async function seedRecords(_services: Services, _organizationId: string): Promise<void> {}
