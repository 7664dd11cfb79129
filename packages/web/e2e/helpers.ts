import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, type Page } from "@playwright/test";
import { generate } from "otplib";

/** The password the CLI gives every demo user when SALUS_DEMO_PASSWORD is set (see playwright.config.ts). */
export const PASSWORD = process.env.SALUS_DEMO_PASSWORD ?? "demo-password-for-tests-only";

export const demo = (name: string) => `${name}@demo.salus.test`;

export async function fillSignIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("textbox", { name: "Password", exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signIn(page: Page, email: string): Promise<void> {
  await fillSignIn(page, email);
  await expect(page.getByRole("heading", { level: 1, name: /^Welcome/ })).toBeVisible();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByText("You have signed out.")).toBeVisible();
}

export function nav(page: Page) {
  return page.getByRole("navigation", { name: "Main navigation" });
}

/** Saves a screenshot for the docs when SALUS_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SALUS_SCREENSHOTS !== "1") return;
  const dir = fileURLToPath(new URL("./screenshots/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: `${dir}${name}.png`, fullPage: true });
}

const STEP_MS = 30_000;
const lastStepBySecret = new Map<string, number>();

/**
 * A TOTP code for the secret. Salus refuses a code from a time step the user already used (replay
 * protection), so after a code was used this waits for the next 30-second step.
 */
export async function totp(secret: string): Promise<string> {
  const last = lastStepBySecret.get(secret);
  while (last !== undefined && Math.floor(Date.now() / STEP_MS) <= last) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const step = Math.floor(Date.now() / STEP_MS);
  lastStepBySecret.set(secret, step);
  return generate({ secret });
}
