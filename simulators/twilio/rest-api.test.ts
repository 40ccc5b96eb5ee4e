import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { verifyTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import type { Account } from "./simulator-state.ts";
import { startTwilioSimulator, type TwilioSimulator } from "./simulator.ts";
import { fakeSynthesize, startFakePlatform, type FakePlatform } from "./testing/fake-platform.ts";
import { twilioRest } from "./testing/rest-client.ts";

let sim: TwilioSimulator;
let platform: FakePlatform;
let alice: Account;
let bob: Account;
const OWNED = "+14155550100";

beforeAll(async () => {
  platform = await startFakePlatform();
  sim = await startTwilioSimulator({ speed: 20, synthesize: fakeSynthesize() });
  alice = sim.addAccount();
  bob = sim.addAccount();
  sim.addNumber({ accountSid: alice.accountSid, phoneNumber: OWNED });
  platform.route("/hold", "<Response><Pause length=\"600\"/></Response>");
  platform.route("/short", "<Response><Pause length=\"1\"/></Response>");
});

afterAll(async () => {
  await sim.close();
  await platform.close();
});

const rest = (method: "GET" | "POST" | "DELETE", path: string, form?: Record<string, string | string[]>, account = alice) =>
  twilioRest(sim.url, account, method, path, form);

const createHeldCall = async (extra: Record<string, string | string[]> = {}) => {
  const created = await rest("POST", "/Calls.json", { To: "+14155559999", From: OWNED, Url: `${platform.url}/hold`, ...extra });
  expect(created.status).toBe(201);
  return created.body.sid as string;
};

const waitForStatus = async (sid: string, status: string) => {
  for (let i = 0; i < 500; i++) {
    const { body } = await rest("GET", `/Calls/${sid}.json`);
    if (body.status === status) return body;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`call ${sid} never reached ${status}`);
};

describe("authentication", () => {
  it("rejects missing or wrong credentials with 20003 and a Basic challenge", async () => {
    const none = await fetch(`${sim.url}/2010-04-01/Accounts/${alice.accountSid}/Calls.json`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect(await none.json()).toEqual({ code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 });
    const wrong = await rest("GET", "/Calls.json", undefined, { ...alice, authToken: "nope" });
    expect(wrong).toMatchObject({ status: 401, body: { code: 20003 } });
  });

  it("does not let one account use another account's URLs", async () => {
    expect((await twilioRest(sim.url, bob, "GET", "/Calls.json")).status).toBe(200);
    const response = await fetch(`${sim.url}/2010-04-01/Accounts/${alice.accountSid}/Calls.json`, {
      headers: { Authorization: `Basic ${Buffer.from(`${bob.accountSid}:${bob.authToken}`).toString("base64")}` },
    });
    expect(response.status).toBe(401);
  });

  it("answers unknown resources with 20404", async () => {
    expect(await rest("GET", "/Nope.json")).toMatchObject({ status: 404, body: { code: 20404, status: 404 } });
    expect(await rest("GET", "/Calls/CA00000000000000000000000000000000.json")).toMatchObject({ status: 404, body: { code: 20404 } });
  });

  it("answers a known resource under a method it lacks with 405 (20004), after authentication", async () => {
    expect(await rest("DELETE", "/Calls.json")).toMatchObject({ status: 405, body: { code: 20004, status: 405 } });
    expect(await rest("DELETE", "/Calls.json", undefined, { ...alice, authToken: "nope" })).toMatchObject({ status: 401, body: { code: 20003 } });
  });

  it("fetches the authenticated account itself", async () => {
    expect(await rest("GET", ".json")).toMatchObject({ status: 200, body: { sid: alice.accountSid, status: "active" } });
    expect(await rest("GET", ".json", undefined, { ...alice, authToken: "nope" })).toMatchObject({ status: 401, body: { code: 20003 } });
  });
});

describe("calls", () => {
  it.each<[string, Record<string, string>, number]>([
    ["missing To", { From: OWNED, Url: "https://x.example/v" }, 21201],
    ["missing From", { To: "+14155559999", Url: "https://x.example/v" }, 21213],
    ["an invalid To", { To: "555-1234", From: OWNED, Url: "https://x.example/v" }, 21211],
    ["an invalid From", { To: "+14155559999", From: "bogus", Url: "https://x.example/v" }, 21212],
    ["a From the account does not own", { To: "+14155559999", From: "+14155550111", Url: "https://x.example/v" }, 21210],
    ["no Url or Twiml", { To: "+14155559999", From: OWNED }, 21205],
    ["a malformed Url", { To: "+14155559999", From: OWNED, Url: "not a url" }, 21205],
    ["a malformed StatusCallback", { To: "+14155559999", From: OWNED, Url: "https://x.example/v", StatusCallback: "ftp:/x" }, 21609],
    ["a bad MachineDetection", { To: "+14155559999", From: OWNED, Url: "https://x.example/v", MachineDetection: "Maybe" }, 21234],
    ["Twiml over 4000 characters", { To: "+14155559999", From: OWNED, Twiml: `<Response><Say>${"a".repeat(3980)}</Say></Response>` }, 20001],
    ["a ring Timeout over 600 s", { To: "+14155559999", From: OWNED, Url: "https://x.example/v", Timeout: "601" }, 20001],
    ...[
      ["MachineDetectionSpeechThreshold", "999"],
      ["MachineDetectionSpeechThreshold", "6001"],
      ["MachineDetectionSpeechEndThreshold", "499"],
      ["MachineDetectionSpeechEndThreshold", "5001"],
      ["MachineDetectionSilenceTimeout", "1999"],
      ["MachineDetectionSilenceTimeout", "10001"],
    ].map(([field, value]): [string, Record<string, string>, number] => [`${field}=${value}`, { To: "+14155559999", From: OWNED, Url: "https://x.example/v", MachineDetection: "Enable", [field!]: value! }, 21234]),
  ])("rejects %s", async (_name, form, code) => {
    const { status, body } = await rest("POST", "/Calls.json", form);
    expect(status).toBe(400);
    expect(body).toEqual({ code, message: expect.any(String), more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 });
  });

  it("creates, fetches and lists a call shaped like Twilio's Call resource", async () => {
    const { status, body } = await rest("POST", "/Calls.json", { To: "sip:agent@pbx.example", From: OWNED, Url: `${platform.url}/short` });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      sid: expect.stringMatching(/^CA[0-9a-f]{32}$/),
      account_sid: alice.accountSid,
      to: "sip:agent@pbx.example",
      from: OWNED,
      from_formatted: "(415) 555-0100",
      status: "queued",
      direction: "outbound-api",
      api_version: "2010-04-01",
      start_time: null,
      duration: null,
      answered_by: null,
      price_unit: "USD",
      date_created: expect.stringMatching(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/),
      uri: `/2010-04-01/Accounts/${alice.accountSid}/Calls/${body.sid}.json`,
      subresource_uris: { recordings: `/2010-04-01/Accounts/${alice.accountSid}/Calls/${body.sid}/Recordings.json` },
    });
    const ended = await waitForStatus(body.sid, "completed");
    expect(ended).toMatchObject({ sid: body.sid, duration: expect.stringMatching(/^\d+$/), end_time: expect.any(String), start_time: expect.any(String) });
    const list = await rest("GET", "/Calls.json");
    expect(list.body.calls.map((c: { sid: string }) => c.sid)).toContain(body.sid);
    expect(list.body).toMatchObject({ page: 0, page_size: 50, next_page_uri: null });
    const voice = platform.requests.find((r) => r.params.CallSid === body.sid)!;
    expect(voice.params).toMatchObject({ Direction: "outbound-api", CallStatus: "in-progress", From: OWNED, To: "sip:agent@pbx.example", ApiVersion: "2010-04-01" });
  });

  it("redirects a live call with new TwiML, and refuses to redirect an ended one (21220)", async () => {
    const sid = await createHeldCall();
    await waitForStatus(sid, "in-progress");
    await vi.waitFor(() => expect(sim.getCall(sid)!.verbs.map((v) => v.verb)).toEqual(["Pause"]), { interval: 2 });
    const updated = await rest("POST", `/Calls/${sid}.json`, { Twiml: "<Response><Say>Goodbye</Say><Hangup/></Response>" });
    expect(updated).toMatchObject({ status: 200, body: { sid, status: "in-progress" } });
    const recording = await sim.waitForCallEnd(sid, 5000);
    expect(recording.verbs.map((v) => v.verb)).toEqual(["Pause", "Say", "Hangup"]);
    expect(recording.endReason).toBe("twiml-hangup");
    expect(await rest("POST", `/Calls/${sid}.json`, { Url: `${platform.url}/hold` })).toMatchObject({ status: 400, body: { code: 21220 } });
    // Protocol notes §2.5: hanging up a call that has already ended is a 20404.
    expect(await rest("POST", `/Calls/${sid}.json`, { Status: "completed" })).toMatchObject({ status: 404, body: { code: 20404 } });
  });

  it("hangs up a live call with Status=completed and cancels a ringing one with Status=canceled", async () => {
    const live = await createHeldCall();
    await waitForStatus(live, "in-progress");
    expect(await rest("POST", `/Calls/${live}.json`, { Status: "completed" })).toMatchObject({ status: 200 });
    expect((await sim.waitForCallEnd(live, 5000)).endReason).toBe("rest-completed");
    expect(await rest("GET", `/Calls/${live}.json`)).toMatchObject({ body: { status: "completed" } });

    sim.setCalleeScript("+14155558888", { ringMs: 60_000 });
    const ringing = await rest("POST", "/Calls.json", { To: "+14155558888", From: OWNED, Url: `${platform.url}/hold` });
    await waitForStatus(ringing.body.sid, "ringing");
    expect(await rest("POST", `/Calls/${ringing.body.sid}.json`, { Status: "canceled" })).toMatchObject({ status: 200 });
    expect((await sim.waitForCallEnd(ringing.body.sid, 5000)).status).toBe("canceled");
    expect(await rest("POST", `/Calls/${ringing.body.sid}.json`, { Status: "bogus" })).toMatchObject({ status: 400, body: { code: 20001 } });
  });
});

