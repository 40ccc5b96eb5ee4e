import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoTenant } from "../../scripts/lib/demo-tenant.ts";
import { PlatformClient } from "../../scripts/lib/platform-client.ts";
import { tenantFor, worldPerFile } from "./call-harness.ts";
import { DESKTOP, expectAccessible, expectNoSidewaysScroll, inviteAndAccept, launchBrowser, PHONE, screenshot } from "./console-browser.ts";

/**
 * The console's account pages in a real browser against the whole local platform: an owner connects HubSpot through
 * the stand-in's OAuth server and disconnects it; an admin connects Cal.com with an API key and Slack with a webhook
 * URL; the owner of an account on trial reads its trial limits, verifies a number with the code texted to it, declares
 * its business case and uploads its documents, each refusal shown at its field.
 */
const world = worldPerFile();
let browser: Browser;
let tenant: DemoTenant;

async function newPage(viewport = DESKTOP): Promise<Page> {
  // An explicit locale: the machine's (POSIX) one is no language tag Intl accepts.
  const context = await browser.newContext({ viewport, locale: "en-GB", timezoneId: "UTC" });
  return context.newPage();
}

async function ownerOf(api: PlatformClient): Promise<{ id: string; email: string }> {
  return (await api.get("/v1/users")).data.find((u: { role: string }) => u.role === "owner");
}

/** Both viewports: axe (no serious or critical violation) and nothing sticking out sideways. */
async function expectUsable(page: Page, label: string): Promise<void> {
  for (const viewport of [DESKTOP, PHONE]) {
    await page.setViewportSize(viewport);
    await expectAccessible(page, `${label} at ${viewport.width} px`);
    await expectNoSidewaysScroll(page, `${label} at ${viewport.width} px`);
    await screenshot(page, `${label.replaceAll(" ", "-")}-${viewport === DESKTOP ? "desktop" : "phone"}`);
  }
  await page.setViewportSize(DESKTOP);
}

/** The last 6-digit code the tenant's Twilio account texted to `to`, read where the callee's phone would show it. */
async function textedCode(accountSid: string, to: string): Promise<string> {
  const res = await fetch(`${world.platform.sims.twilio.url}/__control/messages?${new URLSearchParams({ to, accountSid })}`);
  const sent = (await res.json()) as { body: string }[];
  const code = /\b(\d{6})\b/.exec(sent.at(-1)?.body ?? "")?.[1];
  if (!code) throw new Error(`no code was texted to ${to}`);
  return code;
}

interface SecretForm {
  page: Page;
  form: Locator;
  field: Locator;
  /** The integration as the API lists it now. */
  listed: () => Promise<{ connection: string; connected_at: string | null }>;
}

/** A new admin on the integrations page, at the form where a secret (an API key, a webhook URL) connects `name`. */
async function secretForm(email: string, name: string, title: string, label: string): Promise<SecretForm> {
  const page = await newPage();
  await inviteAndAccept(world, tenant.apiKey, page, { email, role: "admin" });
  await page.getByRole("link", { name: "Integrations" }).click();
  const form = page.getByRole("form", { name: title });
  const listed = async () => (await tenant.api.get("/v1/integrations")).data.find((i: { name: string }) => i.name === name);
  return { page, form, field: form.getByLabel(label), listed };
}

/** Disconnects it from its row: the page says so, its form shows it not connected, and so does the API. */
async function disconnectAt({ page, form, listed }: Omit<SecretForm, "field">, title: string, stateTestId: string): Promise<void> {
  await page.getByRole("button", { name: `Disconnect ${title}` }).click();
  await page.getByRole("status").filter({ hasText: `${title} disconnected.` }).waitFor();
  await expect.poll(() => form.getByTestId(stateTestId).textContent()).toBe("Not connected.");
  expect(await listed()).toMatchObject({ connection: "not_connected", connected_at: null });
}

