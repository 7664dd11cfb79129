import { expect, test } from "@playwright/test";
import { demo, nav, screenshot, signIn, signOut } from "./helpers.ts";

test("the manager browses the directory and a patient; the privacy officer sees those views in the audit trail", async ({
  page,
}) => {
  await page.goto("/sign-in");
  await expect(page.getByRole("heading", { name: "Sign in to Salus" })).toBeVisible();
  await screenshot(page, "sign-in");

  await signIn(page, demo("manager"));
  await expect(page.getByTestId("organization-name")).not.toBeEmpty();

  // Locations, and one location's rooms and equipment.
  await nav(page).getByRole("link", { name: "Locations" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Locations" })).toBeVisible();
  const firstLocation = page.getByRole("table").getByRole("link").first();
  const locationName = (await firstLocation.textContent()) ?? "";
  await firstLocation.click();
  await expect(page.getByRole("heading", { level: 1, name: locationName })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Rooms" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Equipment" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Edit location" })).toBeVisible();

  // Staff, filtered to practitioners.
  await nav(page).getByRole("link", { name: "Staff" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Staff" })).toBeVisible();
  await page.getByText("Practitioners", { exact: true }).click();
  await expect(page).toHaveURL(/kind=practitioner/);
  await expect(page.getByRole("table").getByRole("row").nth(1)).toContainText("Practitioner");
  await page.getByRole("table").getByRole("link").first().click();
  await expect(page.getByRole("heading", { name: "Licences" })).toBeVisible();

  // Patients: search, then open one.
  await nav(page).getByRole("link", { name: "Patients" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Patients" })).toBeVisible();
  await expect(page.getByText(/of \d+ patients/)).toBeVisible();
  await screenshot(page, "patients");
  const firstPatient = page.getByRole("table").getByRole("link").first();
  const patientName = ((await firstPatient.textContent()) ?? "").trim();
  const familyName = patientName.split(",")[0]!.trim();
  await page.getByLabel("Search patients").fill(familyName);
  await expect(page).toHaveURL(new RegExp(`q=${encodeURIComponent(familyName)}`));
  await page.getByRole("table").getByRole("link", { name: patientName }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: patientName })).toBeVisible();
  await expect(page.getByRole("button", { name: "Edit demographics" })).toBeVisible();
  const patientId = page.url().split("/patients/")[1]!;
  await signOut(page);

  // The privacy officer filters the trail by the manager and sees the patient views.
  await signIn(page, demo("privacy"));
  await nav(page).getByRole("link", { name: "Audit trail" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Audit trail" })).toBeVisible();
  await page.getByRole("combobox", { name: "User" }).click();
  await page.getByRole("combobox", { name: "User" }).fill("manager");
  await page.getByRole("option", { name: /manager@demo\.salus\.test/ }).click();
  await page.getByRole("button", { name: "Apply filters" }).click();

  const table = page.getByRole("table");
  await expect(table.getByRole("row").filter({ hasText: "patient.read" }).first()).toBeVisible();
  await expect(table.getByRole("row").filter({ hasText: "patient.search" }).first()).toBeVisible();
  await expect(table.getByRole("row").filter({ hasText: patientId }).first()).toBeVisible();
  const users = await table.locator("tbody tr td:nth-child(2)").allTextContents();
  expect(new Set(users)).toEqual(new Set([demo("manager")]));

  const exportLink = page.getByRole("link", { name: "Export CSV" });
  await expect(exportLink).toHaveAttribute("href", /\/api\/audit\/export\.csv\?userId=/);
  await screenshot(page, "audit");
});
