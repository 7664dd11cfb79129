import type { Services } from "../platform/services.ts";

/** Demo data for the flow slice; runs after seedScheduling. */
export async function seedFlow(_services: Services, _organizationId: string): Promise<void> {}
