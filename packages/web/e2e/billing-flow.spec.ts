import { readFileSync } from "node:fs";
import { expect as baseExpect, test } from "@playwright/test";
import { demo, nav, screenshot, signIn } from "./helpers.ts";

const expect = baseExpect.configure({ timeout: 30_000 });

// Issue 13's "done when": a biller in the demo practice turns the last clinic day's visits into a clean
// 837P batch in the web app. From the biller's home to the charges waiting for review, approved, claims
// built and scrubbed; the scrubber stops the demo's seeded error (a line pointing at a diagnosis the visit
// does not have) with a message saying what to fix beside that line; the biller fixes the pointer on the
// claim page, scrubs again clean, creates the batch and downloads a real 837P holding the fixed claim.
// "Yesterday" is the clinic's last day before today (the demo seeds it; a Monday's is the Friday before).

/** The X12 segments of a file: separators read from the ISA header as a reader must. */
function segments(x12: string): string[][] {
  const text = x12.replace(/^\uFEFF/, "");
  expect(text.slice(0, 3)).toBe("ISA");
  const element = text[3]!;
  const terminator = text[105]!;
  return text
    .split(terminator)
    .map((s) => s.replace(/^[\r\n]+/, ""))
    .filter((s) => s.length > 0)
    .map((s) => s.split(element));
}