beforeAll(async () => {
  browser = await launchBrowser();
  tenant = await tenantFor(world);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("console account pages in a browser", () => {
  it("connects HubSpot through its OAuth server, lands back on the integrations page, disconnects it, and shows a refused callback", async () => {
    const page = await newPage();
    await inviteAndAccept(world, tenant.apiKey, page, await ownerOf(tenant.api));
    await page.getByRole("link", { name: "Integrations" }).click();
    await page.getByRole("button", { name: "Connect HubSpot" }).click();

    // The stand-in consents at once and sends the browser to the platform's callback, which comes back here.
    await page.waitForURL((url) => url.pathname === "/console/integrations" && url.searchParams.get("connected") === "hubspot");
    await page.getByRole("status").filter({ hasText: "HubSpot is connected." }).waitFor();
    const row = page.getByRole("row", { name: /HubSpot/ });
    await expect.poll(() => row.textContent()).toMatch(/^HubSpotconnected/);
    const listed = (await tenant.api.get("/v1/integrations")).data.find((i: { name: string }) => i.name === "hubspot");
    expect(listed).toMatchObject({ connection: "connected", connected_at: expect.any(String), updated_at: expect.any(String) });
    await expectUsable(page, "integrations connected");

    await page.getByRole("button", { name: "Disconnect HubSpot" }).click();
    await page.getByRole("status").filter({ hasText: "HubSpot disconnected." }).waitFor();
    await expect.poll(() => row.textContent()).toMatch(/^HubSpotnot connected/);
    expect((await tenant.api.get("/v1/integrations")).data.find((i: { name: string }) => i.name === "hubspot")).toMatchObject({ connection: "not_connected", connected_at: null });

    // A callback the platform refuses (here a used state) sends the browser back to the page, which says why.
    await page.goto(`${world.platform.baseUrl}/oauth/callback?state=used-or-unknown&code=x`);
    await page.waitForURL((url) => url.pathname === "/console/integrations");
    await page.getByRole("alert").filter({ hasText: "unknown, already used or expired" }).waitFor();
  }, 90_000);

  it("an account on trial shows its limits, verifies a number by its texted code, and declares its case", async () => {
    const { baseUrl, operatorSecret, sims } = world.platform;
    const created = await PlatformClient.operator(baseUrl, operatorSecret).post("/v1/operator/accounts", { name: "Trial Bakery", owner_email: "owner@trial-bakery.example" });
    const api = PlatformClient.withKey(baseUrl, created.api_key.key);
    const twilio = sims.twilio.addAccount();
    await api.put("/v1/accounts/me/credentials/twilio", { account_sid: twilio.accountSid, auth_token: twilio.authToken });
    const number = sims.twilio.addNumber({ accountSid: twilio.accountSid, voiceUrl: `${baseUrl}/twilio/voice`, statusCallback: `${baseUrl}/twilio/status` });
    await api.post("/v1/phone-numbers", { e164: String(number.phone_number), source: "twilio", provider_sid: number.sid });

    const page = await newPage();
    await inviteAndAccept(world, created.api_key.key, page, await ownerOf(api));
    await page.getByRole("link", { name: "Verification" }).click();
    await expect.poll(() => page.getByTestId("trial-minutes").textContent()).toBe("0 of 60");
    await expect.poll(() => page.getByTestId("case-state").textContent()).toMatch(/^Not started/);
    await page.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
    await expectUsable(page, "verification trial");

    // A number that is not E.164: the API's message appears at the field.
    const phone = page.getByLabel("Phone number (E.164)");
    await phone.fill("555 0100");
    await page.getByRole("button", { name: "Text a code" }).click();
    await expect.poll(() => phone.getAttribute("aria-invalid")).toBe("true");
    await page.locator("#vn-phone-error").waitFor();

    const callee = "+14155550123";
    await phone.fill(callee);
    await page.getByRole("button", { name: "Text a code" }).click();
    await page.getByRole("status").filter({ hasText: `A 6-digit code was texted to ${callee}.` }).waitFor();
    const code = await textedCode(twilio.accountSid, callee);
    const codeField = page.getByLabel(`Code texted to ${callee}`);
    await codeField.fill(String((Number(code) + 1) % 1_000_000).padStart(6, "0"));
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expect.poll(() => codeField.getAttribute("aria-invalid")).toBe("true");
    await codeField.fill(code);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await page.getByRole("status").filter({ hasText: `${callee} is verified.` }).waitFor();
    await expect.poll(() => page.getByRole("row", { name: new RegExp(`\\${callee}`) }).textContent()).toMatch(/verified/);
    expect((await api.get("/v1/verified-numbers")).data).toMatchObject([{ phone: callee, status: "verified" }]);

    // The business case: a website that is no URL comes back at its field; corrected, the case is saved.
    const business = page.getByRole("group", { name: "The business" });
    for (const [label, value] of [
      ["Legal name", "Trial Bakery Ltd"], ["Registration number", "12345678"], ["Registered in (2 letters)", "US"], ["Address", "1 Main St"], ["City", "Springfield"],
      ["Postal code", "12345"], ["Country (2 letters, such as US)", "US"], ["Website", "not a url"], ["Industry", "Bakeries"],
      ["What your agents will do", "Take cake orders and answer questions about opening hours."], ["Expected call minutes a month", "500"],
    ]) await business.getByLabel(label!, { exact: true }).fill(value!);
    const rep = page.getByRole("group", { name: "Authorised representative" });
    for (const [label, value] of [["Full name", "Pat Baker"], ["Date of birth", "1980-04-17"], ["Nationality (2 letters)", "US"], ["Address", "2 Main St"], ["City", "Springfield"], ["Postal code", "12345"], ["Country (2 letters, such as US)", "US"], ["Position", "Director"], ["Email", "pat@trial-bakery.example"]]) {
      await rep.getByLabel(label!, { exact: true }).fill(value!);
    }
    await page.getByRole("button", { name: "Save the case" }).click();
    const website = page.getByLabel("Website", { exact: true });
    await expect.poll(() => website.getAttribute("aria-invalid")).toBe("true");
    await page.locator("#case-website-error").waitFor();
    await website.fill("https://trial-bakery.example");
    await page.getByRole("button", { name: "Save the case" }).click();
    await page.getByRole("status").filter({ hasText: "The case is saved." }).waitFor();
    expect(await api.get("/v1/verification")).toMatchObject({ state: "not_started", details: { legal_name: "Trial Bakery Ltd", representative: { name: "Pat Baker" }, beneficial_owners: [] } });
    await page.getByRole("button", { name: "Submit for review" }).waitFor();
    await expectUsable(page, "verification case declared");
  }, 120_000);

  it("connects Cal.com with a key the page never keeps, shows it connected since then, and disconnects it", async () => {
    const { page, form, field: key, listed: calcom } = await secretForm("admin@acme.example", "calcom", "Cal.com", "Cal.com API key");

    // No key: said at the field before anything is sent. A key the API refuses (over 500 characters): its issue there.
    await form.getByRole("button", { name: "Connect with the key" }).click();
    await expect.poll(() => page.locator("#api-key-calcom-error").textContent()).toBe("Enter the Cal.com API key.");
    await key.fill("k".repeat(501));
    await form.getByRole("button", { name: "Connect with the key" }).click();
    await expect.poll(() => page.locator("#api-key-calcom-error").textContent()).toBe("Too big: expected string to have <=500 characters");
    expect(await key.getAttribute("aria-describedby")).toBe("api-key-calcom-error");
    expect((await calcom()).connection).toBe("not_connected");

    const secret = "cal_live_console_0123456789abcdef";
    await key.fill(secret);
    await form.getByRole("button", { name: "Connect with the key" }).click();
    await page.getByRole("status").filter({ hasText: "Cal.com is connected with its key." }).waitFor();
    await expect.poll(() => form.getByTestId("api-key-calcom-state").textContent()).toMatch(/^Connected since \d/);
    await expect.poll(() => page.getByRole("row", { name: /Cal\.com/ }).textContent()).toMatch(/^Cal\.comconnected\d/);
    expect(await calcom()).toMatchObject({ connection: "connected", connected_at: expect.any(String) });
    // Never echoed back: not in the input, not anywhere in the page.
    expect(await key.inputValue()).toBe("");
    expect(await page.content()).not.toContain(secret);
    await expect.poll(() => form.getByRole("button", { name: "Replace the key" }).count()).toBe(1);
    await expectUsable(page, "integrations key connected");

    await disconnectAt({ page, form, listed: calcom }, "Cal.com", "api-key-calcom-state");
  }, 60_000);

  it("connects Slack with a webhook URL the page never keeps, shows a refused URL's reason at the field, replaces and disconnects it", async () => {
    const { page, form, field: url, listed: slack } = await secretForm("integrator@acme.example", "slack", "Slack", "Slack webhook URL");

    // A private address outside the allowlist: the API's reason at the field, the focus back on it, nothing connected.
    await url.fill("https://192.168.1.1/services/T0/B0/private");
    await form.getByRole("button", { name: "Connect with the URL" }).click();
    await expect.poll(() => page.locator("#webhook-url-slack-error").textContent()).toBe("the address 192.168.1.1 is private");
    await page.getByRole("alert").filter({ hasText: "this URL cannot be called: the address 192.168.1.1 is private" }).waitFor();
    expect(await url.getAttribute("aria-invalid")).toBe("true");
    expect(await url.getAttribute("aria-describedby")).toBe("webhook-url-slack-error");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("webhook-url-slack");
    expect(await url.inputValue()).toBe("");
    expect(await page.content()).not.toContain("T0/B0/private");
    expect((await slack()).connection).toBe("not_connected");
    await expectUsable(page, "integrations webhook refused");

    // A URL the platform may call (the stand-in's Slack hook, on the allowlisted loopback): connected, then replaced.
    const hooks = world.platform.sims.integrations.url;
    for (const [secret, button] of [[`${hooks}/services/T0SIM/B0SIM/console-first`, "Connect with the URL"], [`${hooks}/services/T0SIM/B0SIM/console-second`, "Replace the URL"]] as const) {
      await url.fill(secret);
      await form.getByRole("button", { name: button }).click();
      await page.getByRole("status").filter({ hasText: "Slack is connected with its URL." }).waitFor();
      await expect.poll(() => form.getByTestId("webhook-url-slack-state").textContent()).toMatch(/^Connected since \d/);
      expect(await page.locator("#webhook-url-slack-error").count()).toBe(0);
      // Never echoed back: not in the input, not anywhere in the page.
      expect(await url.inputValue()).toBe("");
      expect(await page.content()).not.toContain("console-first");
      expect(await page.content()).not.toContain("console-second");
    }
    await expect.poll(() => page.getByRole("row", { name: /Slack/ }).textContent()).toMatch(/^Slackconnected\d/);
    expect(await slack()).toMatchObject({ connection: "connected", connected_at: expect.any(String) });
    await expectUsable(page, "integrations webhook connected");

    await disconnectAt({ page, form, listed: slack }, "Slack", "webhook-url-slack-state");
  }, 60_000);

  it("uploads a business document with the form busy until the API answers, lists it, and shows each refusal's detail at the file input", async () => {
    const { baseUrl, operatorSecret } = world.platform;
    const created = await PlatformClient.operator(baseUrl, operatorSecret).post("/v1/operator/accounts", { name: "Paper Mill", owner_email: "owner@paper-mill.example" });
    const api = PlatformClient.withKey(baseUrl, created.api_key.key);
    const page = await newPage();
    await inviteAndAccept(world, created.api_key.key, page, await ownerOf(api));
    await page.getByRole("link", { name: "Verification" }).click();
    await page.getByText("No documents uploaded yet.").waitFor();
    const form = page.getByRole("form", { name: "Upload a business document" });
    const file = form.getByLabel("File", { exact: true });

    // The request is held until the busy state has been seen, so the check does not race the upload.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route((url) => url.pathname === "/v1/verification/documents", async (route) => {
      if (route.request().method() === "POST") await held;
      await route.continue();
    });
    const pdf = Buffer.from("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
    await form.getByLabel("What it shows").selectOption("registration_certificate");
    await file.setInputFiles({ name: "certificate.pdf", mimeType: "application/pdf", buffer: pdf });
    await form.getByRole("button", { name: "Upload", exact: true }).click();
    await expect.poll(() => form.getByRole("button", { name: "Uploading…" }).isDisabled()).toBe(true);
    expect(await file.isDisabled()).toBe(true);
    await form.getByRole("progressbar", { name: "Upload progress" }).waitFor();
    release();
    // The route stays (the hold is released): unrouting while the list's reload passes through it can strand that request.
    await form.getByRole("status").filter({ hasText: "certificate.pdf is uploaded." }).waitFor();
    await expect.poll(() => page.getByRole("row", { name: /Registration certificate/ }).textContent()).toMatch(new RegExp(`^Registration certificatePDF${pdf.length} B\\d`));
    expect((await api.get("/v1/verification/documents")).data).toMatchObject([{ kind: "registration_certificate", content_type: "application/pdf", size_bytes: pdf.length }]);

    // Refused by the API: a text file renamed .pdf (its bytes are no PDF), then a PDF over 10 MiB.
    const error = page.locator("#document-file-error");
    await file.setInputFiles({ name: "notes.pdf", mimeType: "application/pdf", buffer: Buffer.from("minutes of the board meeting\n") });
    await form.getByRole("button", { name: "Upload", exact: true }).click();
    await expect.poll(() => error.textContent()).toMatch(/^Unsupported content type: the document's bytes are not application\/pdf/);
    expect(await file.getAttribute("aria-invalid")).toBe("true");
    expect(await file.getAttribute("aria-describedby")).toBe("document-file-hint document-file-error");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("document-file");
    await expectUsable(page, "verification document refused");

    const tooLarge = Buffer.alloc(10 * 1024 * 1024 + 1);
    pdf.copy(tooLarge);
    await file.setInputFiles({ name: "scan.pdf", mimeType: "application/pdf", buffer: tooLarge });
    await form.getByRole("button", { name: "Upload", exact: true }).click();
    await expect.poll(() => error.textContent()).toBe("Request body too large: request bodies are limited to 10485760 bytes");
    expect((await api.get("/v1/verification/documents")).data).toHaveLength(1);
  }, 90_000);

  it("a developer sees the trial limits but not the case, and no connect buttons", async () => {
    const page = await newPage();
    await inviteAndAccept(world, tenant.apiKey, page, { email: "dev@acme.example", role: "developer" });
    await page.getByRole("link", { name: "Verification" }).click();
    await page.getByText("Only the account's owners and admins see and change its verification case").waitFor();
    await page.getByText("The account is verified: no trial limits apply.").waitFor();
    await page.getByRole("link", { name: "Integrations" }).click();
    await page.getByRole("row", { name: /HubSpot/ }).waitFor();
    expect(await page.getByRole("button", { name: /Connect|Disconnect/ }).count()).toBe(0);
    await expectUsable(page, "integrations developer");
  }, 60_000);
});
