import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTwilioSimulator, type TwilioSimulator } from "./simulator.ts";
import { fakeSynthesize, startFakePlatform, type FakePlatform } from "./testing/fake-platform.ts";
import { connectTwiml } from "./testing/harness.ts";
import { twilioRest } from "./testing/rest-client.ts";

let sim: TwilioSimulator;
let platform: FakePlatform;

beforeAll(async () => {
  platform = await startFakePlatform();
  sim = await startTwilioSimulator({ speed: 20, synthesize: fakeSynthesize() });
});
afterAll(async () => {
  await sim.close();
  await platform.close();
});

async function control(method: "GET" | "POST", path: string, body?: unknown) {
  const response = await fetch(`${sim.url}/__control${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe("control API", () => {
  it("provisions an account and a number, rings it with a YAML script, and reports the call", async () => {
    expect(await control("GET", "/health")).toMatchObject({ status: 200, body: { ok: true, speed: 20 } });
    const account = await control("POST", "/accounts", { accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "secret-token" });
    expect(account).toEqual({ status: 201, body: { accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "secret-token" } });
    const number = await control("POST", "/numbers", { accountSid: account.body.accountSid, phoneNumber: "+14155550142", voiceUrl: `${platform.url}/voice` });
    expect(number).toMatchObject({ status: 201, body: { phone_number: "+14155550142", voice_url: `${platform.url}/voice`, sid: expect.stringMatching(/^PN/) } });
    // The REST API sees what the control API provisioned.
    const listed = await twilioRest(sim.url, account.body, "GET", "/IncomingPhoneNumbers.json");
    expect(listed.body.incoming_phone_numbers.map((n: { phone_number: string }) => n.phone_number)).toEqual(["+14155550142"]);

    platform.route("/voice", connectTwiml(platform));
    const started = await control("POST", "/calls", { script: "from: '+14155550999'\nto: '+14155550142'\nsteps:\n  - pause: 200\n  - dtmf: '42'\n" });
    expect(started).toMatchObject({ status: 201, body: { callSid: expect.stringMatching(/^CA[0-9a-f]{32}$/) } });
    const callSid = started.body.callSid as string;
    await platform.nextStream();

    const list = await control("GET", "/calls");
    expect(list.body).toContainEqual({ callSid, accountSid: account.body.accountSid, direction: "inbound", from: "+14155550999", to: "+14155550142", status: expect.any(String) });
    const live = await control("GET", `/calls/${callSid}`);
    expect(live).toMatchObject({ status: 200, body: { callSid, endedAtMs: null } });

    const timedOut = await control("GET", `/calls/${callSid}/wait?timeoutMs=1`);
    expect(timedOut.status).toBe(408);
    const hungUp = await control("POST", `/calls/${callSid}/hangup`);
    expect(hungUp).toMatchObject({ status: 200, body: { callSid, status: "completed", endReason: "caller-hangup" } });
    const final = await control("POST", `/calls/${callSid}/wait?timeoutMs=5000`);
    expect(final).toMatchObject({ status: 200, body: { status: "completed", streams: [{ endReason: "call-ended" }] } });
  });

  it("registers a callee script that answers outbound calls", async () => {
    const { body: account } = await control("POST", "/accounts", {});
    expect(account.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    const { body: number } = await control("POST", "/numbers", { accountSid: account.accountSid });
    expect(number.phone_number).toMatch(/^\+1415\d{7}$/);
    expect(await control("POST", "/callees", { to: "+14155553333", script: { answer: "busy" } })).toEqual({ status: 204, body: null });
    const created = await twilioRest(sim.url, account, "POST", "/Calls.json", { To: "+14155553333", From: number.phone_number, Twiml: "<Response><Hangup/></Response>" });
    const final = await control("GET", `/calls/${created.body.sid}/wait?timeoutMs=5000`);
    expect(final.body).toMatchObject({ status: "busy", direction: "outbound-api" });
  });

  it("rejects bad requests with a JSON error", async () => {
    expect(await control("POST", "/accounts", "{not json")).toMatchObject({ status: 400, body: { error: "body is not JSON" } });
    expect(await control("POST", "/accounts", { accountSid: "XY1" })).toMatchObject({ status: 400 });
    expect(await control("POST", "/numbers", { phoneNumber: "+1" })).toMatchObject({ status: 400 });
    expect(await control("POST", "/calls", { to: "+19995550000" })).toMatchObject({ status: 404, body: { error: expect.stringContaining("not an IncomingPhoneNumber") } });
    const { body: account } = await control("POST", "/accounts", {});
    await control("POST", "/numbers", { accountSid: account.accountSid, phoneNumber: "+14155554444" });
    expect(await control("POST", "/calls", { to: "+14155554444" })).toMatchObject({ status: 400, body: { error: expect.stringContaining("no VoiceUrl") } });
    expect(await control("POST", "/calls", { to: "+14155550142", script: { steps: [{ yell: 1 }] } })).toMatchObject({ status: 400, body: { error: expect.stringContaining("invalid caller script") } });
    expect(await control("POST", "/calls", {})).toMatchObject({ status: 400, body: { error: expect.stringContaining("needs `to`") } });
    expect(await control("GET", "/calls/CA00000000000000000000000000000000")).toMatchObject({ status: 404 });
    expect(await control("GET", "/nope")).toMatchObject({ status: 404 });
  });
});

describe("startTwilioSimulator", () => {
  it("listens on loopback only", async () => {
    await expect(startTwilioSimulator({ host: "0.0.0.0" })).rejects.toThrow(/loopback/);
    await expect(startTwilioSimulator({ speed: 0 })).rejects.toThrow(/speed/);
  });
});
