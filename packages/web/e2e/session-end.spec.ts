import { expect, test } from "@playwright/test";
import { demo, nav, signIn, signOut } from "./helpers.ts";

test("when an administrator disables a signed-in user, their screen forgets the patient and asks to sign in", async ({
  browser,
}) => {
  const userContext = await browser.newContext();
  const adminContext = await browser.newContext();
  const user = await userContext.newPage();
  const admin = await adminContext.newPage();

  await signIn(user, demo("clinician2"));
  await nav(user).getByRole("link", { name: "Patients" }).click();
  const firstPatient = user.getByRole("table").getByRole("link").first();
  const patientName = ((await firstPatient.textContent()) ?? "").trim();
  await firstPatient.click();
  await expect(user.getByRole("heading", { level: 1, name: patientName })).toBeVisible();

  await signIn(admin, demo("admin"));
  await nav(admin).getByRole("link", { name: "Users" }).click();
  await admin.getByRole("button", { name: "Disable Dr. Jordan Second" }).click();
  await admin.getByRole("dialog").getByRole("button", { name: "Disable user" }).click();
  await expect(admin.getByRole("row", { name: /Dr\. Jordan Second/ })).toContainText("Disabled");

  // The next request of the disabled user's screen finds the session gone.
  await nav(user).getByRole("link", { name: "Patients" }).click();
  await expect(user).toHaveURL(/\/sign-in$/);
  await expect(user.getByText(patientName)).toHaveCount(0);

  // Put things back for other tests.
  await admin.getByRole("button", { name: "Enable Dr. Jordan Second" }).click();
  await admin.getByRole("dialog").getByRole("button", { name: "Enable" }).click();
  await expect(admin.getByRole("row", { name: /Dr\. Jordan Second/ })).toContainText("Active");
  await signOut(admin);
  await userContext.close();
  await adminContext.close();
});
