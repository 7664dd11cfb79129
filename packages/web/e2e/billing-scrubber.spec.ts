import { expect as baseExpect, test } from "@playwright/test";
import { demo, nav, screenshot, signIn } from "./helpers.ts";

const expect = baseExpect.configure({ timeout: 30_000 });

// The biller tunes the claim scrubber: the page lists every rule with its default and the first-pass
// rate; a member-id pattern that is not a regular expression is refused at its field; a valid one is
// saved and shown in the rule's row; Reset brings the rule back to its default. The front desk, who does
// not bill, has no such page.

test("the biller tunes a scrubber rule and resets it", async ({ page }) => {
  await signIn(page, demo("biller"));
  await nav(page).getByRole("link", { name: "Claim scrubber" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Claim scrubber" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "First-pass rate" })).toBeVisible();
  await expect(page.getByTestId("first-pass-rate")).toBeVisible();

  const table = page.getByRole("table", { name: "Scrubber rules" });
  const row = table.locator('tr[data-rule="member-id-format"]');
  await expect(table.locator('tr[data-rule="diagnosis-header-code"]')).toContainText("Non-billable category");
  await expect(row).toContainText("Default");
  await screenshot(page, "billing-scrubber");

  // Every draft claim scrubbed at once (the demo may have none waiting; either way the page says how it went).
  await page.getByRole("button", { name: "Scrub every draft claim" }).click();
  await expect(
    page.getByRole("status").filter({ hasText: /draft claims? (was waiting|scrubbed)/ }),
  ).toBeVisible();

  await row.getByRole("button", { name: "Change Member id format" }).click();
  const form = page.getByRole("form", { name: "Setting of Member id format" });
  await form.getByLabel("Member id pattern (empty: the payer's)").fill("[A-Z");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form.getByText('"[A-Z" is not a valid regular expression.')).toBeVisible();

  await form.getByLabel("Member id pattern (empty: the payer's)").fill("[A-Z]{3}\\d+");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(form).toBeHidden();
  await expect(row).toContainText("Every payer: on, pattern [A-Z]{3}\\d+");

  await row.getByRole("button", { name: "Reset Member id format for every payer" }).click();
  await expect(row).toContainText("Default");
});

test("the front desk has no scrubber page", async ({ page }) => {
  await signIn(page, demo("frontdesk"));
  await expect(nav(page).getByRole("link", { name: "Claim scrubber" })).toHaveCount(0);
});
