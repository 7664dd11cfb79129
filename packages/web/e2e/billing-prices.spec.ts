import { expect as baseExpect, test } from "@playwright/test";
import { demo, nav, screenshot, signIn, signOut } from "./helpers.ts";

const expect = baseExpect.configure({ timeout: 30_000 });

// The biller's price lists in the demo practice: the billing settings are complete; a new payer is
// added (a wrong filing indicator for self-pay is named beside its field); its contract is created and
// its prices imported from a CSV file: a file with a third decimal is refused naming the row and
// changes nothing, the corrected file is checked (3 added) and imported, and the prices show. The
// front desk chooses the payer in a patient's coverage form and never sees the billing pages.

const CSV_HEADER = "procedure_code,modifier,amount,description\n";

test("the biller adds a payer, imports its contracted prices from CSV and the front desk links a coverage to it", async ({
  page,
}) => {
  await signIn(page, demo("biller"));
  await nav(page).getByRole("link", { name: "Billing settings" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Billing settings" })).toBeVisible();
  await expect(page.getByText("Everything a claim and a batch need is set.")).toBeVisible();
  await expect(page.getByLabel("Billing NPI")).toHaveValue(/^\d{10}$/);
  await screenshot(page, "billing-settings");

  await nav(page).getByRole("link", { name: "Payers" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Payers" })).toBeVisible();
  const payers = page.getByRole("table", { name: "Payers" });
  await expect(payers.getByRole("row", { name: /Medicare Part B/ })).toContainText("MB");
  await screenshot(page, "billing-payers");

  const name = `Acme Health Plan ${Date.now().toString(36)}`;
  await page.getByRole("button", { name: "New payer" }).click();
  const form = page.getByRole("dialog");
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Payer id").fill(`AC${Date.now().toString().slice(-6)}`);
  await form.getByLabel("Timely filing limit (days)").fill("120");
  await form.getByLabel("Member id format").fill("(\\d+)+");
  await form.getByRole("button", { name: "Add payer" }).click();
  await expect(form.getByText(/must not repeat a group that itself repeats/)).toBeVisible();
  await form.getByLabel("Member id format").fill("AC[0-9]{8}");
  await form.getByRole("button", { name: "Add payer" }).click();
  await expect(form).toBeHidden();
  await expect(payers.getByRole("row", { name: new RegExp(name) })).toContainText("120 days");

  await nav(page).getByRole("link", { name: "Fee schedules" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Fee schedules" })).toBeVisible();
  await expect(page.getByRole("row", { name: /Standard fees/ })).toContainText("Default");
  await page.getByRole("button", { name: "New fee schedule" }).click();
  const create = page.getByRole("dialog");
  await create.getByLabel("Name").fill(`${name} contract`);
  await create.getByRole("combobox", { name: "Kind" }).click();
  await page.getByRole("option", { name: /A payer's contract/ }).click();
  await create.getByRole("combobox", { name: "Payer" }).fill(name);
  await page.getByRole("option", { name }).click();
  await create.getByLabel("In force from").fill("2025-01-01");
  await create.getByRole("button", { name: "Add fee schedule" }).click();
  await expect(page.getByRole("heading", { level: 1, name: `${name} contract` })).toBeVisible();
  await expect(page.getByText("No prices yet")).toBeVisible();

  // A file with a third decimal: refused, naming the row; nothing imported.
  await page.getByRole("button", { name: "Import CSV" }).click();
  const importer = page.getByRole("dialog");
  await importer.locator('input[type="file"]').setInputFiles({
    name: "acme.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`${CSV_HEADER}99213,,100.00,\n99214,,140.125,\n`),
  });
  await expect(importer.getByText(/Line 3: "140.125" has more than two decimals/)).toBeVisible();
  await expect(importer.getByRole("button", { name: "Import" })).toBeDisabled();
  await importer.locator('input[type="file"]').setInputFiles({
    name: "acme.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(
      `${CSV_HEADER}99213,,100.00,Office visit\n99214,,140.13,\n"G0439",,"$1,020.50",AWV\n`,
    ),
  });
  await expect(importer.getByTestId("import-summary")).toHaveText(
    "3 rows: 3 added, 0 changed, 0 removed, 0 unchanged.",
  );
  await screenshot(page, "billing-fee-import");
  await importer.getByRole("button", { name: "Import" }).click();
  await expect(importer).toBeHidden();
  const prices = page.getByRole("table", { name: "Prices" });
  await expect(prices.getByRole("row", { name: /99213/ })).toContainText("$100.00");
  await expect(prices.getByRole("row", { name: /G0439/ })).toContainText("$1,020.50");
  await expect(page.getByRole("link", { name: "Export CSV" })).toHaveAttribute("href", /\/export\.csv$/);
  await screenshot(page, "billing-fee-schedule");
  await signOut(page);

  // The front desk: no billing pages; the coverage form offers the practice's payers.
  await signIn(page, demo("frontdesk"));
  await expect(nav(page).getByRole("link", { name: "Payers" })).toHaveCount(0);
  await nav(page).getByRole("link", { name: "Patients" }).click();
  await page.getByRole("table").getByRole("link").first().click();
  await page.getByRole("tab", { name: /Coverage/ }).click();
  await page.getByRole("button", { name: /Add coverage/ }).click();
  const coverage = page.getByRole("dialog");
  await coverage.getByRole("combobox", { name: "Billed to" }).fill(name);
  await page.getByRole("option", { name }).click();
  await expect(coverage.getByLabel("Payer name on the card")).toHaveValue(name);
  await expect(coverage.getByText(/ids look like AC\[0-9\]\{8\}/)).toBeVisible();
});
