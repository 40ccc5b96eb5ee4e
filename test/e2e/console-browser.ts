/** A real headless Chromium (playwright-core driving @sparticuz/chromium's binary) for the console's browser tests. */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import chromium from "@sparticuz/chromium";
import { chromium as playwright, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { totpCode } from "../../shared/console/totp.ts";
import { latestInviteLink } from "../../scripts/lib/email-outbox.ts";
import type { CallWorld } from "./call-harness.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Screenshots land here for a reviewer to look at (README copies a few from it). */
export const SCREENSHOT_DIR = `${ROOT}test-output/console`;
export const PASSWORD = "a long console password";
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

// Flags of the serverless build that would make this browser laxer than a user's: the same-origin policy stays on,
// and every context gets its own cookie jar (with --single-process, a page's fetch() sent another context's cookies).
const LAX_FLAGS = new Set(["--disable-web-security", "--allow-running-insecure-content", "--single-process"]);

export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args.filter((a) => !LAX_FLAGS.has(a)), headless: true });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core over the whole page: no serious or critical violation. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  // Evaluated over the DevTools protocol: the page's CSP (no inline scripts) stays on while axe runs.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  expect(violations, `axe on ${label}`).toEqual([]);
}

/** Nothing sticks out sideways: the page fits the viewport it is shown in. */
export async function expectNoSidewaysScroll(page: Page, label: string): Promise<void> {
  const { scroll, width, culprits } = await page.evaluate(() => {
    const width = window.innerWidth;
    // The innermost elements sticking out: what to fix when this fails.
    const culprits = Array.from(document.querySelectorAll("body *"))
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !Array.from(el.children).some((c) => c.getBoundingClientRect().right > width + 1))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? "").slice(0, 40)}"`);
    return { scroll: document.documentElement.scrollWidth, width, culprits };
  });
  expect(scroll, `${label} is wider than the ${width} px viewport: ${culprits.join("; ")}`).toBeLessThanOrEqual(width);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
}

/** Adds a user through the API and accepts their emailed invitation in the browser: they end up signed in. */
export async function inviteAndAccept(world: CallWorld, apiKey: string, page: Page, user: { email: string; role?: string; id?: string }): Promise<string> {
  const { baseUrl, operatorSecret } = world.platform;
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  const id = user.id ?? (await (await fetch(`${baseUrl}/v1/users`, { method: "POST", headers, body: JSON.stringify({ email: user.email, role: user.role }) })).json()).id;
  expect((await fetch(`${baseUrl}/v1/users/${id}/invitations`, { method: "POST", headers: { authorization: headers.authorization } })).status).toBe(202);
  await page.goto(await latestInviteLink(baseUrl, operatorSecret, user.email));
  await page.getByLabel("New password").fill(PASSWORD);
  await page.getByLabel("Repeat the password").fill(PASSWORD);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await page.getByRole("navigation", { name: "Console" }).waitFor();
  return id;
}

/** Signs in through the form; with TOTP on, types a code for the next 30 s step (the current one may be spent). */
export async function signIn(page: Page, baseUrl: string, email: string, totpSecret?: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel("Email").fill(email, { timeout: 10_000 }).catch(async (err) => {
    throw new Error(`no sign-in form; the page says: ${await page.locator("body").innerText()}`, { cause: err });
  });
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (totpSecret) {
    const field = page.getByLabel("Code from your authenticator app, or a recovery code");
    await field.fill(await totpCode(totpSecret, Date.now() + 30_000));
    await page.getByRole("button", { name: "Verify" }).click();
  }
  await page.getByRole("navigation", { name: "Console" }).waitFor();
}
