import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, type Page, test } from "@playwright/test";
import { demo, nav, signIn } from "./helpers.ts";

// The front desk's day: book a patient into an open slot, reschedule the visit (a drag onto a taken time is
// refused and snaps back; the slot finder moves it), cancel another visit and fill the freed time from the
// waitlist by accepting the offer Salus made in the same step.

interface Item {
  id: string;
  name?: string;
  timeZone?: string;
  familyName?: string;
  givenName?: string;
  patientKind?: string;
  durationMinutes?: number;
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

function localDate(instant: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(instant));
}

/** A notification by its title. */
function toast(page: Page, title: string | RegExp) {
  return page
    .locator(".mantine-Notification-root")
    .filter({ has: page.locator(".mantine-Notification-title", { hasText: title }) })
    .first();
}

async function docsScreenshot(page: Page): Promise<void> {
  if (process.env.SALUS_SCREENSHOTS !== "1") return;
  const dir = fileURLToPath(new URL("../../../docs/images/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: `${dir}schedule.png`, fullPage: false });
}

test("the front desk books, reschedules, cancels and fills a cancellation from the waitlist", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1366, height: 1000 });
  await signIn(page, demo("frontdesk"));
  await nav(page).getByRole("link", { name: "Schedule" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Schedule" })).toBeVisible();
  await expect(
    page.getByRole("region", { name: /^Calendar/ }).or(page.getByText(/No practitioner or room/)),
  ).toBeVisible();

  // The demo practice's main clinic, its visit types and two patients.
  const locations = await getJson<{ items: Item[] }>(page, "/api/locations?limit=200");
  const clinic = locations.items.find((l) => l.name === "Riverside Main Clinic") ?? locations.items[0]!;
  const tz = clinic.timeZone!;
  const types = await getJson<{ items: Item[] }>(page, "/api/appointment-types");
  const physical =
    types.items.find((t) => t.patientKind === "any" && t.name === "Annual physical") ??
    types.items.find((t) => t.patientKind === "any")!;
  const patients = await getJson<{ items: Item[] }>(page, "/api/patients?limit=50");
  const [booker, waiter] = [patients.items[3]!, patients.items[7]!];
  const nameOf = (p: Item) => `${p.familyName}, ${p.givenName}`;

  await page.goto(`/schedule?location=${clinic.id}`);
  await expect(page.getByText(`${clinic.name} · times in the clinic's zone`)).toBeVisible();
  const calendar = page.getByRole("region", { name: /^Calendar/ });
  await expect(calendar).toBeVisible();

  // 1. Book from the slot finder.
  const finder = page.getByRole("tabpanel", { name: "Find a slot" });
  await finder.getByRole("combobox", { name: "Visit type" }).click();
  await page.getByRole("option", { name: new RegExp(`^${physical.name}`) }).click();
  const today = localDate(new Date().toISOString(), tz);
  const plus = (days: number) =>
    new Date(Date.parse(`${today}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  await finder.getByLabel("From").fill(plus(1));
  await finder.getByLabel("To").fill(plus(21));
  await finder.getByRole("button", { name: "Find open times" }).click();
  const openTimes = finder.getByRole("region", { name: "Open times" });
  await expect(openTimes).toBeVisible();
  await openTimes.getByRole("button").first().click();

  const dialog = page.getByRole("dialog", { name: "Book an appointment" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Find patient").fill(booker.familyName!);
  await dialog
    .getByRole("radio", { name: nameOf(booker) })
    .first()
    .check();
  const booked = page.waitForResponse(
    (r) => r.url().endsWith("/api/appointments") && r.request().method() === "POST",
  );
  await dialog.getByRole("button", { name: "Book" }).click();
  const appointment = (await (await booked).json()) as Appt;
  expect(appointment.patientName).toBe(nameOf(booker));
  await expect(toast(page, "Booked")).toBeVisible();
  await expect(dialog).toBeHidden();
  // The calendar moved to the booked day and shows the visit.
  const block = calendar.locator(`[data-appointment-id="${appointment.id}"]`);
  await expect(block).toBeVisible();
  // The times are the clinic's, and say so (its zone's short name, e.g. CST).
  const zoneName = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "short" })
    .formatToParts(new Date(appointment.start))
    .find((p) => p.type === "timeZoneName")!.value;
  await expect(block).toHaveAccessibleName(
    new RegExp(`^${nameOf(booker)}, ${physical.name}, .* ${zoneName.replace("+", "\\+")}, Booked`),
  );
  await docsScreenshot(page);

  // 2a. Drag it onto another visit of the same practitioner: refused, and it snaps back.
  const column = calendar.locator(".salus-cal-col").filter({ has: block });
  const others = column
    .locator('.salus-cal-block[data-status="booked"]')
    .filter({ hasNot: page.locator(`[data-appointment-id="${appointment.id}"]`) });
  const before = await block.boundingBox();
  if ((await others.count()) > 0 && before) {
    const target = (await others.first().boundingBox())!;
    await page.mouse.move(before.x + 10, before.y + 5);
    await page.mouse.down();
    await page.mouse.move(before.x + 10, before.y + 25, { steps: 3 });
    await page.mouse.move(before.x + 10, target.y + 5, { steps: 5 });
    await page.mouse.up();
    await expect(toast(page, "Not moved")).toBeVisible();
    await expect.poll(async () => (await block.boundingBox())?.y).toBe(before.y);
  }

  // 2b. Reschedule from the details: pick a new time in the finder.
  await block.click();
  const drawer = page.getByRole("dialog", { name: nameOf(booker) });
  await expect(drawer.getByText("Booked", { exact: true })).toBeVisible();
  await drawer.getByRole("button", { name: "Reschedule" }).click();
  await expect(finder.getByText(`Rescheduling ${nameOf(booker)}`)).toBeVisible();
  await finder.getByLabel("From").fill(plus(2));
  await finder.getByLabel("To").fill(plus(30));
  await finder.getByRole("button", { name: "Find open times" }).click();
  const moved = page.waitForResponse((r) =>
    r.url().includes(`/api/appointments/${appointment.id}/reschedule`),
  );
  await openTimes.getByRole("button").last().click();
  const movedTo = (await (await moved).json()) as Appt;
  expect(movedTo.start).not.toBe(appointment.start);
  await expect(toast(page, "Rescheduled")).toBeVisible();
  await expect(calendar.locator(`[data-appointment-id="${appointment.id}"]`)).toBeVisible();

  // 3. Cancel another visit (a booked one of the same kind in the coming days) for the patient…
  const from = new Date(Date.now() + 26 * 3_600_000).toISOString();
  const to = new Date(Date.now() + 10 * 86_400_000).toISOString();
  const upcoming = await getJson<{ items: Appt[] }>(
    page,
    `/api/appointments?locationId=${clinic.id}&from=${from}&to=${to}&status=booked&limit=500`,
  );
  const victim = upcoming.items.find(
    (a) => a.appointmentTypeId === physical.id && a.id !== appointment.id && a.patientId !== waiter.id,
  )!;
  expect(victim, "a booked visit to cancel").toBeTruthy();
  const victimDay = localDate(victim.start, tz);

  // …after putting a patient on the waitlist for that day, first in line.
  await page.getByRole("tab", { name: "Waitlist" }).click();
  await page.getByRole("button", { name: "Add to waitlist" }).click();
  const add = page.getByRole("dialog", { name: "Add to the waitlist" });
  await add.getByLabel("Find patient").fill(waiter.familyName!);
  await add
    .getByRole("radio", { name: nameOf(waiter) })
    .first()
    .check();
  await add.getByRole("combobox", { name: "Visit type" }).click();
  await page.getByRole("option", { name: physical.name!, exact: true }).click();
  const doctor = await getJson<{ familyName: string }>(page, `/api/staff/${victim.practitionerId}`);
  await add.getByRole("combobox", { name: "Practitioner" }).click();
  await page
    .getByRole("option", { name: new RegExp(doctor.familyName) })
    .first()
    .click();
  await add.getByLabel("Earliest day").fill(victimDay);
  await add.getByLabel("Latest day").fill(victimDay);
  // With that practitioner at exactly the victim's time: a time already free would be offered at once (issue 10, item 5).
  const wall = (instant: string) =>
    new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(new Date(instant));
  await add.getByLabel("From time (optional)").fill(wall(victim.start));
  await add.getByLabel("To time (optional)").fill(wall(victim.end));
  await add.getByLabel("Priority").fill("10");
  const created = page.waitForResponse(
    (r) => r.url().endsWith("/api/waitlist") && r.request().method() === "POST",
  );
  await add.getByRole("button", { name: "Add to waitlist" }).click();
  const entryId = ((await (await created).json()) as { id: string }).id;
  await expect(add).toBeHidden();
  const entry = page.locator(`[data-entry-id="${entryId}"]`);
  await expect(entry).toContainText("Waiting");

  await page.getByLabel("Date", { exact: true }).fill(victimDay);
  const victimBlock = calendar.locator(`[data-appointment-id="${victim.id}"]`);
  await victimBlock.click();
  const victimDrawer = page.getByRole("dialog", { name: victim.patientName });
  await victimDrawer.getByRole("button", { name: "Cancel appointment" }).click();
  await victimDrawer.getByRole("radio", { name: "Patient" }).check({ force: true });
  await victimDrawer.getByLabel("Reason").fill("Patient called: travelling");
  await expect(victimDrawer.getByText(/^Not late|^This is a late cancellation/)).toBeVisible();
  await victimDrawer.getByRole("button", { name: "Confirm cancellation" }).click();
  await expect(toast(page, /^Cancelled/)).toBeVisible();
  await expect(victimDrawer.getByText(/Patient called: travelling \((late|not late)\)/)).toBeVisible();
  await victimDrawer.getByRole("button", { name: "Close details" }).click();
  await expect(victimBlock).toBeHidden();

  // 4. The offer is on the waitlist: accept it; the freed time is booked for the waiting patient.
  const offer = entry.getByTestId("waitlist-offer");
  await expect(offer).toBeVisible();
  await expect(entry).toContainText("Offered");
  const accepted = page.waitForResponse((r) => /\/api\/waitlist\/offers\/[^/]+\/accept$/.test(r.url()));
  await offer.getByRole("button", { name: `Accept offer for ${nameOf(waiter)}` }).click();
  const filled = (await (await accepted).json()) as Appt;
  expect(filled.patientName).toBe(nameOf(waiter));
  expect(filled.start).toBe(victim.start);
  await expect(toast(page, "Offer accepted")).toBeVisible();
  await expect(calendar.locator(`[data-appointment-id="${filled.id}"]`)).toHaveAccessibleName(
    new RegExp(`^${nameOf(waiter)}`),
  );
  await expect(entry).toHaveCount(0);
});
