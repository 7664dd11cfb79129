import { expect, type Page, test } from "@playwright/test";
import { demo, fillSignIn, nav, signOut, totp } from "./helpers.ts";

async function enrol(page: Page): Promise<string> {
  await expect(page.getByRole("heading", { name: "Set up two-factor authentication" })).toBeVisible();
  const secret = ((await page.getByTestId("mfa-secret").textContent()) ?? "").trim();
  expect(secret).toMatch(/^[A-Z2-7]+=*$/);
  await expect(page.getByTestId("mfa-otpauth")).toContainText("otpauth://totp/");
  await page.getByLabel("6-digit code").fill(await totp(secret));
  await page.getByRole("button", { name: "Turn on two-factor and sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Welcome/ })).toBeVisible();
  return secret;
}

async function setMfaRequired(page: Page, required: boolean): Promise<void> {
  await nav(page).getByRole("link", { name: "Organization" }).click();
  const toggle = page.getByRole("switch", { name: /Require two-factor authentication/ });
  await expect(toggle).toBeVisible();
  if ((await toggle.isChecked()) !== required) await toggle.click({ force: true });
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Organization settings saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("switch", { name: /Require two-factor authentication/ })).toBeChecked({
    checked: required,
  });
}

test("an admin requires MFA; a user is taken through enrolment, then asked for a code", async ({ page }) => {
  test.setTimeout(180_000);

  await fillSignIn(page, demo("admin"));
  await expect(page.getByRole("heading", { level: 1, name: /^Welcome/ })).toBeVisible();
  await setMfaRequired(page, true);
  await signOut(page);

  // The HR user has no MFA yet: enrolment with the secret shown as text.
  await fillSignIn(page, demo("hr"));
  const hrSecret = await enrol(page);
  await signOut(page);

  // Next time, a code is asked for.
  await fillSignIn(page, demo("hr"));
  await expect(page.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
  await page.getByLabel("6-digit code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText(/code is not correct/)).toBeVisible();
  await page.getByLabel("6-digit code").fill(await totp(hrSecret));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Welcome/ })).toBeVisible();
  await signOut(page);

  // Leave the organization as it was for other tests: the admin (now required to enrol) turns it off.
  await fillSignIn(page, demo("admin"));
  await enrol(page);
  await setMfaRequired(page, false);
  await signOut(page);
});
