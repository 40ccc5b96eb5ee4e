import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DemoTenant } from "../../scripts/lib/demo-tenant.ts";
import { PlatformClient } from "../../scripts/lib/platform-client.ts";
import { startWebhookReceiver } from "../../scripts/lib/webhook-receiver.ts";
import { awaitingReplies, DEMO_CALLER, DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";
import { DESKTOP, expectAccessible, expectNoSidewaysScroll, inviteAndAccept, launchBrowser, PHONE, screenshot, signIn } from "./console-browser.ts";

/**
 * The console in a real browser against the whole local platform: one tenant with the demo agent and one finished
 * call; its owner signs in with TOTP, edits agents and reads the call; a viewer is shown no edit controls and the
 * API refuses what the page would not offer.
 */
const world = worldPerFile();
let browser: Browser;
let tenant: DemoTenant;
let callId: string;
/** The call watched live, then played back. */
let liveCallId: string;
/** The owner's signed-in browser (a TOTP code works once, so the owner signs in once and the tests share it). */
let owner: Page;

async function ownerPage(): Promise<Page> {
  const page = await owner.context().newPage();
  await page.setViewportSize(DESKTOP);
  await page.goto(`${world.platform.baseUrl}/console/`);
  await page.getByRole("navigation", { name: "Console" }).waitFor();
  return page;
}

async function newPage(viewport = DESKTOP): Promise<Page> {
  // An explicit locale: the machine's (POSIX) one is no language tag Intl accepts.
  const context = await browser.newContext({ viewport, locale: "en-GB", timezoneId: "UTC" });
  return context.newPage();
}

beforeAll(async () => {
  browser = await launchBrowser();
  world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
  tenant = await tenantFor(world);
  callId = (await placeInboundCall(world, tenant, DEMO_CALLER)).call.id;
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("tenant console in a browser", () => {
  it("the owner accepts the invitation, turns on TOTP, and signs in again with password and code", async () => {
    const user = (await tenant.api.get("/v1/users")).data.find((u: { role: string }) => u.role === "owner");
    const page = await newPage();
    await inviteAndAccept(world, tenant.apiKey, page, { id: user.id, email: user.email });
    await page.getByRole("link", { name: "Security" }).click();
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    const totpSecret = (await page.getByTestId("totp-secret").textContent())!;
    const { totpCode } = await import("../../shared/console/totp.ts");
    await page.getByLabel("The 6-digit code it shows").fill(await totpCode(totpSecret, Date.now()));
    await page.getByRole("button", { name: "Turn on" }).click();
    await expect.poll(() => page.locator(".codes li").count()).toBe(10);
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();

    const cookies = await page.context().cookies();
    expect(cookies.filter((c) => c.name === "__Host-console_session")).toEqual([]);
    const next = await newPage();
    await signIn(next, world.platform.baseUrl, user.email, totpSecret);
    const [session] = (await next.context().cookies(world.platform.baseUrl)).filter((c) => c.name === "__Host-console_session");
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    // The page keeps its bearer token in memory only.
    expect(await next.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);
    await expect.poll(() => next.getByRole("heading", { name: "Overview" }).isVisible()).toBe(true);
    owner = next;
  }, 90_000);

  it("creates an agent, showing a bad value at its field, then publishes it", async () => {
    const page = await ownerPage();
    await page.getByRole("link", { name: "Agents", exact: true }).click();
    await page.getByRole("link", { name: "New agent" }).click();
    await page.getByLabel("Name").fill("Console-made agent");
    await page.getByLabel("Temperature").fill("7");
    await page.getByRole("button", { name: "Create agent" }).click();
    const fieldError = page.locator("#cfg-llm-temperature-error");
    await expect.poll(() => fieldError.textContent()).toMatch(/1/);
    expect(await page.getByLabel("Temperature").getAttribute("aria-invalid")).toBe("true");
    await expectAccessible(page, "agent editor with a field error");

    await page.getByLabel("Temperature").fill("0.3");
    await page.getByRole("button", { name: "Create agent" }).click();
    await expect.poll(async () => (await page.locator(".problem").allTextContents()).join() || page.url()).toMatch(/\/console\/agents\/AGT-/);
    await page.getByRole("button", { name: "Publish" }).click();
    await expect.poll(() => page.getByTestId("live-version").textContent()).toBe("Live: version 1");
    const agentId = /AGT-\w+/.exec(page.url())![0];
    expect(await tenant.api.get(`/v1/agents/${agentId}`)).toMatchObject({ name: "Console-made agent", live_version: 1, draft: { llm: { temperature: 0.3 } } });
  }, 60_000);

  it("the finished call's page shows the transcript and a waterfall with each turn's stored timings", async () => {
    const call = await tenant.api.get(`/v1/calls/${callId}`);
    const page = await ownerPage();
    await page.getByRole("link", { name: "Calls", exact: true }).click();
    await page.getByRole("link", { name: callId }).click();
    await page.getByRole("heading", { name: "Latency per turn" }).waitFor();

    const timed = (call.turns as { seq: number; role: string; timings: Record<string, number> | null }[]).filter((t) => t.role === "agent" && t.timings?.first_audio_sent_ms != null);
    expect(timed.length).toBeGreaterThanOrEqual(4);
    for (const turn of timed) {
      const section = page.getByTestId(`waterfall-${turn.seq}`);
      for (const mark of ["stt_final_ms", "llm_first_token_ms", "tts_first_byte_ms", "first_audio_sent_ms"]) {
        if (turn.timings![mark] == null) continue;
        const cell = section.locator(`tr[data-stage="${mark}"] td`).nth(1);
        expect(Number(await cell.getAttribute("data-ms")), `turn ${turn.seq} ${mark}`).toBe(turn.timings![mark]);
      }
    }
    // Drawn to scale: the turn with the longest voice-to-voice has the widest bar track filled.
    const slowest = timed.reduce((a, b) => (b.timings!.first_audio_sent_ms! > a.timings!.first_audio_sent_ms! ? b : a));
    const lastBar = page.getByTestId(`waterfall-${slowest.seq}`).locator(".bar").last();
    const [left, width] = await lastBar.evaluate((el) => [parseFloat((el as HTMLElement).style.left), parseFloat((el as HTMLElement).style.width)]);
    expect(left! + width!).toBeCloseTo(100, 0);
    expect(await page.locator(".transcript li").count()).toBe(call.turns.length);
    await screenshot(page, "call-desktop");
    await expectAccessible(page, "call page");

    await page.setViewportSize(PHONE);
    await expectNoSidewaysScroll(page, "call page at 390 px");
    await screenshot(page, "call-phone");
  }, 60_000);

  it("tops up through the simulated Checkout and sees the balance rise", async () => {
    await PlatformClient.operator(world.platform.baseUrl, world.platform.operatorSecret).request("PATCH", `/v1/operator/accounts/${tenant.accountId}/billing`, { mode: "prepaid" });
    // Postings other than the top-up (earlier calls' analysis charges) may land meanwhile: they are counted from
    // the ledger, after the newest posting seen now.
    // The balance and the newest posting are read until no posting landed between the two reads.
    const newestPosting = async () => ((await tenant.api.get("/v1/billing/ledger?limit=1")).data[0]?.id as number | undefined) ?? 0;
    let lastPosting: number, before: number;
    do [lastPosting, before] = [await newestPosting(), (await tenant.api.get("/v1/billing")).balance_minor as number];
    while ((await newestPosting()) !== lastPosting);
    const postingsSince = async () => ((await tenant.api.get("/v1/billing/ledger?limit=100")).data as { id: number; kind: string; balance_effect_minor: number }[]).filter((p) => p.id > lastPosting);
    const page = await ownerPage();
    await page.getByRole("link", { name: "Billing" }).click();
    const balance = page.getByTestId("balance");
    const shown = (await balance.textContent())!;
    await page.getByLabel("Amount (USD)").fill("25");
    await page.getByRole("button", { name: "Top up through Checkout" }).click();
    // Stripe's hosted page (the simulator's): pay with the default test card; Stripe sends the browser back.
    await page.getByRole("button", { name: "Pay 25.00 USD" }).click();
    await page.waitForURL(/\/console\/billing\?checkout=cs_test_/);
    await expect.poll(() => balance.textContent(), { timeout: 30_000 }).not.toBe(shown);
    expect((await postingsSince()).filter((p) => p.kind === "top_up").map((p) => p.balance_effect_minor)).toEqual([2500]);
    const balanceNow = async () => {
      const [since, billing] = [await postingsSince(), await tenant.api.get("/v1/billing")];
      return { moved: billing.balance_minor - before, posted: since.reduce((sum, p) => sum + p.balance_effect_minor, 0), balance: billing.balance_minor as number };
    };
    await expect.poll(async () => { const { moved, posted } = await balanceNow(); return moved - posted; }, { timeout: 30_000 }).toBe(0);
    // The page shows the API's balance (read again, since a charge may have landed after the page saw the credit).
    await page.reload();
    await expect.poll(async () => (await balance.textContent())!.includes(((await balanceNow()).balance / 100).toFixed(2)), { timeout: 30_000 }).toBe(true);
    await expectAccessible(page, "billing page after a top-up");
    // The month's statement, fetched with the page's bearer token and saved as a PDF.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download statement (PDF)" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^statement-\d{4}-\d{2}\.pdf$/);
    expect((await readFile((await download.path())!)).subarray(0, 5).toString()).toBe("%PDF-");
    await screenshot(page, "billing-desktop");
    await page.setViewportSize(PHONE);
    await expectNoSidewaysScroll(page, "billing page at 390 px");
    await screenshot(page, "billing-phone");
  }, 90_000);

  it("replays a failed webhook delivery once its endpoint is enabled again", async () => {
    const receiver = await startWebhookReceiver({ print: () => {} });
    try {
      const page = await ownerPage();
      await page.getByRole("link", { name: "Webhooks" }).click();
      await page.getByLabel("URL (HTTPS)").fill(receiver.url);
      // A type the catalogue does not have: the API's issue shows at the field.
      await page.getByLabel("Event types").fill("call.nonsense");
      await page.getByRole("button", { name: "Add endpoint" }).click();
      await page.locator("#wh-events-error").waitFor();
      expect(await page.getByLabel("Event types").getAttribute("aria-invalid")).toBe("true");
      await page.getByLabel("Event types").fill("call.ended");
      await page.getByRole("button", { name: "Add endpoint" }).click();
      receiver.setSecret((await page.getByTestId("endpoint-secret").textContent())!);
      await page.getByRole("button", { name: `Disable ${receiver.url}` }).click();
      await page.getByRole("button", { name: `Enable ${receiver.url}` }).waitFor();

      // A ping to the disabled endpoint is refused at once and not retried: a failed delivery.
      const endpoint = (await tenant.api.get("/v1/webhooks/endpoints")).data.find((e: { url: string }) => e.url === receiver.url);
      const { message_id } = await tenant.api.post(`/v1/webhooks/endpoints/${endpoint.id}/ping`);
      await vi.waitFor(async () => expect((await tenant.api.get(`/v1/webhooks/deliveries/${message_id}`)).status).toBe("failed"), { timeout: 30_000, interval: 250 });

      await page.getByRole("button", { name: `Enable ${receiver.url}` }).click();
      await page.getByRole("button", { name: `Disable ${receiver.url}` }).waitFor();
      await page.getByLabel("Status", { exact: true }).selectOption("failed");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await page.getByRole("button", { name: `Replay ${message_id}` }).click();
      await page.getByText(`Delivery ${message_id} sent again.`).waitFor();
      // The same message (same webhook-id), signed, now reaches the receiver.
      await vi.waitFor(() => expect(receiver.received.find((r) => r.webhookId === message_id)?.verified).toBe(true), { timeout: 30_000, interval: 250 });
      await page.getByLabel("Status", { exact: true }).selectOption("succeeded");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => page.getByTestId(`delivery-status-${message_id}`).textContent(), { timeout: 15_000 }).toBe("succeeded");
      await expectAccessible(page, "webhooks page");
    } finally {
      await receiver.close();
    }
  }, 90_000);

  it("publishes a changed draft, diffs two versions, and rolls back", async () => {
    const agent = await tenant.api.get(`/v1/agents/${tenant.agentId}`);
    const page = await ownerPage();
    await page.goto(`${world.platform.baseUrl}/console/agents/${tenant.agentId}`);
    await page.getByLabel("First message").fill("Hello from the new version.");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText("Draft saved.").waitFor();
    await page.getByRole("link", { name: "Versions" }).click();
    await page.getByRole("button", { name: "Publish the draft" }).click();
    const latest = agent.latest_version + 1;
    await expect.poll(() => page.getByTestId("live-version").textContent()).toBe(`Live: version ${latest}`);

    await page.getByLabel("From", { exact: true }).selectOption(String(agent.live_version));
    await page.getByLabel("To", { exact: true }).selectOption(String(latest));
    const diff = page.getByTestId("config-diff");
    await expect.poll(() => diff.locator(".diff-add").allTextContents()).toEqual([expect.stringContaining('"first_message": "Hello from the new version."')]);
    expect(await diff.locator(".diff-del").allTextContents()).toEqual([expect.stringContaining(JSON.stringify(agent.draft.first_message))]);
    await expectAccessible(page, "agent versions with a diff");

    await page.getByRole("button", { name: `Roll back to version ${agent.live_version}` }).click();
    await expect.poll(() => page.getByTestId("live-version").textContent()).toBe(`Live: version ${agent.live_version}`);
    expect((await tenant.api.get(`/v1/agents/${tenant.agentId}`)).live_version).toBe(agent.live_version);
  }, 60_000);

  it("buys a number, attaches it to an agent, and releases it; a refused import reads as the API's message", async () => {
    const page = await ownerPage();
    await page.getByRole("link", { name: "Numbers" }).click();
    await page.getByLabel("Area code").fill("415");
    await page.getByRole("button", { name: "Search" }).click();
    const buy = page.getByRole("button", { name: /^Buy \+1415/ }).first();
    const e164 = (await buy.getAttribute("aria-label"))!.slice("Buy ".length);
    await buy.click();
    await page.getByText(`Bought ${e164}.`).waitFor();
    await page.getByLabel(`Agent for ${e164}`).selectOption({ label: "Front desk (demo)" });
    await page.getByText(`${e164} now routes to Front desk (demo).`).waitFor();
    const mine = async () => (await tenant.api.get("/v1/phone-numbers?limit=100")).data.find((n: { e164: string }) => n.e164 === e164);
    expect(await mine()).toMatchObject({ agent_id: tenant.agentId, status: "active", source: "twilio" });
    await expectAccessible(page, "numbers page with search results");
    await page.getByRole("button", { name: `Release ${e164}` }).click();
    await page.getByText(`${e164} released.`).waitFor();
    expect((await mine()).status).toBe("released");

    await page.getByLabel("Number (E.164)").fill("12345");
    await page.getByRole("button", { name: "Import" }).click();
    await expect.poll(() => page.locator(".problem").textContent()).toMatch(/e164/);
  }, 60_000);

  it("watches a call's transcript live; a viewer sees it without controls; the supervisor hangs up", async () => {
    // The call is recorded, for the player test that follows; the agent waits out the caller's long silence
    // (the ×3 call clock would otherwise end the call on its silence timeout before the supervisor acts).
    const agent = await tenant.api.get(`/v1/agents/${tenant.agentId}`);
    const patch = { recording: { enabled: true, disclosure: "This call is recorded." }, silence_timeout_s: 120, silence_reprompts: 3 };
    await tenant.api.request("PATCH", `/v1/agents/${tenant.agentId}`, { config: { ...agent.draft, ...patch } });
    await tenant.api.post(`/v1/agents/${tenant.agentId}/publish`);
    const page = await ownerPage();
    await page.getByRole("link", { name: "Live calls" }).click();
    await page.getByText("No calls in progress.").waitFor();

    // The caller asks one question, then stays on the line until the supervisor hangs up.
    const handle = await world.platform.sims.twilio.startInboundCall({
      to: tenant.number,
      script: awaitingReplies({ maxDurationMs: 600_000, steps: [{ waitForAgent: true, replies: 2 }, { say: "What are your opening hours?" }, { waitForAgent: true }, { pause: 600_000 }] }),
    });
    const link = page.getByRole("table", { name: "Calls in progress" }).getByRole("link");
    await link.waitFor({ timeout: 30_000 });
    liveCallId = (await link.textContent())!;
    await link.click();
    // The caller's question, then the agent's answer (the demo scenario's hours), as each turn finishes.
    await expect.poll(() => page.locator("main").innerText(), { timeout: 45_000 }).toMatch(/What are your opening hours\?[\s\S]*open Monday to Friday/);
    await expectAccessible(page, "live call page");
    await screenshot(page, "live-call-desktop");
    await page.setViewportSize(PHONE);
    await expectNoSidewaysScroll(page, "live call page at 390 px");
    await screenshot(page, "live-call-phone");
    await page.setViewportSize(DESKTOP);

    // A viewer watches the same call: the transcript, but no supervisor controls, and the API refuses a forged hang-up.
    const viewer = await newPage();
    await inviteAndAccept(world, tenant.apiKey, viewer, { email: "watcher@acme.example", role: "viewer" });
    await viewer.goto(`${world.platform.baseUrl}/console/live/${liveCallId}`);
    await viewer.getByTestId("live-transcript").getByText("What are your opening hours?").waitFor({ timeout: 30_000 });
    expect(await viewer.getByRole("button", { name: /Hang up|Transfer/ }).count()).toBe(0);
    const forged = await viewer.evaluate(async (id) => {
      const { csrf_token } = await (await fetch("/console/api/session")).json();
      const { token } = await (await fetch("/console/api/token", { method: "POST", headers: { "x-csrf-token": csrf_token } })).json();
      return (await fetch(`/v1/calls/${id}/hangup`, { method: "POST", headers: { authorization: `Bearer ${token}` } })).status;
    }, liveCallId);
    expect(forged).toBe(403);

    // The transfer form reports the API's field error; then the supervisor hangs up, and the live view says so.
    await page.getByLabel("Transfer to").fill("not a number");
    await page.getByRole("button", { name: "Transfer" }).click();
    await expect.poll(() => page.locator("#transfer-to-error").textContent()).toBeTruthy();
    await page.getByRole("button", { name: "Hang up", exact: true }).click();
    await page.getByRole("button", { name: "Hang up now" }).click();
    await page.getByTestId("live-status").getByText("The call has ended").waitFor({ timeout: 30_000 });
    expect(await page.getByRole("button", { name: /Hang up/ }).count()).toBe(0);
    await handle.ended;
    const ended = await tenant.api.get(`/v1/calls/${liveCallId}`);
    expect(ended.events.map((e: { type: string }) => e.type)).toContain("call.hangup_requested");
  }, 120_000);

  it("plays the finished call's recording, and a click on a turn seeks the player there", async () => {
    const call = await vi.waitFor(
      async () => {
        const c = await tenant.api.get(`/v1/calls/${liveCallId}`);
        if (c.recording_status !== "completed") throw new Error(`recording ${c.recording_status}`);
        return c;
      },
      { timeout: 30_000, interval: 200 },
    );
    const page = await ownerPage();
    await page.goto(`${world.platform.baseUrl}/console/calls/${liveCallId}`);
    const audio = page.locator("audio.recording");
    await audio.waitFor();
    await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.duration), { timeout: 15_000 }).toBeGreaterThan(0);
    await audio.evaluate((el: HTMLAudioElement) => el.play());
    await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime), { timeout: 15_000 }).toBeGreaterThan(0);
    await audio.evaluate((el: HTMLAudioElement) => el.pause());

    // The caller's question, seconds into the recording: call-clock seconds since recording started.
    const question = call.turns.find((t: { role: string; text: string }) => t.role === "caller" && /opening hours/.test(t.text));
    const startedAt = call.events.find((e: { type: string }) => e.type === "recording.started").at;
    const expected = ((Date.parse(question.started_at) - Date.parse(startedAt)) * call.metrics.clock_speed) / 1000;
    const turn = page.locator(`.transcript li[data-seq="${question.seq}"]`);
    await turn.getByRole("button").click();
    await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime), { timeout: 10_000 }).toBeCloseTo(expected, 1);
    await expect.poll(() => turn.getAttribute("aria-current"), { timeout: 10_000 }).toBe("true");
    expect(await page.locator('.transcript li[aria-current="true"]').count()).toBe(1);
    await screenshot(page, "recorded-call-desktop");
    await expectAccessible(page, "call page with a recording");
    await page.setViewportSize(PHONE);
    await expectNoSidewaysScroll(page, "call page with a recording at 390 px");
    await screenshot(page, "recorded-call-phone");
  }, 60_000);

  it("every page passes axe and fits 1280 px and 390 px", async () => {
    const page = await ownerPage();
    const pages = ["/", "/calls", "/live", "/agents", `/agents/${tenant.agentId}`, `/agents/${tenant.agentId}/versions`, "/agents/new", "/numbers", "/billing", "/webhooks", "/api-keys", "/users", "/audit-log", "/security"];
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      for (const path of pages) {
        await page.goto(`${world.platform.baseUrl}/console${path}`);
        await page.locator("main h1").waitFor();
        await page.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
        expect(await page.locator(".problem").count(), `${path} shows a problem: ${await page.locator(".problem").allTextContents()}`).toBe(0);
        if (viewport === DESKTOP) await expectAccessible(page, path);
        await expectNoSidewaysScroll(page, `${path} at ${viewport.width} px`);
        if (path === "/audit-log") await screenshot(page, `audit-log-${viewport === DESKTOP ? "desktop" : "phone"}`);
      }
      await page.goto(`${world.platform.baseUrl}/console/`);
      await page.locator(".chart canvas").first().waitFor();
      await screenshot(page, `overview-${viewport === DESKTOP ? "desktop" : "phone"}`);
    }
    const signedOut = await newPage();
    await signedOut.goto(`${world.platform.baseUrl}/console/`);
    await signedOut.getByRole("button", { name: "Sign in" }).waitFor();
    await expectAccessible(signedOut, "sign-in page");
    await screenshot(signedOut, "sign-in");
  }, 120_000);

  it("a viewer sees no edit controls, and the API refuses the write the page does not offer", async () => {
    const page = await newPage();
    await inviteAndAccept(world, tenant.apiKey, page, { email: "viewer@acme.example", role: "viewer" });
    await page.getByRole("link", { name: "Agents", exact: true }).click();
    await page.getByRole("link", { name: "Front desk (demo)" }).waitFor();
    expect(await page.getByRole("link", { name: "New agent" }).count()).toBe(0);
    await page.getByRole("link", { name: "Front desk (demo)" }).click();
    await page.getByLabel("System prompt").waitFor();
    expect(await page.getByRole("button", { name: /Save draft|Publish/ }).count()).toBe(0);
    expect(await page.getByLabel("System prompt").isDisabled()).toBe(true);
    expect(await page.getByRole("link", { name: "API keys" }).count()).toBe(0);
    await page.getByRole("link", { name: "Versions" }).click();
    await page.getByRole("heading", { name: "Compare" }).waitFor();
    expect(await page.getByRole("button", { name: /Publish|Roll back/ }).count()).toBe(0);
    await page.getByRole("link", { name: "Numbers" }).click();
    await page.getByRole("heading", { name: "Your numbers" }).waitFor();
    await page.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
    expect(await page.getByRole("button", { name: /Search|Import|Release/ }).count()).toBe(0);
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("heading", { name: "Deliveries" }).waitFor();
    await page.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
    expect(await page.getByRole("button", { name: /Add endpoint|Disable|Enable|Replay/ }).count()).toBe(0);

    // A forged request from the viewer's own page: a token without the CSRF header is refused, and a token
    // minted properly still cannot publish.
    const results = await page.evaluate(async (agentId) => {
      const noCsrf = await fetch("/console/api/token", { method: "POST" });
      const { csrf_token } = await (await fetch("/console/api/session")).json();
      const { token } = await (await fetch("/console/api/token", { method: "POST", headers: { "x-csrf-token": csrf_token } })).json();
      const publish = await fetch(`/v1/agents/${agentId}/publish`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      return { noCsrf: noCsrf.status, publish: publish.status, problem: (await publish.json()).type };
    }, tenant.agentId);
    expect(results).toEqual({ noCsrf: 403, publish: 403, problem: expect.stringMatching(/forbidden$/) });
  }, 60_000);
});
