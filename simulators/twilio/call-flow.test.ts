import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { connectTwiml, startHarness, type Harness } from "./testing/harness.ts";
import { twilioRest } from "./testing/rest-client.ts";

let h: Harness;

beforeEach(async () => {
  h = await startHarness({ speed: 20 });
});
afterEach(async () => {
  await h.close();
});

describe("TwiML execution", () => {
  it("records malformed TwiML as 12100 and ends the call without opening a stream", async () => {
    h.platform.route("/voice", "<Response><Connect><Stream url='wss://x/y'></Connect></Response>");
    const call = await h.ring({ steps: [] });
    const recording = await call.ended;
    expect(recording.errors).toEqual([{ code: 12100, message: expect.stringContaining("Document parse failure"), atMs: expect.any(Number) }]);
    expect(recording).toMatchObject({ status: "completed", endReason: "application-error", streams: [] });
    expect(h.platform.streams).toHaveLength(0);
  });

  it("reports a failing voice URL (11200) and a wrong content type (12300), and falls back to VoiceFallbackUrl", async () => {
    h.platform.route("/voice", { status: 500, body: "boom" });
    h.platform.route("/fallback", { status: 200, body: "<Response><Hangup/></Response>", contentType: "application/json" });
    const number = h.sim.state.numberByPhone(h.number)!;
    number.update({ voiceFallbackUrl: `${h.platform.url}/fallback` });
    const recording = await (await h.ring()).ended;
    expect(recording.errors.map((e) => e.code)).toEqual([11200, 12300]);
    expect(recording.webhooks.map((w) => [w.kind, w.status])).toEqual([["voice", 500], ["fallback", 200], ["status-callback", 200]]);
    const fallback = h.platform.requests.find((r) => r.path === "/fallback")!;
    expect(fallback.params).toMatchObject({ ErrorCode: "11200", ErrorUrl: `${h.platform.url}/voice` });

    h.platform.route("/fallback", "<Response><Say>Sorry</Say></Response>");
    const second = await (await h.ring()).ended;
    expect(second.verbs.map((v) => v.verb)).toEqual(["Say"]);
    expect(second.endReason).toBe("twiml-end");
  });

  it("recovers a dropped stream through <Connect action>: posts the action (signed) and runs the TwiML it returns", async () => {
    h.platform.route("/voice", connectTwiml(h.platform, { path: "/media/first", action: "/reconnect" }));
    h.platform.route("/reconnect", connectTwiml(h.platform, { path: "/media/second" }));
    const call = await h.ring({ steps: [] });
    const first = await h.platform.nextStream();
    await first.waitFor((m) => m.event === "start");
    first.socket.close(1011, "worker restarted");
    const second = await h.platform.nextStream();
    await second.waitFor((m) => m.event === "start");
    expect(second.path).toBe("/media/second");
    await h.sim.hangUp(call.callSid);
    const recording = await call.ended;

    const action = h.platform.requests.find((r) => r.path === "/reconnect")!;
    expect(action.params).toMatchObject({ CallSid: call.callSid, CallStatus: "in-progress", AccountSid: h.account.accountSid });
    expect(await verifyTwilioSignature(h.account.authToken, action.url, action.params, action.headers["x-twilio-signature"] as string)).toBe(true);
    expect(recording.streams.map((s) => s.endReason)).toEqual(["server-closed", "call-ended"]);
    expect(recording.streams[0]!.streamSid).not.toBe(recording.streams[1]!.streamSid);
    expect(recording.webhooks.map((w) => w.kind)).toEqual(["voice", "action", "status-callback"]);
    expect(first.messages.some((m) => m.message.event === "stop")).toBe(false);
    expect(second.messages.at(-1)!.message.event).toBe("stop");
  });

  it("without an action, moves on to the next verb when the server closes the stream", async () => {
    h.platform.route("/voice", connectTwiml(h.platform).replace("</Response>", "<Say>Goodbye</Say></Response>"));
    const call = await h.ring({ steps: [] });
    const stream = await h.platform.nextStream();
    await stream.waitFor((m) => m.event === "start");
    stream.socket.close();
    const recording = await call.ended;
    expect(recording.verbs.map((v) => v.verb)).toEqual(["Connect", "Say"]);
    expect(recording.endReason).toBe("twiml-end");
  });

  it("a REST redirect mid-stream sends stop, closes the stream and runs the new TwiML (transfer)", async () => {
    h.platform.route("/voice", connectTwiml(h.platform, { action: "/never" }));
    const call = await h.ring({ steps: [], dialedPartyHangsUpAfterMs: 500 });
    const stream = await h.platform.nextStream();
    await stream.waitFor((m) => m.event === "start");
    const updated = await twilioRest(h.sim.url, h.account, "POST", `/Calls/${call.callSid}.json`, {
      Twiml: `<Response><Say>Transferring</Say><Dial callerId="${h.number}" action="${h.platform.url}/dial-done">+15551234567</Dial></Response>`,
    });
    expect(updated.status).toBe(200);
    await stream.closed;
    expect(stream.messages.at(-1)!.message.event).toBe("stop");
    h.platform.route("/dial-done", "<Response><Hangup/></Response>");
    const recording = await call.ended;
    expect(recording.streams[0]!.endReason).toBe("redirected");
    expect(recording.verbs.map((v) => [v.verb, v.detail])).toEqual([
      ["Connect", `${h.platform.wsUrl}/media`],
      ["Say", "Transferring"],
      ["Dial", `number:+15551234567 callerId=${h.number}`],
      ["Hangup", null],
    ]);
    const dialDone = h.platform.requests.find((r) => r.path === "/dial-done")!;
    expect(dialDone.params).toMatchObject({ DialCallStatus: "completed", DialCallSid: expect.stringMatching(/^CA/), DialBridged: "true" });
    expect(h.platform.requests.some((r) => r.path === "/never")).toBe(false);
    expect(recording.endReason).toBe("twiml-hangup");
  });

  it("Status=completed mid-stream hangs up: stop on the stream, completed callback to the number's StatusCallback", async () => {
    h.platform.route("/voice", connectTwiml(h.platform, { statusCallback: "/stream-status" }));
    const call = await h.ring({ steps: [] });
    const stream = await h.platform.nextStream();
    await stream.waitFor((m) => m.event === "start");
    await twilioRest(h.sim.url, h.account, "POST", `/Calls/${call.callSid}.json`, { Status: "completed" });
    const recording = await call.ended;
    expect(stream.messages.at(-1)!.message.event).toBe("stop");
    expect(recording).toMatchObject({ status: "completed", endReason: "rest-completed" });
    const completed = h.platform.requests.find((r) => r.path === "/number-status")!;
    expect(completed.params).toMatchObject({ CallStatus: "completed", CallbackSource: "call-progress-events", SequenceNumber: "0", Direction: "inbound" });
    const streamEvents = h.platform.requests.filter((r) => r.path === "/stream-status").map((r) => r.params);
    expect(streamEvents.map((p) => p.StreamEvent)).toEqual(["stream-started", "stream-stopped"]);
    expect(streamEvents[0]).toMatchObject({ CallSid: call.callSid, StreamSid: recording.streams[0]!.streamSid, StreamName: recording.streams[0]!.streamSid });
  });

  it("presents From/To as SIP URIs for a SIP-style call", async () => {
    h.platform.route("/voice", "<Response><Hangup/></Response>");
    const call = await h.ring({ steps: [] }, { sip: { domain: "acme.sip.twilio.com" } });
    const recording = await call.ended;
    expect(recording).toMatchObject({ from: "sip:+14155550999@198.51.100.10", to: `sip:${h.number}@acme.sip.twilio.com` });
    const voice = h.platform.requests.find((r) => r.path === "/voice")!;
    expect(voice.params).toMatchObject({ From: "sip:+14155550999@198.51.100.10", To: `sip:${h.number}@acme.sip.twilio.com` });
    expect(voice.params.FromCountry).toBeUndefined();
  });
});
