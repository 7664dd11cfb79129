import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, type Page, test } from "@playwright/test";
import { demo, nav, signIn, signOut } from "./helpers.ts";

// The records slice's "Done when" in the demo practice: a clinician opens only their own patients' charts
// (a patient of clinician2 is not found), uses break-glass for that patient with a reason, the privacy
// officer reviews it in the queue, and the patient's record export (PDF and FHIR JSON) and access report
// come out, the report listing the clinician's emergency access. Also: the front desk sees demographics
// and coverage but no notes tab.

interface PatientItem {
  id: string;
  mrn: string;
  givenName: string;
  familyName: string;
  primaryPractitionerId: string | null;
}
interface StaffItem {
  id: string;
  givenName: string;
  familyName: string;
}

async function getJson<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(path);
  expect(response.ok(), `${path} answered ${response.status()}`).toBeTruthy();
  return (await response.json()) as T;
}

/** Saves a screenshot into docs/images when SALUS_SCREENSHOTS=1. */
async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.SALUS_SCREENSHOTS !== "1") return;
  const dir = fileURLToPath(new URL("../../../docs/images/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: `${dir}${name}.png`, fullPage: false });
}

const nameOf = (p: { givenName: string; familyName: string }) => `${p.familyName}, ${p.givenName}`;

test("front desk: demographics, coverage and appointments, but no notes tab", async ({ page }) => {
  await signIn(page, demo("frontdesk"));
  await nav(page).getByRole("link", { name: "Patients" }).click();
  await page.getByRole("table").getByRole("link").first().click();
  await expect(page.getByRole("tab", { name: "Summary" })).toBeVisible();
  await expect(page.getByRole("tab", { name: "Coverage" })).toBeVisible();
  await expect(page.getByRole("tab", { name: "Appointments" })).toBeVisible();
  await expect(page.getByRole("tab")).toHaveCount(3);
  await expect(page.getByRole("tab", { name: "Notes" })).toHaveCount(0);
  await expect(page.getByRole("tab", { name: "Encounters" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Edit demographics" })).toBeVisible();
  await page.getByRole("tab", { name: "Coverage" }).click();
  await expect(page.getByRole("button", { name: "Add coverage" })).toBeVisible();
});

test("a clinician sees only their own patients, uses break-glass with a reason, the privacy officer reviews it, and the export and access report come out", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1366, height: 900 });

  // Whose patients are whose (the front desk sees every patient's demographics).
  await signIn(page, demo("frontdesk"));
  const practitioners = await getJson<{ items: StaffItem[] }>(page, "/api/staff?kind=practitioner&limit=200");
  const okoye = practitioners.items.find((s) => s.familyName === "Okoye");
  expect(okoye, "the demo practice has Dr. Okoye (clinician2)").toBeTruthy();
  const all = await getJson<{ items: PatientItem[] }>(page, "/api/patients?limit=200");
  await signOut(page);

  // The clinician (Dr. Ramirez) lists only their own patients.
  await signIn(page, demo("clinician"));
  const mine = await getJson<{ items: PatientItem[]; total: number }>(page, "/api/patients?limit=200");
  const mineIds = new Set(mine.items.map((p) => p.id));
  expect(mine.total).toBeGreaterThan(0);
  expect(mine.total).toBeLessThan(all.items.length);
  const theirs = all.items.find((p) => p.primaryPractitionerId === okoye!.id && !mineIds.has(p.id));
  expect(theirs, "a patient of clinician2 that the clinician may not see").toBeTruthy();
  const target = theirs!;

  // Their own patient's chart opens with every clinical tab.
  await nav(page).getByRole("link", { name: "Patients" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Patients" })).toBeVisible();
  const own = mine.items[0]!;
  await page
    .getByRole("table")
    .getByRole("link", { name: nameOf(own) })
    .first()
    .click();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(`^${nameOf(own)}`) })).toBeVisible();
  for (const tab of ["Encounters", "Problems, allergies, medications", "Notes", "Documents", "Care team"]) {
    await expect(page.getByRole("tab", { name: tab })).toBeVisible();
  }
  await expect(page.getByRole("tab", { name: "Privacy" })).toHaveCount(0);
  await expect(page.getByTestId("allergy-banner")).toBeVisible();
  await docsScreenshot(page, "chart");

  // clinician2's patient: not in the search, and its link answers "not found".
  await nav(page).getByRole("link", { name: "Patients" }).click();
  await page.getByLabel("Search patients").fill(target.mrn);
  await expect(page.getByText("No patient matches")).toBeVisible();
  await page.goto(`/patients/${target.id}`);
  await expect(page.getByRole("alert").filter({ hasText: "Not found" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(nameOf(target)) })).toHaveCount(0);

  // Emergency access by MRN, with a reason.
  await nav(page).getByRole("link", { name: "Patients" }).click();
  await page.getByRole("button", { name: "Emergency access" }).click();
  const dialog = page.getByRole("dialog", { name: "Emergency access" });
  await expect(dialog.getByText(/privacy officer is alerted/)).toBeVisible();
  await dialog.getByLabel("Patient MRN").fill(target.mrn);
  // Invisible characters are not a reason: the server's message shows under the field, nothing opens.
  await dialog.getByRole("textbox", { name: "Reason" }).fill("\u200b".repeat(30));
  await dialog.getByRole("button", { name: "Open emergency access" }).click();
  await expect(dialog.getByText(/at least 3 words and 12 visible characters/)).toBeVisible();
  await expect(dialog).toBeVisible();
  const reason = "Patient collapsed in the waiting room; Dr. Okoye is away and I need the allergy list.";
  await dialog.getByRole("textbox", { name: "Reason" }).fill(reason);
  await docsScreenshot(page, "break-glass");
  await dialog.getByRole("button", { name: "Open emergency access" }).click();
  await expect(page).toHaveURL(new RegExp(`/patients/${target.id}`));
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(`^${nameOf(target)}`) })).toBeVisible();
  await expect(page.getByTestId("emergency-banner")).toContainText(/Emergency access until \d{2}:\d{2}/);
  await page.getByRole("tab", { name: "Problems, allergies, medications" }).click();
  await expect(page.getByRole("region", { name: "Allergies" })).toBeVisible();
  await signOut(page);

  // The privacy officer reviews it in the queue.
  await signIn(page, demo("privacy"));
  await nav(page).getByRole("link", { name: "Emergency access review" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Emergency access review" })).toBeVisible();
  const row = page
    .getByRole("row")
    .filter({ hasText: nameOf(target) })
    .filter({ hasText: "clinician@demo.salus.test" });
  await expect(row).toBeVisible();
  await expect(row).toContainText("Patient collapsed in the waiting room");
  // What was done under the grant, in plain words; the chart link where the privacy officer may open it.
  await expect(row).toContainText("Opened emergency access");
  await expect(row).toContainText("Listed allergies");
  await expect(row.getByRole("link", { name: "Opened the patient's details" }).first()).toHaveAttribute(
    "href",
    `/patients/${target.id}?tab=summary`,
  );
  await docsScreenshot(page, "privacy-queue");
  await row.getByRole("button", { name: "Review" }).click();
  const review = page.getByRole("dialog", { name: "Review emergency access" });
  await review.getByRole("radio", { name: "Appropriate", exact: true }).check();
  await review
    .getByRole("textbox", { name: "Review note" })
    .fill("Confirmed with the front desk: emergency on site.");
  await review.getByRole("button", { name: "Record review" }).click();
  await expect(review).toBeHidden();
  await expect(row).toHaveCount(0);
  await page.getByText("Reviewed", { exact: true }).click();
  const reviewed = page
    .getByRole("row")
    .filter({ hasText: nameOf(target) })
    .filter({ hasText: "clinician@demo.salus.test" });
  await expect(reviewed.first()).toContainText("appropriate");

  // The patient's record export and access report.
  await reviewed
    .first()
    .getByRole("link", { name: nameOf(target) })
    .click();
  await expect(page.getByRole("tab", { name: "Privacy", selected: true })).toBeVisible();
  const report = page.getByRole("region", { name: "Access report" });
  const bgRow = report.getByRole("row").filter({ hasText: "Emergency access" }).first();
  await expect(bgRow).toBeVisible();
  await expect(
    report.getByRole("row").filter({ hasText: "clinician@demo.salus.test" }).first(),
  ).toBeVisible();

  const exportPanel = page.getByRole("region", { name: "Record export" });
  const [pdf] = await Promise.all([
    page.waitForEvent("download"),
    exportPanel.getByRole("link", { name: "Download PDF" }).click(),
  ]);
  const pdfBytes = readFileSync((await pdf.path())!);
  expect(pdfBytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  expect(pdfBytes.length).toBeGreaterThan(1000);

  const [fhir] = await Promise.all([
    page.waitForEvent("download"),
    exportPanel.getByRole("link", { name: "Download FHIR JSON" }).click(),
  ]);
  const bundle = JSON.parse(readFileSync((await fhir.path())!, "utf8")) as {
    resourceType: string;
    entry: { resource: { resourceType: string; id?: string; identifier?: { value?: string }[] } }[];
  };
  expect(bundle.resourceType).toBe("Bundle");
  const patient = bundle.entry.find((e) => e.resource.resourceType === "Patient")?.resource;
  expect(patient?.identifier?.some((i) => i.value === target.mrn)).toBe(true);
  expect(new Set(bundle.entry.map((e) => e.resource.resourceType)).size).toBeGreaterThan(2);

  const [csv] = await Promise.all([
    page.waitForEvent("download"),
    report.getByRole("link", { name: "Download CSV" }).click(),
  ]);
  const csvText = readFileSync((await csv.path())!, "utf8");
  const bgLines = csvText.split("\n").filter((l) => l.includes("clinician@demo.salus.test"));
  expect(bgLines.length).toBeGreaterThan(0);
  expect(bgLines.some((l) => /,yes,/.test(l))).toBe(true);
});

test("a clinician records an encounter with an ICD-10-CM look-up and a CPT line, and signs a note that shows markup as text", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signIn(page, demo("clinician"));
  const mine = await getJson<{ items: PatientItem[] }>(page, "/api/patients?limit=5");
  const own = mine.items[0]!;
  await page.goto(`/patients/${own.id}?tab=encounters`);
  await expect(page.getByRole("tab", { name: "Encounters", selected: true })).toBeVisible({
    timeout: 30_000,
  });
  await page.getByRole("button", { name: "New encounter" }).click();
  const form = page.getByRole("dialog", { name: "New encounter" });
  await form.getByLabel("Reason for visit").fill("Follow-up of blood sugar");
  await form.getByPlaceholder("Search codes").fill("E11.9");
  const option = page.getByRole("option", { name: /^E11\.9 — / });
  await expect(option).toBeVisible();
  await option.click();
  await expect(form.getByRole("listitem", { name: "Diagnosis A" })).toContainText("E11.9");
  await form.getByRole("button", { name: "Add procedure" }).click();
  await form.getByRole("textbox", { name: "CPT/HCPCS" }).fill("99213");
  const saved = page.waitForResponse(
    (r) => r.url().endsWith(`/api/patients/${own.id}/encounters`) && r.request().method() === "POST",
  );
  await form.getByRole("button", { name: "Create encounter" }).click();
  const response = await saved;
  expect(response.status()).toBe(201);
  const body = (await response.json()) as {
    diagnoses: { code: string }[];
    procedures: { code: string; pointers: number[] }[];
  };
  expect(body.diagnoses.map((d) => d.code)).toEqual(["E119"]);
  expect(body.procedures).toMatchObject([{ code: "99213", pointers: [1] }]);

  // The new encounter opens in the drawer: write a note with markup, sign it, and it shows as text.
  const drawer = page.getByRole("dialog", { name: /^Encounter of / });
  await expect(drawer).toBeVisible();
  await expect(drawer).toContainText("E11.9");
  const hostile = `Plan: recheck A1c. <img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;
  await drawer.getByRole("textbox", { name: "New note" }).fill(hostile);
  await drawer.getByRole("button", { name: "Save draft note" }).click();
  await drawer.getByRole("button", { name: "Sign note" }).click();
  const note = drawer.getByRole("article");
  await expect(note).toContainText("Signed");
  await expect(note).toContainText(hostile);
  await expect(note.locator("img")).toHaveCount(0);
  expect(await page.title()).not.toBe("pwned");
});