describe("phone numbers", () => {
  it("searches, buys, configures, lists and releases numbers", async () => {
    const search = await rest("GET", "/AvailablePhoneNumbers/US/Local.json", { AreaCode: "212", Contains: "55", PageSize: "5" });
    expect(search.status).toBe(200);
    const available = search.body.available_phone_numbers as { phone_number: string; iso_country: string; capabilities: { voice: boolean } }[];
    expect(available).toHaveLength(5);
    for (const n of available) {
      expect(n.phone_number).toMatch(/^\+1212\d{7}$/);
      expect(n.phone_number.slice(1)).toContain("55");
      expect(n).toMatchObject({ iso_country: "US", capabilities: { voice: true } });
    }
    const chosen = available[0]!.phone_number;
    const bought = await rest("POST", "/IncomingPhoneNumbers.json", { PhoneNumber: chosen, VoiceUrl: `${platform.url}/voice`, StatusCallback: `${platform.url}/status` });
    expect(bought).toMatchObject({
      status: 201,
      body: { sid: expect.stringMatching(/^PN[0-9a-f]{32}$/), phone_number: chosen, voice_url: `${platform.url}/voice`, voice_method: "POST", status_callback: `${platform.url}/status`, account_sid: alice.accountSid },
    });
    const sid = bought.body.sid as string;
    expect(await rest("POST", "/IncomingPhoneNumbers.json", { PhoneNumber: chosen })).toMatchObject({ status: 400, body: { code: 21422 } });
    const again = await rest("GET", "/AvailablePhoneNumbers/US/Local.json", { AreaCode: "212", Contains: "55", PageSize: "50" });
    expect(again.body.available_phone_numbers.map((n: { phone_number: string }) => n.phone_number)).not.toContain(chosen);

    const list = await rest("GET", "/IncomingPhoneNumbers.json", { PhoneNumber: chosen });
    expect(list.body.incoming_phone_numbers).toHaveLength(1);
    const updated = await rest("POST", `/IncomingPhoneNumbers/${sid}.json`, { VoiceUrl: `${platform.url}/voice2`, VoiceMethod: "GET" });
    expect(updated).toMatchObject({ status: 200, body: { voice_url: `${platform.url}/voice2`, voice_method: "GET", status_callback: `${platform.url}/status` } });
    expect(await rest("POST", `/IncomingPhoneNumbers/${sid}.json`, { VoiceUrl: "nope" })).toMatchObject({ status: 400, body: { code: 21402 } });
    expect(await twilioRest(sim.url, bob, "GET", `/IncomingPhoneNumbers/${sid}.json`)).toMatchObject({ status: 404 });

    expect(await rest("DELETE", `/IncomingPhoneNumbers/${sid}.json`)).toEqual({ status: 204, body: null });
    expect(await rest("GET", `/IncomingPhoneNumbers/${sid}.json`)).toMatchObject({ status: 404, body: { code: 20404 } });
  });

  it("buys the first free number in an area code, and rejects bad numbers and countries", async () => {
    const byArea = await rest("POST", "/IncomingPhoneNumbers.json", { AreaCode: "646" });
    expect(byArea).toMatchObject({ status: 201, body: { phone_number: expect.stringMatching(/^\+1646\d{7}$/) } });
    expect(await rest("POST", "/IncomingPhoneNumbers.json", { PhoneNumber: "12345" })).toMatchObject({ status: 400, body: { code: 21421 } });
    expect(await rest("GET", "/AvailablePhoneNumbers/ZZ/Local.json")).toMatchObject({ status: 404, body: { code: 20404 } });
  });
});

