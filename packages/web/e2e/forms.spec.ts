import { expect, test } from "@playwright/test";
import { demo, nav, signIn } from "./helpers.ts";

/**
 * Issue 10 item 10: a form never changes what was typed, and a double click creates one record.
 */
test("a state name is refused with a message and kept as typed; a double click on Create makes one location", async ({
  page,
}) => {
  await signIn(page, demo("manager"));
  await nav(page).getByRole("link", { name: "Locations" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Locations" })).toBeVisible();
  await page.getByRole("button", { name: "New location" }).click();
  const form = page.getByRole("form", { name: "New location" });
  // Sorted last and made inactive at the end, so the specs that follow see the demo's locations first.
  const name = `Zz double click clinic ${Date.now()}`;
  await form.getByLabel("Name").fill(name);
  await form.getByRole("combobox", { name: "Time zone" }).fill("America/Chicago");
  await page.getByRole("option", { name: "America/Chicago", exact: true }).click();
  const state = form.getByRole("textbox", { name: "State" });
  // Typed key by key, as a person does: a maxlength of 2 kept only "Te".
  await state.pressSequentially("Texas");
  await expect(state).toHaveValue("Texas");
  await form.getByRole("button", { name: "Create location" }).click();
  await expect(form.getByText(/two-letter state code such as TX/)).toBeVisible();
  await expect(state).toHaveValue("Texas");

  await state.fill("TX");
  await form.getByRole("button", { name: "Create location" }).dblclick();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  const found = await page.request.get(`/api/locations?q=${encodeURIComponent(name)}`);
  expect(found.ok()).toBe(true);
  const body = (await found.json()) as { total: number; items: { id: string; state: string }[] };
  expect(body.total).toBe(1);
  expect(body.items[0]?.state).toBe("TX");
  const { csrfToken } = (await (await page.request.get("/api/auth/session")).json()) as { csrfToken: string };
  const off = await page.request.patch(`/api/locations/${body.items[0]?.id}`, {
    data: { active: false },
    headers: { "x-csrf-token": csrfToken },
  });
  expect(off.ok()).toBe(true);
});

test("an idle timeout of 0 is refused under the field and stays 0", async ({ page }) => {
  await signIn(page, demo("admin"));
  await page.goto("/settings/organization");
  const idle = page.getByRole("textbox", { name: /Idle timeout/ });
  await expect(idle).toBeVisible();
  const before = await idle.inputValue();
  await idle.fill("0");
  await idle.blur();
  await expect(idle).toHaveValue("0");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("must be at least 1 minute")).toBeVisible();
  await expect(idle).toHaveValue("0");
  const org = await (await page.request.get("/api/organization")).json();
  expect(String(org.idleTimeoutMinutes)).toBe(before);
});
