import { readFileSync } from "node:fs";
import { expect as baseExpect, test } from "@playwright/test";
import { demo, nav, screenshot, signIn } from "./helpers.ts";

const expect = baseExpect.configure({ timeout: 30_000 });

// The biller downloads the demo's latest 837P batch, imports the 277CA a payer sent back for it (one
// claim rejected for the billing provider's NPI), sees the result claim by claim, imports the same file
// again (nothing changes), has a broken file refused naming its segment, finds the rejection on the
// worklist with the reason in words and resolves it; the claim, scrubbed again, goes out in a new batch
// made with Create batch and downloaded from the page.

/** A 277CA answering one claim (CLM01 `pcn`) with the status `stc` (category:status:entity). */
function ack277(pcn: string, stc: string): string {
  const body = [
    "BHT*0085*08*E2E*20260303*0900*TH",
    "HL*1**20*1",
    "NM1*PR*2*DEMO PAYER*****PI*PAYER1",
    "HL*2*1*21*1",
    "NM1*41*2*DEMO PRACTICE*****46*SUBMITTER",
    "HL*3*2*19*1",
    "HL*4*3*PT",
    "NM1*QC*1*PATIENT*DEMO",
    `TRN*2*${pcn}`,
    `STC*${stc}*20260303*WQ*100`,
  ];
  return [
    "ISA*00*          *00*          *ZZ*CLEARHOUSE     *ZZ*SUBMITTER      *260303*0900*^*00501*000000901*0*T*:~",
    "GS*HN*CLEARHOUSE*SUBMITTER*20260303*0900*901*X*005010X214~",
    "ST*277*0001*005010X214~",
    ...body.map((s) => `${s}~`),
    `SE*${body.length + 2}*0001~`,
    "GE*1*901~",
    "IEA*1*000000901~",
  ].join("\n");
}

test("the biller downloads a batch, imports its 277CA and works the rejection", async ({ page }) => {
  await signIn(page, demo("biller"));
  await nav(page).getByRole("link", { name: "Claim batches" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Claim batches" })).toBeVisible();
  await expect(page.getByTestId("ready-summary")).toBeVisible();
  const history = page.getByRole("table", { name: "Claim batches" });
  const link = history.getByRole("link", { name: /^Download batch \d+$/ }).first();
  await expect(link).toBeVisible();
  await screenshot(page, "billing-batches");
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toMatch(/^837P-\d{9}\.txt$/);
  const text = readFileSync(await download.path(), "utf8");
  expect(text.startsWith("ISA*00*")).toBe(true);
  expect(text).toContain("ST*837*0001*005010X222A1~");
  const pcn = /\nCLM\*([^*]+)\*/.exec(text)?.[1];
  expect(pcn).toBeTruthy();

  await nav(page).getByRole("link", { name: "Acknowledgements" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Acknowledgements" })).toBeVisible();
  const file = page.locator('input[type="file"]');
  const upload = (name: string, content: string) =>
    file.setInputFiles({ name, mimeType: "text/plain", buffer: Buffer.from(content) });
  const ack = ack277(pcn as string, "A7:562:85");
  await upload("payer.277", ack);
  await page.getByRole("button", { name: "Import" }).click();
  const result = page.getByRole("status", { name: "Import result" });
  await expect(result).toContainText("0 accepted, 1 rejected");
  await expect(result).toContainText(pcn as string);
  await expect(result).toContainText(
    "Rejected: invalid information: Entity's National Provider Identifier (NPI): Billing provider",
  );
  await expect(result).toContainText("status updated");
  await screenshot(page, "billing-acknowledgements");

  await upload("payer-again.277", ack);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(result).toContainText("was already imported");

  await upload("broken.999", "ISA*00*short~");
  await page.getByRole("button", { name: "Import" }).click();
  await expect(
    page.getByRole("form", { name: "Import an acknowledgement" }).getByRole("alert"),
  ).toContainText("Segment 1 (ISA)");

  await result.getByRole("link", { name: "rejection worklist" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Rejections" })).toBeVisible();
  const queue = page.getByRole("table", { name: "Rejected claims" });
  const row = queue.getByRole("row").filter({ hasText: pcn as string });
  await expect(row).toContainText("The payer rejected the claim: Rejected: invalid information");
  await screenshot(page, "billing-rejections");
  const claimPath = await row.getByRole("link", { name: pcn as string }).getAttribute("href");
  expect(claimPath).toMatch(/^\/billing\/claims\/[A-Za-z0-9-]+$/);
  await row.getByRole("button", { name: `Resolve: ${pcn}` }).click();
  const dialog = page.getByRole("dialog", { name: "Resolve the rejection" });
  await dialog.getByRole("button", { name: "Resolve" }).click();
  await expect(dialog).toBeHidden();
  await expect(queue.getByRole("row").filter({ hasText: pcn as string })).toHaveCount(0);

  // Worked: scrubbed again (the scrubber's API, as the claim page's Scrub again does), the claim is ready
  // and goes out in a new batch.
  const session = (await (await page.request.get("/api/auth/session")).json()) as { csrfToken: string };
  const scrub = await page.request.post(`/api${claimPath}/scrub`, {
    headers: { "x-csrf-token": session.csrfToken },
    data: {},
  });
  expect(scrub.status(), await scrub.text()).toBe(200);
  expect(((await scrub.json()) as { status: string }).status).toBe("ready");
  await nav(page).getByRole("link", { name: "Claim batches" }).click();
  // The demo may have other claims ready too; they all go in the batch.
  await expect(page.getByTestId("ready-summary")).toContainText(/\d+ claims? ready/);
  await page.getByRole("button", { name: "Create batch" }).click();
  const made = page.getByRole("status").filter({ hasText: /Batch \d+ holds \d+ claims?/ });
  await expect(made).toBeVisible();
  await expect(page.getByTestId("ready-summary")).toContainText("No claim is ready");
  const [again] = await Promise.all([page.waitForEvent("download"), made.getByRole("link").click()]);
  expect(readFileSync(await again.path(), "utf8")).toContain(`\nCLM*${pcn}*`);
});

test("the front desk has no billing batch pages", async ({ page }) => {
  await signIn(page, demo("frontdesk"));
  await expect(nav(page).getByRole("link", { name: "Claim batches" })).toHaveCount(0);
  await expect(nav(page).getByRole("link", { name: "Rejections" })).toHaveCount(0);
});