describe("recordings", () => {
  it("starts a dual-channel recording on a live call and sends a signed completed callback when the call ends", async () => {
    const sid = await createHeldCall();
    await waitForStatus(sid, "in-progress");
    const started = await rest("POST", `/Calls/${sid}/Recordings.json`, { RecordingChannels: "dual", RecordingStatusCallback: `${platform.url}/recording` });
    expect(started).toMatchObject({
      status: 201,
      body: { sid: expect.stringMatching(/^RE[0-9a-f]{32}$/), call_sid: sid, channels: 2, status: "in-progress", source: "StartCallRecordingAPI" },
    });
    const list = await rest("GET", `/Calls/${sid}/Recordings.json`);
    expect(list.body.recordings).toHaveLength(1);
    await rest("POST", `/Calls/${sid}.json`, { Status: "completed" });
    await sim.waitForCallEnd(sid, 5000);
    const callback = platform.requests.find((r) => r.path === "/recording" && r.params.CallSid === sid)!;
    expect(callback.params).toMatchObject({ RecordingSid: started.body.sid, RecordingStatus: "completed", RecordingChannels: "2", AccountSid: alice.accountSid });
    expect(await verifyTwilioSignature(alice.authToken, callback.url, callback.params, callback.headers["x-twilio-signature"] as string)).toBe(true);
    expect(await rest("GET", `/Calls/${sid}/Recordings/${started.body.sid}.json`)).toMatchObject({ body: { status: "completed" } });
    expect(await rest("POST", `/Calls/${sid}/Recordings.json`, {})).toMatchObject({ status: 400, body: { code: 21220 } });
  });

  it("stops a recording early through the Recording resource", async () => {
    const sid = await createHeldCall();
    await waitForStatus(sid, "in-progress");
    const started = await rest("POST", `/Calls/${sid}/Recordings.json`, { RecordingStatusCallback: `${platform.url}/recording2`, RecordingStatusCallbackEvent: ["in-progress", "completed"] });
    const stopped = await rest("POST", `/Calls/${sid}/Recordings/${started.body.sid}.json`, { Status: "stopped" });
    expect(stopped).toMatchObject({ status: 200, body: { status: "completed", channels: 1 } });
    await rest("POST", `/Calls/${sid}.json`, { Status: "completed" });
    await sim.waitForCallEnd(sid, 5000);
    const events = platform.requests.filter((r) => r.path === "/recording2").map((r) => r.params.RecordingStatus);
    expect(events.sort()).toEqual(["completed", "in-progress"]);
  });
});

