import { expect, test } from "@playwright/test";
import { demo, nav, signIn } from "./helpers.ts";

// The privacy officer's other queue and a patient's disclosures: an amendment request is denied with its
// reason; a disclosure to law enforcement is recorded and appears in the accounting of disclosures, while
// a disclosure for payment (TPO) is kept on record but left out of the accounting, as the rule allows.

test("the privacy officer decides an amendment and records disclosures; only accountable ones reach the accounting", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1366, height: 900 });
  await signIn(page, demo("privacy"));
  await nav(page).getByRole("link", { name: "Amendments" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Amendment requests" })).toBeVisible();
  const pending = page
    .getByRole("row")
    .filter({ has: page.getByRole("button", { name: "Decide" }) })
    .first();
  await expect(pending).toBeVisible({ timeout: 30_000 });
  const patientLink = pending.getByRole("link");
  const patientName = ((await patientLink.textContent()) ?? "").trim();
  await pending.getByRole("button", { name: "Decide" }).click();
  const dialog = page.getByRole("dialog", { name: "Decide on the amendment" });
  await dialog.getByRole("radio", { name: /^Deny/ }).check();
  await dialog
    .getByRole("textbox", { name: /Reason for the denial/ })
    .fill("The record is accurate and complete as written.");
  await dialog.getByRole("button", { name: "Record decision" }).click();
  await expect(dialog).toBeHidden();
  await page.getByText("Denied", { exact: true }).click();
  await expect(
    page
      .getByRole("row")
      .filter({ hasText: patientName })
      .filter({ hasText: "The record is accurate and complete" }),
  ).toBeVisible();

  // The patient's privacy tab: record two disclosures.
  // The patient's link in the decided row (followed by its address: a click that lands while the list
  // re-renders after the status switch once went nowhere).
  const patientHref = await page
    .getByRole("row")
    .filter({ hasText: patientName })
    .filter({ hasText: "The record is accurate and complete" })
    .getByRole("link")
    .getAttribute("href");
  expect(patientHref).toMatch(/^\/patients\/[^/?]+\?tab=privacy$/);
  await page.goto(patientHref!);
  await expect(page.getByRole("tab", { name: "Privacy", selected: true })).toBeVisible({ timeout: 30_000 });
  const disclosures = page.getByRole("region", { name: "Disclosures" });
  const record = async (category: RegExp, recipient: string, purpose: string) => {
    await disclosures.getByRole("button", { name: "Record a disclosure" }).click();
    const form = disclosures.getByRole("form", { name: "New disclosure" });
    await form.getByRole("textbox", { name: "Recipient", exact: true }).fill(recipient);
    await form.getByRole("textbox", { name: "Purpose" }).fill(purpose);
    await form
      .getByRole("textbox", { name: "What was disclosed" })
      .fill("Visit dates and diagnoses, 2025-2026");
    await form.getByRole("combobox", { name: "Category" }).click();
    await page.getByRole("option", { name: category }).click();
    await form.getByRole("button", { name: "Record disclosure" }).click();
    await expect(form).toBeHidden();
  };
  await record(/^Law enforcement$/, "Springfield Police Department", "Subpoena 2026-114");
  await record(/^Payment \(not in the accounting\)$/, "Acme Billing Services", "Claim appeal");

  // The accounting (the default view) lists the police disclosure, not the payment one.
  await expect(
    disclosures.getByRole("row").filter({ hasText: "Springfield Police Department" }),
  ).toBeVisible();
  await expect(disclosures.getByRole("row").filter({ hasText: "Acme Billing Services" })).toHaveCount(0);
  await disclosures.getByText("All recorded", { exact: true }).click();
  await expect(disclosures.getByRole("row").filter({ hasText: "Acme Billing Services" })).toBeVisible();
  await expect(
    disclosures.getByRole("row").filter({ hasText: "Springfield Police Department" }),
  ).toBeVisible();
});
