import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import Database from "better-sqlite3";
import { demo, nav, signIn } from "./helpers.ts";

// Issue 10, item 5, in the web app: a cancellation offers the freed time to the patient waiting for it,
// the slot finder no longer shows that time (it is held for them), the patient accepts through the page
// the message links to (no sign-in, a POST button), and the appointment's drawer shows who accepted.

interface Item {
  id: string;
  name?: string;
  timeZone?: string;
  familyName?: string;
  givenName?: string;
}
interface Appt {
  id: string;
  status: string;
  patientId: string;
  patientName: string;
  appointmentTypeId: string;
  practitionerId: string;
  start: string;
  end: string;
}

async function getJson<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(path);
  expect(response.ok(), `${path} answered ${response.status()}`).toBeTruthy();
  return (await response.json()) as T;
}

const wall = (instant: string, timeZone: string) =>
  new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
    new Date(instant),
  );
const localDate = (instant: string, timeZone: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date(instant));

/** The link of the offer's message, read from the outbox of the test server's database. */
function offerLinkFromOutbox(offerId: string): string {
  const tmp = process.env.SALUS_E2E_TMP;
  if (!tmp) throw new Error("SALUS_E2E_TMP is not set (this spec needs the local test server)");
  const db = new Database(join(tmp, "e2e.db"), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare("select body from outbox_messages where dedupe_key like ? order by created_at limit 1")
      .get(`waitlist-offer:${offerId}:%`) as { body: string } | undefined;
    if (!row) throw new Error("no message for the offer");
    const url = row.body.match(/https?:\/\/\S+\/(?:w|r)\/\S+/)?.[0];
    if (!url) throw new Error(`no link in: ${row.body}`);
    return url;
  } finally {
    db.close();
  }
}