describe("armed REST faults (control API)", () => {
  const arm = (body: Record<string, unknown>) =>
    fetch(`${sim.url}/__control/rest-faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("answers the account's next N requests with 429 and Retry-After, then serves again; other accounts are untouched", async () => {
    expect((await arm({ accountSid: alice.accountSid, status: 429, count: 2, retryAfterSeconds: 3 })).status).toBe(200);
    expect((await twilioRest(sim.url, bob, "GET", "/Calls.json")).status).toBe(200);
    const first = await fetch(`${sim.url}/2010-04-01/Accounts/${alice.accountSid}/Calls.json`, {
      headers: { Authorization: `Basic ${Buffer.from(`${alice.accountSid}:${alice.authToken}`).toString("base64")}` },
    });
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("3");
    expect(await first.json()).toMatchObject({ code: 20429, status: 429 });
    expect(await rest("GET", "/Calls.json")).toMatchObject({ status: 429 });
    expect((await rest("GET", "/Calls.json")).status).toBe(200);
    const snapshot = await (await fetch(`${sim.url}/__control/rest-faults?accountSid=${alice.accountSid}`)).json();
    expect(snapshot).toEqual({ remaining: 0, served: 2 });
  });

  it("a 503 armed 'after' lets the create take effect, as Twilio may have done behind a failed response", async () => {
    const before = (await rest("GET", "/Calls.json", { PageSize: "1000" })).body.calls.length;
    await arm({ accountSid: alice.accountSid, status: 503, count: 1, when: "after" });
    expect(await rest("POST", "/Calls.json", { To: "+14155559999", From: OWNED, Url: `${platform.url}/short` })).toMatchObject({ status: 503, body: { code: 20503 } });
    expect((await rest("GET", "/Calls.json", { PageSize: "1000" })).body.calls.length).toBe(before + 1);
  });

  it("refuses a malformed fault", async () => {
    expect((await arm({ accountSid: alice.accountSid, status: 500, count: 1 })).status).toBe(400);
  });
});
