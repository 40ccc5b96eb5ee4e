import twilio from "twilio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { handleControlRequest } from "./control-api.ts";
import type { Account } from "./simulator-state.ts";
import { startTwilioSimulator, type TwilioSimulator } from "./simulator.ts";
import { startFakePlatform, type FakePlatform } from "./testing/fake-platform.ts";

import type TwilioRequestClient from "twilio/lib/base/RequestClient.js";

/** twilio-node has no base-URL option; a custom httpClient that rewrites the host is its supported extension point. */
class SimulatorRequestClient extends twilio.RequestClient {
  readonly #baseUrl: string;

  constructor(baseUrl: string) {
    super();
    this.#baseUrl = baseUrl;
  }

  override request<TData>(opts: TwilioRequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: opts.uri.replace(/^https:\/\/api\.twilio\.com/, this.#baseUrl) });
  }
}

let sim: TwilioSimulator;
let platform: FakePlatform;
let account: Account;
let client: ReturnType<typeof twilio>;
const FROM = "+14155550100";
const TO = "+14155557777";

beforeAll(async () => {
  platform = await startFakePlatform();
  sim = await startTwilioSimulator();
  account = sim.addAccount();
  sim.addNumber({ accountSid: account.accountSid, phoneNumber: FROM });
  client = twilio(account.accountSid, account.authToken, { httpClient: new SimulatorRequestClient(sim.url) });
  platform.route("/sms-status", { status: 204, body: "" });
});

afterAll(async () => {
  await sim.close();
  await platform.close();
});

describe("Messages through twilio-node", () => {
  it("sends, fetches and lists a message, reporting sent and delivered to the signed status callback", async () => {
    const message = await client.messages.create({ to: TO, from: FROM, body: "Your code is 123456", statusCallback: `${platform.url}/sms-status` });
    expect(message).toMatchObject({ to: TO, from: FROM, body: "Your code is 123456", status: "queued", direction: "outbound-api", numSegments: "1", accountSid: account.accountSid });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.dateCreated).toBeInstanceOf(Date);

    const delivered = await platform.waitForRequest((r) => r.path === "/sms-status" && r.params.MessageStatus === "delivered", 5_000);
    expect(platform.requests.filter((r) => r.path === "/sms-status").map((r) => r.params.MessageStatus)).toEqual(["sent", "delivered"]);
    expect(delivered.params).toMatchObject({ MessageSid: message.sid, SmsStatus: "delivered", To: TO, From: FROM, AccountSid: account.accountSid });
    expect(await verifyTwilioSignature(account.authToken, delivered.url, delivered.params, String(delivered.headers["x-twilio-signature"]))).toBe(true);

    expect(await client.messages(message.sid).fetch()).toMatchObject({ sid: message.sid, status: "delivered" });
    const listed = await client.messages.list({ to: TO });
    expect(listed.map((m) => m.sid)).toContain(message.sid);
  });

  it("sends through a Messaging Service from the account's number", async () => {
    const message = await client.messages.create({ to: TO, messagingServiceSid: `MG${"a".repeat(32)}`, body: "hi" });
    expect(message).toMatchObject({ from: FROM, status: "accepted", messagingServiceSid: `MG${"a".repeat(32)}` });
  });

  it.each([
    ["an empty To", { to: "", from: FROM, body: "x" }, 21604],
    ["an invalid To", { to: "555-1234", from: FROM, body: "x" }, 21211],
    ["no From and no service", { to: TO, body: "x" }, 21603],
    ["a From the account does not own", { to: TO, from: "+14155550999", body: "x" }, 21606],
    ["an invalid Messaging Service", { to: TO, messagingServiceSid: "MG123", body: "x" }, 21705],
    ["no Body", { to: TO, from: FROM }, 21602],
    ["a Body over 1600 characters", { to: TO, from: FROM, body: "x".repeat(1601) }, 21617],
  ])("refuses %s with Twilio's code", async (_what, params, code) => {
    await expect(client.messages.create(params as Parameters<typeof client.messages.create>[0])).rejects.toMatchObject({ status: 400, code });
  });

  it("keeps accounts apart and lists what was texted on the control API", async () => {
    const other = sim.addAccount();
    const otherClient = twilio(other.accountSid, other.authToken, { httpClient: new SimulatorRequestClient(sim.url) });
    const [mine] = await client.messages.list({ to: TO, limit: 1 });
    await expect(otherClient.messages(mine!.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    expect(await otherClient.messages.list({})).toEqual([]);

    const control = await handleControlRequest(sim, "GET", "/__control/messages", new URLSearchParams({ to: TO, accountSid: account.accountSid }), "");
    expect(control.status).toBe(200);
    expect(control.body).toEqual(expect.arrayContaining([expect.objectContaining({ to: TO, from: FROM, body: "Your code is 123456", accountSid: account.accountSid })]));
  });
});
