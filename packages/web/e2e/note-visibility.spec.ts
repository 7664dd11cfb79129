import { expect, type Page, test } from "@playwright/test";
import { demo, signIn, signOut } from "./helpers.ts";

/**
 * One visibility rule (issue 10 item 1): in the demo practice Dr. Ramirez (clinician@) has a sensitive
 * counselling visit and a draft note. The biller opens that patient's encounters: the visit's codes are
 * there, its reason reads "withheld (sensitive visit)" and its text is nowhere on the page.
 */
async function getJson<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(path);
  expect(response.ok(), `${path} answered ${response.status()}`).toBeTruthy();
  return (await response.json()) as T;
}

interface EncounterItem {
  id: string;
  sensitive: boolean;
  reason: string | null;
  diagnoses: { code: string; display: string }[];
}

test("a biller sees a sensitive visit's codes, never its reason", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, demo("clinician"));
  // The clinician's own panel: find the patient of the demo's sensitive visit.
  const patients = await getJson<{ items: { id: string }[] }>(page, "/api/patients?limit=100");
  let found: { patientId: string; encounter: EncounterItem } | null = null;
  for (const p of patients.items) {
    const list = await getJson<{ items: EncounterItem[] }>(page, `/api/patients/${p.id}/encounters`);
    const e = list.items.find((x) => x.sensitive && x.reason);
    if (e) {
      found = { patientId: p.id, encounter: e };
      break;
    }
  }
  expect(found, "the demo practice has a sensitive visit of clinician@").not.toBeNull();
  const { patientId, encounter } = found!;
  await signOut(page);

  await signIn(page, demo("biller"));
  await page.goto(`/patients/${patientId}?tab=encounters`);
  await expect(page.getByRole("tab", { name: "Encounters", selected: true })).toBeVisible({
    timeout: 30_000,
  });
  await expect(page.getByText("withheld (sensitive visit)").first()).toBeVisible();
  await expect(page.getByText(encounter.diagnoses[0]!.display).first()).toBeVisible();
  await expect(page.getByText(encounter.reason!)).toHaveCount(0);
  const answer = await page.request.get(`/api/encounters/${encounter.id}`);
  expect(await answer.json()).toMatchObject({ reason: null, reasonWithheld: true });
});
