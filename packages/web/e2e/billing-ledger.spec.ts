import { expect as baseExpect, test } from "@playwright/test";
import { demo, nav, screenshot, signIn } from "./helpers.ts";

const expect = baseExpect.configure({ timeout: 30_000 });

// The biller's week in the demo practice: the home page says what waits; the last clinic day's charges
// are approved and turned into claims; scrubbing them catches the seeded error (a line pointing at a
// diagnosis the visit does not have) with a message beside the line; the biller fixes the pointer,
// scrubs again and the claim is ready for the batch. The patient's account shows balances by who owes
// them. The front desk, who does not bill, has no billing pages.

test("the biller turns the last clinic day's charges into clean claims, fixing the error the scrubber catches", async ({
  page,
}) => {
  await signIn(page, demo("biller"));
  await nav(page).getByRole("link", { name: "Billing home" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Billing" })).toBeVisible();
  await screenshot(page, "billing-home");
  await page.getByRole("link", { name: /^Charges to review: [1-9]/ }).click();

  await expect(page.getByRole("heading", { level: 1, name: "Charges" })).toBeVisible();
  const table = page.getByRole("table", { name: "Charges" });
  await expect(table.getByRole("row").nth(1)).toBeVisible();
  await screenshot(page, "billing-charges");
  await table.getByRole("checkbox", { name: "Select all" }).check();
  await page.getByRole("button", { name: /^Approve selected/ }).click();
  await expect(page.getByText(/charges? approved\./)).toBeVisible();
  await expect(page.getByText("No charge is to review.")).toBeVisible();

  await page.getByRole("button", { name: "Build claims" }).click();
  await expect(page.getByText(/claims? built/)).toBeVisible();

  await nav(page).getByRole("link", { name: "Claims" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Claims" })).toBeVisible();
  await page.getByRole("button", { name: /^Scrub \d+ claims?$/ }).click();
  await expect(page.getByText(/claims? ready, \d+ with errors to fix/)).toBeVisible();

  await page.getByRole("combobox", { name: "Status" }).click();
  await page.getByRole("option", { name: "Has errors" }).click();
  const faulty = page.locator('tr[data-rules~="diagnosis-pointer-invalid"]').first();
  await faulty.getByRole("link").first().click();

  await expect(page.getByRole("heading", { level: 1, name: /^Claim S/ })).toBeVisible();
  const line2 = page.getByTestId("claim-line-2");
  await expect(line2).toContainText("diagnosis-pointer-invalid");
  await screenshot(page, "billing-claim-error");

  await page.getByRole("button", { name: "Fix claim" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Line 2 diagnosis pointers").fill("1");
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("button", { name: "Scrub again" }).click();
  await expect(page.getByText("No error found: the claim is ready to send.")).toBeVisible();
  await expect(page.getByText("Ready", { exact: true }).first()).toBeVisible();
  await expect(line2).not.toContainText("diagnosis-pointer-invalid");

  // The patient's account: balances by responsibility, every entry.
  await page.getByRole("link", { name: /, / }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: /^Account of / })).toBeVisible();
  await expect(page.getByRole("table", { name: "Ledger entries" })).toContainText("Charge");
  await screenshot(page, "billing-account");
});

test("the front desk has no billing pages", async ({ page }) => {
  await signIn(page, demo("frontdesk"));
  await expect(nav(page).getByRole("link", { name: "Charges" })).toHaveCount(0);
  await page.goto("/billing/charges");
  await expect(page.getByRole("heading", { level: 1, name: "Charges" })).toHaveCount(0);
});

test("the biller closes the oldest open past month; months close in order", async ({ page }) => {
  await signIn(page, demo("biller"));
  await nav(page).getByRole("link", { name: "Billing home" }).click();
  const months = page.getByRole("table", { name: "Accounting months" });
  await expect(months).toBeVisible();
  const buttons = months.getByRole("button", { name: /^Close \d{4}-\d{2}$/ });
  const count = await buttons.count();
  test.skip(count === 0, "no past month with entries in this run");
  const oldest = buttons.last();
  const label = (await oldest.textContent()) ?? "";
  const period = label.replace("Close ", "");
  if (count > 1) {
    // A later month cannot close while an earlier one is open.
    await buttons.first().click();
    await expect(page.getByText(/first: months close in order/)).toBeVisible();
  }
  await oldest.click();
  await expect(page.getByText(`${period} is closed.`)).toBeVisible();
  await expect(months.getByRole("row", { name: new RegExp(`^${period}`) })).toContainText("Closed");
});
