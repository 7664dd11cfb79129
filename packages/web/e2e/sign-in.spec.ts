import { expect, test } from "@playwright/test";
import { demo, fillSignIn, nav, signIn, signOut } from "./helpers.ts";

test("a wrong password shows a generic error", async ({ page }) => {
  await fillSignIn(page, demo("manager"), "not-the-password");
  await expect(page.getByRole("alert")).toHaveText("The email or password is not correct.");
  await expect(page).toHaveURL(/\/sign-in$/);

  // An unknown account answers exactly the same.
  await fillSignIn(page, "nobody@demo.salus.test", "not-the-password");
  await expect(page.getByRole("alert")).toHaveText("The email or password is not correct.");
});

test("after 5 wrong passwords sign-in is paused, and the page says for how long (unknown account: the same)", async ({
  page,
}) => {
  const email = "guessing-e2e@demo.salus.test";
  for (let i = 0; i < 5; i++) {
    await fillSignIn(page, email, `wrong guess ${i}`);
    await expect(page.getByRole("alert")).toHaveText("The email or password is not correct.");
  }
  await fillSignIn(page, email, "wrong guess 5");
  await expect(page.getByRole("alert")).toContainText(
    /Too many failed attempts\. Sign-in is paused; try again in \d+ seconds\./,
  );
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("the session cookie is not readable by scripts, and signing out removes the patient from the page and storage", async ({
  page,
  context,
}) => {
  await signIn(page, demo("frontdesk"));
  const cookies = await context.cookies();
  expect(cookies.length).toBeGreaterThan(0);
  const documentCookie = await page.evaluate(() => document.cookie);
  for (const cookie of cookies) {
    expect(cookie.httpOnly).toBe(true);
    expect(documentCookie).not.toContain(cookie.value);
  }

  await nav(page).getByRole("link", { name: "Patients" }).click();
  const firstPatient = page.getByRole("table").getByRole("link").first();
  const patientName = ((await firstPatient.textContent()) ?? "").trim();
  await firstPatient.click();
  await expect(page.getByRole("heading", { level: 1, name: patientName })).toBeVisible();
  const patientUrl = page.url();

  await signOut(page);
  await expect(page.getByText(patientName)).toHaveCount(0);
  const stored = await page.evaluate(
    () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
  );
  expect(stored).not.toContain(patientName.split(",")[0]!.trim());

  // Back does not bring the record back: the app asks to sign in.
  await page.goBack();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByText(patientName)).toHaveCount(0);
  await page.goto(patientUrl);
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByText(patientName)).toHaveCount(0);
});

test("keyboard: the skip link comes first, then the sign-in form", async ({ page }) => {
  await page.goto("/sign-in");
  // Wait for the form and the initial session check: keys pressed while the page is still loading
  // land before the form exists (a race, not what a person at the keyboard meets).
  await expect(page.getByLabel("Email")).toBeVisible();
  await page.waitForLoadState("networkidle");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(demo("manager"));
  await page.keyboard.press("Tab");
  await expect(page.getByRole("textbox", { name: "Password", exact: true })).toBeFocused();
  await page.keyboard.type(process.env.SALUS_DEMO_PASSWORD ?? "demo-password-for-tests-only");
  // The next stop (after the show-password toggle, if it takes focus) is the Sign in button.
  await page.keyboard.press("Tab");
  const button = page.getByRole("button", { name: "Sign in" });
  if (!(await button.evaluate((el) => el === document.activeElement))) await page.keyboard.press("Tab");
  await expect(button).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: /^Welcome/ })).toBeVisible();

  // Inside the app the skip link comes first too, and jumps to the main landmark.
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: /^Welcome/ })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(skip).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();
  await signOut(page);
});

test("front desk sees neither Audit nor Users, and /audit says not permitted", async ({ page }) => {
  await signIn(page, demo("frontdesk"));
  await expect(nav(page).getByRole("link", { name: "Patients" })).toBeVisible();
  await expect(nav(page).getByRole("link", { name: "Audit trail" })).toHaveCount(0);
  await expect(nav(page).getByRole("link", { name: "Users" })).toHaveCount(0);
  await page.goto("/audit");
  await expect(page.getByRole("heading", { name: "Not permitted" })).toBeVisible();
  await page.goto("/settings/users");
  await expect(page.getByRole("heading", { name: "Not permitted" })).toBeVisible();
});
