import { expect, type Page, test } from "@playwright/test";
import { demo, signIn } from "./helpers.ts";

// Scheduling integrity (issue 10, item 4) in the web app: with a visit type chosen, the calendar's white
// time is time that type can really be booked (an ECG needs the one ECG machine: where another visit holds
// it, no practitioner's column is white), and irreversible actions ask first: a no-show too early is
// refused with the time it can be marked from; a no-show marked by mistake can be undone.

interface Item {
  id: string;
  name?: string;
  timeZone?: string;
  familyName?: string;
  givenName?: string;
  kind?: string;
}
interface Appt {
  id: string;
  status: string;
  start: string;
  end: string;
  locationId: string;
  patientName: string;
}

async function getJson<T>(page: Page, path: string): Promise<T> {
  const response = await page.request.get(path);
  expect(response.ok(), `${path} answered ${response.status()}`).toBeTruthy();
  return (await response.json()) as T;
}

function localParts(instant: string, timeZone: string): { date: string; minutes: number } {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(instant));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return {
    date: `${get("year")}-${get("month")}-${get("day")}`,
    minutes: Number(get("hour")) * 60 + Number(get("minute")),
  };
}

/** The white segments of a calendar column, in local minutes (from their "Open 9:00 AM – 12:00 PM" titles). */
async function openSegments(page: Page, columnLabel: string): Promise<{ start: number; end: number }[]> {
  const titles = await page
    .getByTestId(`column-${columnLabel}`)
    .locator(".salus-cal-open")
    .evaluateAll((els) => els.map((e) => e.getAttribute("title") ?? ""));
  const minutes = (label: string) => {
    const m = /(\d+):(\d+) (AM|PM)/.exec(label)!;
    return ((Number(m[1]) % 12) + (m[3] === "PM" ? 12 : 0)) * 60 + Number(m[2]);
  };
  return titles.map((t) => {
    const [a, b] = t.replace("Open ", "").split(" – ");
    const end = minutes(b!);
    return { start: minutes(a!), end: end === 0 ? 24 * 60 : end };
  });
}

test("with a visit type chosen, white time is bookable time: no white where the equipment is taken", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1600, height: 1000 });
  // The manager opens a Saturday morning for two practitioners, so only the one ECG machine is scarce.
  await signIn(page, demo("manager"));
  const headers = { "x-csrf-token": await csrf(page) };
  const locations = await getJson<{ items: Item[] }>(page, "/api/locations?limit=200");
  const clinic = locations.items.find((l) => l.name === "Riverside Main Clinic") ?? locations.items[0]!;
  const tz = clinic.timeZone!;
  const types = await getJson<{ items: Item[] }>(page, "/api/appointment-types");
  const ecg = types.items.find((t) => t.name === "ECG")!;
  const staff = await getJson<{ items: Item[] }>(page, "/api/staff?limit=200");
  const person = (family: string) => staff.items.find((x) => x.familyName === family)!;
  const [p, q] = [person("Ramirez"), person("Okoye")];
  let saturday = "";
  for (let d = 8; d <= 14; d++) {
    const day = localParts(new Date(Date.now() + d * 86_400_000).toISOString(), tz).date;
    if (new Date(`${day}T12:00:00Z`).getUTCDay() === 6) saturday = day;
  }
  for (const who of [p, q]) {
    const r = await page.request.post("/api/availability/exceptions", {
      headers,
      data: {
        kind: "extra",
        resourceKind: "practitioner",
        resourceId: who.id,
        locationId: clinic.id,
        date: saturday,
        start: "08:00",
        end: "12:00",
        reason: "Saturday ECG clinic",
      },
    });
    expect(r.status(), await r.text()).toBe(201);
  }

  // An ECG with the first practitioner at 09:00 holds the machine 09:00-09:25 (5 minutes to clean up).
  const patients = await getJson<{ items: Item[] }>(page, "/api/patients?limit=50");
  const r = await page.request.post("/api/appointments", {
    headers,
    data: {
      patientId: patients.items[20]!.id,
      appointmentTypeId: ecg.id,
      locationId: clinic.id,
      practitionerId: p.id,
      when: { localDate: saturday, localTime: "09:00" },
    },
  });
  expect(r.status(), await r.text()).toBe(201);
  const booked = (await r.json()) as Appt;

  await page.goto(`/schedule?location=${clinic.id}&date=${saturday}`);
  const calendar = page.getByRole("region", { name: /^Calendar/ });
  await expect(calendar.locator(`[data-appointment-id="${booked.id}"]`)).toBeVisible({ timeout: 30_000 });
  const qLabel = `${q.givenName} ${q.familyName}`;
  const covers = (segs: { start: number; end: number }[], from: number, to: number) =>
    segs.some((s) => s.start <= from && to <= s.end);
  const nine = 9 * 60;
  // Without a type, the second practitioner's hours are white at 09:00…
  await expect.poll(async () => covers(await openSegments(page, qLabel), nine, nine + 20)).toBe(true);

  // …with ECG chosen they are not (the machine is taken), but they are before and after it.
  await page.getByRole("combobox", { name: "Open time for" }).click();
  await page.getByRole("option", { name: "ECG", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`type=${ecg.id}`));
  // One poll for the whole picture: while the type's open time loads the column may briefly show no white
  // at all, which would pass the first check and fail the others.
  await expect
    .poll(async () => {
      const segments = await openSegments(page, qLabel);
      return {
        nineTaken: !covers(segments, nine, nine + 20),
        openBefore: segments.some((s) => s.start <= 8 * 60 && s.end <= nine && s.end > 8 * 60),
        openAfter: segments.some((s) => s.start >= nine + 25 && s.start < 10 * 60),
      };
    })
    .toEqual({ nineTaken: true, openBefore: true, openAfter: true });
});

