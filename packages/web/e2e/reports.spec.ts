import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect as baseExpect, type Page, test } from "@playwright/test";
import { demo, fillSignIn, nav } from "./helpers.ts";

// The board and the reports do real work per request (projection, audit, simulation) and the test machine
// may be busy: wait longer than the suite's default before calling a page missing.
const expect = baseExpect.configure({ timeout: 30_000 });

async function signIn(page: Page, email: string): Promise<void> {
  await fillSignIn(page, email);
  await expect(page.getByRole("heading", { level: 1, name: /^Welcome/ })).toBeVisible();
}

// The manager's reports in the demo practice: flow figures per day and per practitioner with their CSV,
// the no-show risk model's calibration (and retraining it), and the what-if comparison of policies.

async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.SALUS_SCREENSHOTS !== "1") return;
  const dir = fileURLToPath(new URL("../../../docs/images/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: `${dir}${name}.png`, fullPage: true });
}

test("the manager reads the flow reports, the no-show risk model and the what-if comparison", async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1366, height: 1000 });
  await signIn(page, demo("manager"));
  await nav(page).getByRole("link", { name: "Reports" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Flow reports" })).toBeVisible();

  // Per day: the last 30 days of the demo history, with figures.
  const table = page.getByRole("table", { name: "Flow figures" });
  await expect(table).toBeVisible({ timeout: 30_000 });
  expect(await table.locator("tbody tr").count()).toBeGreaterThan(5);
  await expect(page.getByRole("heading", { name: "Waiting time per day" })).toBeVisible();
  await expect(page.locator(".recharts-bar-rectangle").first()).toBeVisible();

  // Per practitioner.
  await page.getByText("Practitioner", { exact: true }).click();
  await expect(page.getByRole("heading", { name: "Waiting time per practitioner" })).toBeVisible();
  await expect(table.getByRole("columnheader", { name: "Practitioner" })).toBeVisible();

  // The CSV is the same report.
  const href = await page.getByRole("link", { name: "Download CSV" }).getAttribute("href");
  expect(href).toMatch(/format=csv/);
  const csv = await page.request.get(href!);
  expect(csv.ok()).toBeTruthy();
  expect(csv.headers()["content-type"]).toMatch(/text\/csv/);
  const lines = (await csv.text()).trim().split(/\r?\n/);
  expect(lines.length).toBe((await table.locator("tbody tr").count()) + 1);

  // No-show risk: calibration by decile, the Brier score in words, the weights; the manager can retrain.
  await page.getByRole("navigation", { name: "Reports" }).getByRole("link", { name: "No-show risk" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "No-show risk" })).toBeVisible();
  await expect(page.getByTestId("brier-words")).toContainText("Brier score");
  await expect(page.getByRole("table", { name: "Reliability by decile" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Model weights" }).locator("tbody tr").first()).toBeVisible();
  const retrained = page.waitForResponse(
    (r) => r.url().includes("/api/reports/no-show-model") && r.request().method() === "POST",
  );
  await page.getByRole("button", { name: "Retrain" }).click();
  expect((await retrained).ok()).toBeTruthy();
  await expect(page.getByText(/^Last trained /)).toBeVisible();

  // What-if on the practice's own days.
  await page.getByRole("navigation", { name: "Reports" }).getByRole("link", { name: "What-if" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "What-if" })).toBeVisible();
  const whatIf = page.getByRole("form", { name: "What-if" });
  await whatIf.getByLabel("Runs").fill("40");
  await whatIf.getByLabel("Seed").fill("7");
  const compared = page.waitForResponse((r) => r.url().endsWith("/api/reports/what-if"));
  await page.getByRole("button", { name: "Compare policies" }).click();
  const comparedResponse = await compared;
  expect(
    comparedResponse.ok(),
    `what-if answered ${comparedResponse.status()}: ${await comparedResponse.text()}`,
  ).toBeTruthy();
  const comparison = page.getByRole("table", { name: "Policy comparison" });
  await expect(comparison).toBeVisible({ timeout: 60_000 });
  expect(await comparison.locator("tbody tr").count()).toBeGreaterThan(1);
  await expect(comparison).toContainText("95% CI");
  await expect(page.getByTestId("what-if-best")).toContainText("Least waiting");
  await expect(page.getByText(/How to read this/)).toBeVisible();
  // The back-test (issue 10 item 9): the demo practice's own weeks replayed, measured against predicted
  // mean wait. The summary tells the truth about the table: "every week within 20%" exactly when each row
  // is, otherwise the worst week's error. (How well the demo's weeks fit depends on the hour the demo was
  // seeded, since the current week is partial; the fit itself is checked on a fixed clock in
  // server/src/flow/overbooking-what-if.int.test.ts.)
  const backTest = page.getByRole("table", { name: "Back-test" });
  await expect(backTest).toBeVisible();
  const weeks = backTest.locator("tbody tr");
  expect(await weeks.count()).toBeGreaterThanOrEqual(3);
  const errors = (await weeks.locator("td:last-child").allInnerTexts()).map((e) =>
    Math.abs(Number(e.replace("−", "-").replace(/[+%]/g, ""))),
  );
  for (const e of errors) expect(Number.isFinite(e), "a week's error is a number").toBe(true);
  const worst = Math.max(...errors);
  const summary = page.getByTestId("back-test-summary");
  if (worst <= 20) {
    await expect(summary).toContainText("Every week is within 20%");
    await expect(page.getByText("The basis misses the measured wait")).toHaveCount(0);
  } else {
    await expect(summary).toContainText(
      /at least one week is off by more than 20% \(the worst week off by \d+%\)/,
    );
  }
  await docsScreenshot(page, "what-if");

  // A session of one's own, as `salus simulate` would run it.
  const own = page.getByRole("form", { name: "Simulate a session" });
  await own.getByLabel("Patients").fill("10");
  await own.getByLabel("Runs").fill("200");
  await own.getByRole("button", { name: "Simulate" }).click();
  await expect(page.getByRole("table", { name: "Simulated session" })).toContainText(/Mean wait.*95% CI/);
  await expect(page.getByRole("table", { name: "Simulated session" })).toContainText("10 booked");
});

test("the front desk sees the flow board but not the reports", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, demo("frontdesk"));
  await expect(nav(page).getByRole("link", { name: "Flow board" })).toBeVisible();
  await expect(nav(page).getByRole("link", { name: "Reports" })).toHaveCount(0);
  await page.goto("/reports/what-if");
  await expect(page.getByRole("heading", { level: 1, name: "What-if" })).toHaveCount(0);
});