test("the biller turns yesterday's visits into a clean 837P batch, fixing the error the scrubber catches", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signIn(page, demo("biller"));

  // The biller's home says what waits: the last clinic day's charges.
  await nav(page).getByRole("link", { name: "Billing home" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Billing" })).toBeVisible();
  await page.getByRole("link", { name: /^Charges to review: [1-9]/ }).click();

  await expect(page.getByRole("heading", { level: 1, name: "Charges" })).toBeVisible();
  const charges = page.getByRole("table", { name: "Charges" });
  await expect(charges.getByRole("row").nth(1)).toBeVisible();
  // What waits is the last clinic day's charges, and today's from visits already finished: approve the
  // last clinic day's (today's may still change before the day is over).
  const dates = [
    ...new Set(
      await charges
        .locator("tbody tr")
        .evaluateAll((rows) => rows.map((r) => r.children[1]?.textContent ?? "")),
    ),
  ].sort((x, y) => Date.parse(x) - Date.parse(y));
  expect(dates.length).toBeGreaterThanOrEqual(1);
  expect(dates.length).toBeLessThanOrEqual(2);
  const yesterday = dates[0]!;
  expect(Date.parse(yesterday)).toBeLessThan(Date.now());
  const yesterdays = charges
    .locator("tbody tr")
    .filter({ has: page.getByRole("cell", { name: yesterday, exact: true }) });
  const count = await yesterdays.count();
  expect(count).toBeGreaterThan(1);
  for (let i = 0; i < count; i++) await yesterdays.nth(i).getByRole("checkbox").check();
  await page.getByRole("button", { name: `Approve selected (${count})` }).click();
  await expect(page.getByText(`${count} charges approved.`)).toBeVisible();
  await expect(yesterdays).toHaveCount(0);
  await page.getByRole("button", { name: "Build claims" }).click();
  await expect(page.getByText(/^[1-9]\d* claims? built/)).toBeVisible();

  // Scrub the new draft claims: the seeded error stops one of them.
  await nav(page).getByRole("link", { name: "Claims" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Claims" })).toBeVisible();
  await page.getByRole("button", { name: /^Scrub [1-9]\d* claims?$/ }).click();
  await expect(page.getByText(/^\d+ claims? ready, [1-9]\d* with errors? to fix\.$/)).toBeVisible();
  await page.getByRole("combobox", { name: "Status" }).click();
  await page.getByRole("option", { name: "Has errors" }).click();
  const faulty = page.locator('tr[data-rules~="modifier-malformed"]').first();
  await expect(faulty).toBeVisible();
  const claimLink = faulty.getByRole("link").first();
  const pcn = (await claimLink.textContent())?.trim() ?? "";
  expect(pcn).toMatch(/^\S+$/);
  await claimLink.click();

  // The claim page: the finding beside the line it is about, saying what to fix.
  await expect(page.getByRole("heading", { level: 1, name: `Claim ${pcn}` })).toBeVisible();
  await expect(page.getByText("Has errors", { exact: true }).first()).toBeVisible();
  await expect(page.getByText(/^The scrubber found [1-9]\d* errors?$/)).toBeVisible();
  await expect(page.getByText(yesterday, { exact: true })).toBeVisible();
  const lines = page.getByRole("table", { name: "Claim lines" }).locator("tbody tr");
  const faultyLine = lines.filter({ hasText: "modifier-malformed" });
  await expect(faultyLine).toHaveCount(1);
  const lineNumber = Number(await faultyLine.getByRole("cell").first().textContent());
  // The seed keyed the modifier twice ("25" became "255"); the message names it and says what a modifier is.
  const finding = faultyLine.getByRole("listitem").filter({ hasText: "modifier-malformed" });
  await expect(finding).toContainText(
    new RegExp(
      `^Error: Line ${lineNumber}: modifier "\\w{3}" is not two letters or digits \\(e\\.g\\. 25, LT\\)\\.`,
    ),
  );
  const mistyped = /modifier "(\w+)"/.exec((await finding.textContent()) ?? "")?.[1] ?? "";
  expect(mistyped).toHaveLength(3);
  const modifier = mistyped.slice(0, 2);
  await expect(lines.filter({ hasNotText: "modifier-malformed" }).getByText("Error:")).toHaveCount(0);
  // The findings are the claim's, not only the scrub's answer: still there when the page is opened again.
  await page.reload();
  await expect(faultyLine.getByRole("listitem")).toContainText(`modifier "${mistyped}"`);
  await screenshot(page, "billing-claim-finding");

  // Fix it and scrub again: clean, ready to send.
  await page.getByRole("button", { name: "Fix claim" }).click();
  const dialog = page.getByRole("dialog", { name: `Fix claim ${pcn}` });
  const field = dialog.getByLabel(`Line ${lineNumber} modifiers`);
  await expect(field).toHaveValue(new RegExp(`^${mistyped}(,|$)`));
  await field.fill((await field.inputValue()).replace(mistyped, modifier));
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Claim saved. Scrub it again before sending.")).toBeVisible();
  await expect(page.getByTestId(`claim-line-${lineNumber}`)).toContainText(`-${modifier}`);
  await page.getByRole("button", { name: "Scrub again" }).click();
  await expect(page.getByText("No error found: the claim is ready to send.")).toBeVisible();
  await expect(page.getByText("The last scrub found no error")).toBeVisible();
  await expect(lines.filter({ hasText: "modifier-malformed" })).toHaveCount(0);
  await expect(page.getByText("Ready", { exact: true }).first()).toBeVisible();

  // The batch: every ready claim, the fixed one with them, as one 837P file to download.
  await nav(page).getByRole("link", { name: "Claim batches" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Claim batches" })).toBeVisible();
  await expect(page.getByTestId("ready-summary")).toHaveText(
    /^[1-9]\d* claims? ready, \$[\d,]+\.\d\d in total\.$/,
  );
  const ready = Number(/^(\d+)/.exec((await page.getByTestId("ready-summary").textContent()) ?? "")?.[1]);
  await page.getByRole("button", { name: "Create batch" }).click();
  const made = page.getByRole("status").filter({ hasText: /^Batch \d+ holds/ });
  await expect(made).toContainText(`holds ${ready} claim`);
  const icn = /^Batch (\d+)/.exec((await made.textContent()) ?? "")?.[1] ?? "";
  await expect(page.getByTestId("ready-summary")).toHaveText(/^No claim is ready/);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    made.getByRole("link", { name: /^Download / }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^837P-\d{9}\.txt$/);
  const file = readFileSync(await download.path(), "utf8");

  // A real 837P: one interchange, its control number the batch's, transaction sets whose SE01 counts
  // their segments, one CLM per ready claim, the fixed claim among them with its modifier corrected.
  const segs = segments(file);
  const ids = segs.map((s) => s[0]);
  expect(ids[0]).toBe("ISA");
  expect(ids.at(-1)).toBe("IEA");
  expect(Number(segs[0]![13])).toBe(Number(icn));
  expect(Number(segs.at(-1)![2])).toBe(Number(icn));
  expect(ids.filter((id) => id === "ISA")).toHaveLength(1);
  expect(segs.find((s) => s[0] === "GS")?.[8]).toBe("005010X222A1");
  let sets = 0;
  for (let i = 0; i < segs.length; i++) {
    if (segs[i]![0] !== "ST") continue;
    sets++;
    expect([segs[i]![1], segs[i]![3]]).toEqual(["837", "005010X222A1"]);
    const end = segs.findIndex((s, k) => k > i && s[0] === "SE");
    expect(end).toBeGreaterThan(i);
    expect(Number(segs[end]![1])).toBe(end - i + 1);
    expect(segs[end]![2]).toBe(segs[i]![2]);
  }
  expect(sets).toBeGreaterThan(0);
  expect(Number(segs.find((s) => s[0] === "GE")?.[1])).toBe(sets);
  const clms = segs.filter((s) => s[0] === "CLM");
  expect(clms).toHaveLength(ready);
  expect(clms.map((s) => s[1])).toContain(pcn);
  // The fixed claim's line carries the corrected modifier (SV101: HC, code, modifiers as sub-elements).
  const component = file[104]!;
  const at = segs.findIndex((s) => s[0] === "CLM" && s[1] === pcn);
  const next = segs.findIndex((s, k) => k > at && (s[0] === "CLM" || s[0] === "SE"));
  const sv1 = segs.slice(at, next).filter((s) => s[0] === "SV1");
  expect(sv1.length).toBeGreaterThanOrEqual(lineNumber);
  const procedure = sv1[lineNumber - 1]![1]!.split(component);
  expect(procedure[0]).toBe("HC");
  expect(procedure.slice(2)).toContain(modifier);
  expect(procedure.slice(2)).not.toContain(mistyped);
  // CLM02 is the sum of its lines' charges (SV102).
  const cents = (amount: string) => Math.round(Number(amount) * 100);
  expect(cents(segs[at]![2]!)).toBe(sv1.reduce((sum, s) => sum + cents(s[2]!), 0));

  // The batch is in the history; the fixed claim has gone out with it.
  await expect(
    page.getByRole("table", { name: "Claim batches" }).getByRole("link", { name: `Download batch ${icn}` }),
  ).toBeVisible();
  await nav(page).getByRole("link", { name: "Claims" }).click();
  await page.getByRole("combobox", { name: "Status" }).click();
  await page.getByRole("option", { name: "Submitted" }).click();
  await expect(page.getByRole("table", { name: "Claims" }).getByRole("link", { name: pcn })).toBeVisible();
});
