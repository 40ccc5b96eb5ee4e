import twilio from "twilio";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startHarness, type Harness } from "./testing/harness.ts";
import { twilioRest } from "./testing/rest-client.ts";

const SPEED = 20;
let h: Harness;
beforeEach(async () => {
  h = await startHarness({ speed: SPEED });
});
afterEach(async () => {
  await h.close();
});

const AUDIO = "https://cdn.example.com/hold-music.mp3";

describe("<Play> in a live call", () => {
  it("plays each loop for its call time before the next verb runs, and records the URL", async () => {
    h.platform.route("/voice", `<Response><Play loop="2">${AUDIO}</Play><Say>Done</Say><Hangup/></Response>`);
    const recording = await (await h.ring({ steps: [] })).ended;
    expect(recording.verbs.map((v) => [v.verb, v.detail])).toEqual([
      ["Play", AUDIO],
      ["Say", "Done"],
      ["Hangup", null],
    ]);
    const [play, say] = recording.verbs;
    // The simulator plays 1 s of call time per loop (it does not fetch the audio).
    expect(say!.atMs - play!.atMs).toBeGreaterThanOrEqual(2000);
    expect(say!.atMs - play!.atMs).toBeLessThan(2000 + 100);
    expect(recording.endReason).toBe("twiml-hangup");
  });
});

describe("redirecting a live call by Url (REST)", () => {
  it("fetches the new document (signed, CallStatus=in-progress) and runs it in place of the playing verb", async () => {
    // loop="0" plays until the call moves on: only the redirect ends it.
    h.platform.route("/voice", `<Response><Play loop="0">${AUDIO}</Play></Response>`);
    h.platform.route("/next", `<Response><Say>Transferred</Say><Hangup/></Response>`);
    const call = await h.ring({ steps: [] });
    await vi.waitFor(() => expect(h.sim.getCall(call.callSid)!.verbs.map((v) => v.verb)).toEqual(["Play"]), { interval: 5 });

    const updated = await twilioRest(h.sim.url, h.account, "POST", `/Calls/${call.callSid}.json`, { Url: `${h.platform.url}/next`, Method: "POST" });
    expect(updated).toMatchObject({ status: 200, body: { sid: call.callSid, status: "in-progress" } });
    const recording = await call.ended;

    const next = h.platform.requests.find((r) => r.path === "/next")!;
    expect(next.method).toBe("POST");
    expect(next.params).toMatchObject({ CallSid: call.callSid, AccountSid: h.account.accountSid, CallStatus: "in-progress" });
    expect(twilio.validateRequest(h.account.authToken, next.headers["x-twilio-signature"] as string, next.url, next.params)).toBe(true);
    expect(recording.verbs.map((v) => v.verb)).toEqual(["Play", "Say", "Hangup"]);
    // The new URL is the call's voice document from now on, as Twilio treats it.
    expect(recording.webhooks.map((w) => [w.kind, w.url])).toEqual([
      ["voice", `${h.platform.url}/voice`],
      ["voice", `${h.platform.url}/next`],
      ["status-callback", `${h.platform.url}/number-status`],
    ]);
    expect(recording.endReason).toBe("twiml-hangup");
  });

  it("fetches the new document with GET when Method=GET, the parameters in the query", async () => {
    h.platform.route("/voice", `<Response><Play loop="0">${AUDIO}</Play></Response>`);
    h.platform.route("/next", `<Response><Hangup/></Response>`);
    const call = await h.ring({ steps: [] });
    await vi.waitFor(() => expect(h.sim.getCall(call.callSid)!.verbs).toHaveLength(1), { interval: 5 });
    await twilioRest(h.sim.url, h.account, "POST", `/Calls/${call.callSid}.json`, { Url: `${h.platform.url}/next`, Method: "GET" });
    await call.ended;
    const next = h.platform.requests.find((r) => r.path === "/next")!;
    expect(next.method).toBe("GET");
    expect(new URL(next.url).searchParams.get("CallSid")).toBe(call.callSid);
    expect(twilio.validateRequest(h.account.authToken, next.headers["x-twilio-signature"] as string, next.url, {})).toBe(true);
  });
});