test("a cancellation offers the time to a waiting patient, holds it, and the patient accepts from the link", async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1366, height: 1000 });
  await signIn(page, demo("frontdesk"));
  await nav(page).getByRole("link", { name: "Schedule" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Schedule" })).toBeVisible();

  const locations = await getJson<{ items: Item[] }>(page, "/api/locations?limit=200");
  const clinic = locations.items.find((l) => l.name === "Riverside Main Clinic") ?? locations.items[0]!;
  const tz = clinic.timeZone!;
  const types = await getJson<{ items: Item[] }>(page, "/api/appointment-types");
  const patients = await getJson<{ items: Item[] }>(page, "/api/patients?limit=50");

  // A booked visit a few days ahead (the last one, so the schedule spec's choice is left alone), and a
  // patient who is free at that time.
  const from = new Date(Date.now() + 50 * 3_600_000).toISOString();
  const to = new Date(Date.now() + 12 * 86_400_000).toISOString();
  const upcoming = await getJson<{ items: Appt[] }>(
    page,
    `/api/appointments?locationId=${clinic.id}&from=${from}&to=${to}&status=booked&limit=1000`,
  );
  const all = await getJson<{ items: Appt[] }>(page, `/api/appointments?from=${from}&to=${to}&limit=1000`);
  const busy = (patientId: string, a: Appt) =>
    all.items.some(
      (b) =>
        b.patientId === patientId &&
        b.status !== "cancelled" &&
        Date.parse(b.start) < Date.parse(a.end) &&
        Date.parse(a.start) < Date.parse(b.end),
    );
  let victim: Appt | undefined;
  let waiter: Item | undefined;
  for (const a of [...upcoming.items].reverse()) {
    waiter = patients.items.slice(10).find((p) => p.id !== a.patientId && !busy(p.id, a));
    if (waiter) {
      victim = a;
      break;
    }
  }
  expect(victim, "a booked visit to cancel and a free patient").toBeTruthy();
  const v = victim!;
  const w = waiter!;
  const typeName = types.items.find((t) => t.id === v.appointmentTypeId)!.name!;
  const day = localDate(v.start, tz);
  const nameOf = (p: Item) => `${p.familyName}, ${p.givenName}`;

  await page.goto(`/schedule?location=${clinic.id}`);
  const calendar = page.getByRole("region", { name: /^Calendar/ });
  await expect(calendar).toBeVisible();

  // 1. The patient waits for exactly that time of that day (nothing is free then, so no offer yet).
  await page.getByRole("tab", { name: "Waitlist" }).click();
  await page.getByRole("button", { name: "Add to waitlist" }).click();
  const add = page.getByRole("dialog", { name: "Add to the waitlist" });
  await add.getByLabel("Find patient").fill(w.familyName!);
  await add
    .getByRole("radio", { name: nameOf(w) })
    .first()
    .check();
  await add.getByRole("combobox", { name: "Visit type" }).click();
  await page.getByRole("option", { name: typeName, exact: true }).click();
  // The visit's practitioner (the option's label is their display name).
  const staff = await getJson<{ givenName: string; familyName: string }>(
    page,
    `/api/staff/${v.practitionerId}`,
  );
  await add.getByRole("combobox", { name: "Practitioner" }).click();
  await page
    .getByRole("option", { name: new RegExp(staff.familyName) })
    .first()
    .click();
  await add.getByLabel("Earliest day").fill(day);
  await add.getByLabel("Latest day").fill(day);
  await add.getByLabel("From time (optional)").fill(wall(v.start, tz));
  await add.getByLabel("To time (optional)").fill(wall(v.end, tz));
  await add.getByLabel("Priority").fill("10");
  const created = page.waitForResponse(
    (r) => r.url().endsWith("/api/waitlist") && r.request().method() === "POST",
  );
  await add.getByRole("button", { name: "Add to waitlist" }).click();
  const createdEntry = (await (await created).json()) as { id: string; status: string };
  expect(createdEntry.status).toBe("waiting");
  const entry = page.locator(`[data-entry-id="${createdEntry.id}"]`);
  await expect(entry).toContainText("Waiting");

  // 2. The front desk cancels the visit: the time is offered to the waiting patient and held for them.
  await page.getByLabel("Date", { exact: true }).fill(day);
  await calendar.locator(`[data-appointment-id="${v.id}"]`).click();
  const drawer = page.getByRole("dialog", { name: v.patientName });
  await drawer.getByRole("button", { name: "Cancel appointment" }).click();
  await drawer.getByRole("radio", { name: "Patient" }).check({ force: true });
  await drawer.getByLabel("Reason").fill("Patient called: travelling");
  await drawer.getByRole("button", { name: "Confirm cancellation" }).click();
  await expect(drawer.getByText(/Patient called: travelling/)).toBeVisible();
  await drawer.getByRole("button", { name: "Close details" }).click();
  const offer = entry.getByTestId("waitlist-offer");
  await expect(offer).toBeVisible();
  await expect(offer).toContainText("held for them until");
  const offerId = await offer.getAttribute("data-offer-id");
  expect(offerId).toBeTruthy();

  // 3. The slot finder no longer shows the held time (JSON API and the finder in the page).
  const slots = await getJson<{ items: { start: string }[] }>(
    page,
    `/api/slots?appointmentTypeId=${v.appointmentTypeId}&locationId=${clinic.id}&practitionerId=${v.practitionerId}&from=${v.start}&to=${v.end}`,
  );
  expect(slots.items.map((s) => s.start)).not.toContain(v.start);
  await page.getByRole("tab", { name: "Find a slot" }).click();
  const finder = page.getByRole("tabpanel", { name: "Find a slot" });
  await finder.getByRole("combobox", { name: "Visit type" }).click();
  await page
    .getByRole("option", { name: new RegExp(`^${typeName}`) })
    .first()
    .click();
  await finder.getByLabel("From").fill(day);
  await finder.getByLabel("To").fill(day);
  await finder.getByRole("button", { name: "Find open times" }).click();
  const openTimes = finder
    .getByRole("region", { name: "Open times" })
    .or(finder.getByText(/No open time in that range/));
  await expect(openTimes.first()).toBeVisible();
  const [hh, mm] = wall(v.start, tz).split(":");
  const shown = `${Number(hh) % 12 || 12}:${mm}`;
  const labels = await finder
    .getByRole("button")
    .evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? ""));
  expect(labels.filter((l) => l.startsWith(`${shown} `) && l.includes(staff.familyName))).toEqual([]);

  // 4. The patient opens the link in the message (no sign-in): a page with buttons; accepting books it.
  const link = new URL(offerLinkFromOutbox(offerId!));
  const patientContext = await browser.newContext({ baseURL });
  const patientPage = await patientContext.newPage();
  await patientPage.goto(`${link.pathname}${link.search}`);
  await expect(patientPage.getByRole("heading", { name: "An earlier appointment is open" })).toBeVisible();
  await patientPage.getByRole("button", { name: "Accept this time" }).click();
  await expect(
    patientPage.getByRole("heading", { name: "Thank you, your appointment is booked" }),
  ).toBeVisible();
  await patientContext.close();

  // 5. The front desk sees it: the appointment's drawer says the patient accepted the offer, by the link.
  await page.reload();
  await page.getByLabel("Date", { exact: true }).fill(day);
  const booked = await getJson<{ items: Appt[] }>(
    page,
    `/api/appointments?locationId=${clinic.id}&from=${v.start}&to=${v.end}&status=booked&limit=50`,
  );
  const filled = booked.items.find((a) => a.patientId === w.id && a.start === v.start)!;
  expect(filled, "the waiting patient's new appointment").toBeTruthy();
  await calendar.locator(`[data-appointment-id="${filled.id}"]`).click();
  const filledDrawer = page.getByRole("dialog", { name: nameOf(w) });
  await expect(
    filledDrawer.getByText(/Waitlist offer accepted by the patient, .* through the link in the (email|SMS)/),
  ).toBeVisible();
});
