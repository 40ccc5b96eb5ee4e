import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoTenant } from "../../scripts/lib/demo-tenant.ts";
import { tenantFor, worldPerFile } from "./call-harness.ts";
import { DESKTOP, expectAccessible, inviteAndAccept, launchBrowser, screenshot } from "./console-browser.ts";

/**
 * "Call me" in a real browser: a developer proves their own number with the texted code, presses "Call me" on the
 * agent's page, the simulated Twilio places the agent's call to that number, and the developer watches the call's
 * transcript live from the page's link.
 */
const world = worldPerFile();
let browser: Browser;
let tenant: DemoTenant;
// Outside the US: no calling-hours window depends on when the test runs.
const OWN = "+442071838751";

beforeAll(async () => {
  browser = await launchBrowser();
  tenant = await tenantFor(world);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** The last code the simulated Twilio texted to `to`, read where the user's phone would show it. */
function textedCode(to: string): string | undefined {
  const sent = world.platform.sims.twilio.state.messages.all().filter((m) => m.to === to);
  return /\b(\d{6})\b/.exec(sent.at(-1)?.body ?? "")?.[1];
}

describe("Call me", () => {
  it("a user verifies their own number, presses Call me, the agent calls that number, and its live transcript appears", async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: "en-GB", timezoneId: "UTC" });
    const page = await context.newPage();
    await inviteAndAccept(world, tenant.apiKey, page, { email: `tester-${crypto.randomUUID()}@acme.example`, role: "developer" });
    await page.goto(`${world.platform.baseUrl}/console/agents/${tenant.agentId}`);

    await page.getByLabel("Your phone number").fill(OWN);
    await page.getByRole("button", { name: "Text me a code" }).click();
    await expect.poll(() => textedCode(OWN), { timeout: 10_000 }).toMatch(/^\d{6}$/);
    await page.getByLabel(`Code texted to ${OWN}`).fill(textedCode(OWN)!);
    await page.getByRole("button", { name: "Verify number" }).click();
    await expect.poll(() => page.getByTestId("own-phone").textContent()).toBe(`Your number: ${OWN}`);
    await expectAccessible(page, "agent page with Call me");

    await page.getByRole("button", { name: "Call me" }).click();
    const shown = page.getByTestId("self-test-call");
    await shown.waitFor();
    const callId = /CAL-\w+/.exec((await shown.textContent())!)![0];
    const dialled = () => world.platform.sims.twilio.listCalls().find((c) => c.to === OWN);
    await expect.poll(dialled, { timeout: 10_000 }).toMatchObject({ to: OWN, from: tenant.number, direction: "outbound-api" });
    const call = await tenant.api.get(`/v1/calls/${callId}`);
    expect(call).toMatchObject({ to: OWN, twilio_call_sid: dialled()!.callSid });
    await screenshot(page, "agent-call-me");

    // The call placed from the console, watched live from its link: the agent's greeting streams in.
    await shown.getByRole("link", { name: callId }).click();
    await page.getByTestId("live-transcript").getByText("thanks for calling Acme Dental").waitFor({ timeout: 30_000 });

    await world.platform.sims.twilio.hangUp(dialled()!.callSid);
    await world.platform.sims.twilio.waitForCallEnd(dialled()!.callSid);
    await context.close();
  }, 90_000);
});