async function csrf(page: Page): Promise<string> {
  const session = await getJson<{ csrfToken?: string }>(page, "/api/auth/session");
  return session.csrfToken ?? "";
}

test("a no-show asks first, is refused before the grace period, and a mistaken one can be undone", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await signIn(page, demo("frontdesk"));
  const locations = await getJson<{ items: Item[] }>(page, "/api/locations?limit=200");
  const clinic = locations.items.find((l) => l.name === "Riverside Main Clinic") ?? locations.items[0]!;
  const tz = clinic.timeZone!;
  const now = Date.now();
  const list = await getJson<{ items: Appt[] }>(
    page,
    `/api/appointments?locationId=${clinic.id}&from=${new Date(now - 3 * 86_400_000).toISOString()}&to=${new Date(now + 7 * 86_400_000).toISOString()}&limit=1000`,
  );
  const future = list.items.find((a) => a.status === "booked" && Date.parse(a.start) > now + 3_600_000)!;
  const missed = list.items.find((a) => a.status === "noshow" && Date.parse(a.start) < now)!;
  expect(future && missed).toBeTruthy();

  // 1. A future visit: "No-show" asks first, then the server refuses it with the time it can be marked from.
  await page.goto(`/schedule?location=${clinic.id}&date=${localParts(future.start, tz).date}`);
  const calendar = page.getByRole("region", { name: /^Calendar/ });
  await calendar.locator(`[data-appointment-id="${future.id}"]`).click();
  const drawer = page.getByRole("dialog", { name: future.patientName });
  await drawer.getByRole("button", { name: "No-show" }).click();
  const confirm = page.getByRole("dialog", { name: "Mark as no-show?" });
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toBeHidden();
  await drawer.getByRole("button", { name: "No-show" }).click();
  await page
    .getByRole("dialog", { name: "Mark as no-show?" })
    .getByRole("button", { name: "Mark no-show" })
    .click();
  await expect(drawer.getByRole("alert")).toContainText("It is too early to mark this visit a no-show");
  await expect(drawer.getByRole("alert")).toContainText("It can be marked from then.");
  await page.keyboard.press("Escape");

  // 2. A no-show marked by mistake: Undo no-show asks first, then books it again.
  await page.goto(`/schedule?location=${clinic.id}&date=${localParts(missed.start, tz).date}`);
  await calendar.locator(`[data-appointment-id="${missed.id}"]`).click();
  const missedDrawer = page.getByRole("dialog", { name: missed.patientName });
  await missedDrawer.getByRole("button", { name: "Undo no-show" }).click();
  const undo = page.getByRole("dialog", { name: "Undo this no-show?" });
  await expect(undo).toContainText("any no-show fee recorded for it is reversed");
  const answered = page.waitForResponse((r) =>
    r.url().endsWith(`/api/appointments/${missed.id}/undo-no-show`),
  );
  await undo.getByRole("button", { name: "Undo no-show" }).click();
  expect((await answered).status()).toBe(200);
  await expect(page.locator(".mantine-Notification-title", { hasText: "No-show undone" })).toBeVisible();
  await expect(calendar.locator(`[data-appointment-id="${missed.id}"]`)).toHaveAttribute(
    "data-status",
    "booked",
  );
});
