import { expect, type Locator, type Page, test } from "@playwright/test";
import { demo, nav, signIn, signOut } from "./helpers.ts";

/**
 * Issue 9, items 1-2 in the web app: an administrator invites people (nothing is added until they
 * accept), creates service accounts for integrations, and issues tokens only for themselves or a
 * service account.
 */
test("the administrator invites a person, creates a service account and issues it a token; tokens for other people are not offered", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await signIn(page, demo("admin"));
  await nav(page).getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();

  // An invitation: the answer says it was sent, whatever the email; the person is not a user yet.
  await page.getByRole("button", { name: "New user" }).click();
  const form = page.getByRole("dialog", { name: "New user" });
  await form.getByLabel("Email").fill("new.hire@example.test");
  await form.getByLabel("Name").fill("New Hire");
  await chooseRole(page, form, "Front desk");
  await page.keyboard.press("Escape");
  await form.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText("Invitation sent to new.hire@example.test")).toBeVisible();
  const pending = page.getByRole("region", { name: "Pending invitations" });
  await expect(pending.getByRole("row", { name: /new\.hire@example\.test/ })).toBeVisible();
  await expect(page.getByRole("table").first().getByText("new.hire@example.test")).toHaveCount(0);
  // Cancelled, its link stops working.
  await pending.getByRole("button", { name: "Cancel the invitation to new.hire@example.test" }).click();
  await page
    .getByRole("dialog", { name: "Cancel invitation?" })
    .getByRole("button", { name: "Cancel invitation" })
    .click();
  await expect(page.getByText("Invitation to new.hire@example.test cancelled.")).toBeVisible();
  await expect(page.getByRole("region", { name: "Pending invitations" })).toHaveCount(0);

  // A service account for an integration.
  await page.getByRole("button", { name: "New service account" }).click();
  const service = page.getByRole("dialog", { name: "New service account" });
  await service.getByLabel("Name").fill("Lab results interface");
  await chooseRole(page, service, "Front desk");
  await page.keyboard.press("Escape");
  await service.getByRole("button", { name: "Create service account" }).click();
  await expect(page.getByRole("row", { name: /Lab results interface/ })).toContainText("Service account");

  // Tokens: yourself or a service account, never another person.
  await nav(page).getByRole("link", { name: "API tokens" }).click();
  await page.getByRole("button", { name: "New token" }).click();
  const dialog = page.getByRole("dialog", { name: "New API token" });
  await dialog.getByLabel("Name").fill("lab feed");
  await dialog.getByRole("combobox", { name: "Acts as user" }).click();
  await expect(page.getByRole("option", { name: /clinician@demo\.salus\.test/ })).toHaveCount(0);
  await expect(page.getByRole("option", { name: /privacy@demo\.salus\.test/ })).toHaveCount(0);
  await expect(page.getByRole("option", { name: /admin@demo\.salus\.test, you/ })).toBeVisible();
  await page.getByRole("option", { name: "Lab results interface (service account)" }).click();
  await dialog.getByRole("button", { name: "Create token" }).click();
  const token = ((await page.getByTestId("one-time-secret").textContent()) ?? "").trim();
  expect(token.length).toBeGreaterThan(20);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("row", { name: /lab feed/ })).toContainText(
    "Lab results interface (service account)",
  );
  await signOut(page);
});

test("an invitation link that was tampered with says so", async ({ page }) => {
  await page.goto("/invitation#token=00000000-0000-4000-8000-000000000000.1999999999.forged-signature-xx");
  await expect(page.getByRole("heading", { name: "Invitation to Salus" })).toBeVisible();
  await expect(page.getByText(/This invitation link is not valid/)).toBeVisible();
});

/**
 * Opens a dialog's Roles list and picks a role. The list is opened again until the option shows: a
 * click that lands while the dialog is still opening (a busy server at the start of the suite) does not
 * open it, and the test would otherwise wait on an option that never comes.
 */
async function chooseRole(page: Page, dialog: Locator, role: string): Promise<void> {
  const option = page.getByRole("option", { name: role });
  await expect(async () => {
    await dialog.getByRole("combobox", { name: "Roles" }).click({ force: true });
    await expect(option).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await option.click();
}
