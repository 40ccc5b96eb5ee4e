import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { startHarness, type Harness } from "./testing/harness.ts";
import { twilioRest } from "./testing/rest-client.ts";

let h: Harness;
const CALLEE = "+14155557000";

beforeEach(async () => {
  h = await startHarness({ speed: 20 });
  h.platform.route("/outbound", "<Response><Pause length=\"2\"/><Hangup/></Response>");
});
afterEach(async () => {
  await h.close();
});

const create = (form: Record<string, string | string[]>) =>
  twilioRest(h.sim.url, h.account, "POST", "/Calls.json", { To: CALLEE, From: h.number, Url: `${h.platform.url}/outbound`, ...form });

describe("status callbacks", () => {
  it("sends the requested progress events, signed, with sequence numbers, timestamps and the final duration", async () => {
    const { body } = await create({ StatusCallback: `${h.platform.url}/status`, StatusCallbackEvent: ["initiated", "ringing", "answered", "completed"] });
    await h.sim.waitForCallEnd(body.sid, 5000);
    const callbacks = h.platform.requests.filter((r) => r.path === "/status").sort((a, b) => Number(a.params.SequenceNumber) - Number(b.params.SequenceNumber));
    expect(callbacks.map((c) => [c.params.SequenceNumber, c.params.CallStatus])).toEqual([
      ["0", "initiated"],
      ["1", "ringing"],
      ["2", "in-progress"],
      ["3", "completed"],
    ]);
    for (const c of callbacks) {
      expect(c.params).toMatchObject({ CallSid: body.sid, AccountSid: h.account.accountSid, CallbackSource: "call-progress-events", Direction: "outbound-api", From: h.number, To: CALLEE });
      expect(c.params.Timestamp).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
      expect(await verifyTwilioSignature(h.account.authToken, c.url, c.params, c.headers["x-twilio-signature"] as string)).toBe(true);
    }
    expect(callbacks.slice(0, 3).every((c) => c.params.CallDuration === undefined)).toBe(true);
    // 2 s of <Pause> plus the webhook's wall time, which the 20× call clock magnifies.
    expect(Number(callbacks[3]!.params.CallDuration)).toBeGreaterThanOrEqual(2);
    expect(Number(callbacks[3]!.params.CallDuration)).toBeLessThanOrEqual(4);
    expect(callbacks[3]!.params).toMatchObject({ Duration: "1", SipResponseCode: "200" });
  });

  it("defaults to the completed event only, and honours StatusCallbackMethod=GET", async () => {
    const { body } = await create({ StatusCallback: `${h.platform.url}/status?x=1`, StatusCallbackMethod: "GET" });
    await h.sim.waitForCallEnd(body.sid, 5000);
    const callbacks = h.platform.requests.filter((r) => r.path === "/status");
    expect(callbacks).toHaveLength(1);
    const [callback] = callbacks;
    expect(callback!.method).toBe("GET");
    const query = Object.fromEntries(new URL(callback!.url).searchParams);
    expect(query).toMatchObject({ x: "1", CallStatus: "completed", SequenceNumber: "0" });
    // GET: the signature covers the full URL with its query string and no body parameters.
    expect(await verifyTwilioSignature(h.account.authToken, callback!.url, {}, callback!.headers["x-twilio-signature"] as string)).toBe(true);
  });

  it("reports busy and no-answer callees with their final status", async () => {
    h.sim.setCalleeScript(CALLEE, { answer: "busy" });
    const busy = await create({ StatusCallback: `${h.platform.url}/status` });
    const recording = await h.sim.waitForCallEnd(busy.body.sid, 5000);
    expect(recording).toMatchObject({ status: "busy", endReason: "busy", answeredAtMs: null });
    expect(h.platform.requests.find((r) => r.path === "/status")!.params).toMatchObject({ CallStatus: "busy", SipResponseCode: "486" });
    expect(h.platform.requests.some((r) => r.path === "/outbound")).toBe(false);

    h.sim.setCalleeScript(CALLEE, { answer: "no-answer" });
    const missed = await create({});
    expect((await h.sim.waitForCallEnd(missed.body.sid, 5000)).status).toBe("no-answer");
  });
});

describe("answering-machine detection", () => {
  it("sync AMD holds the call, then fetches Url with AnsweredBy and MachineDetectionDuration", async () => {
    h.sim.setCalleeScript(CALLEE, { answeredBy: "machine_end_beep", amdDurationMs: 3000 });
    const { body } = await create({ MachineDetection: "Enable" });
    const recording = await h.sim.waitForCallEnd(body.sid, 5000);
    const voice = h.platform.requests.find((r) => r.path === "/outbound")!;
    // With Enable, any machine is reported as machine_start.
    expect(voice.params).toMatchObject({ AnsweredBy: "machine_start", MachineDetectionDuration: "3000", CallStatus: "in-progress" });
    expect(recording.answeredBy).toBe("machine_start");
    expect(recording.webhooks[0]!.atMs - recording.answeredAtMs!).toBeGreaterThanOrEqual(3000);
    expect((await twilioRest(h.sim.url, h.account, "GET", `/Calls/${body.sid}.json`)).body.answered_by).toBe("machine_start");
  });

  it("async AMD connects at once and posts the result to AsyncAmdStatusCallback", async () => {
    h.sim.setCalleeScript(CALLEE, { answeredBy: "machine_end_beep", amdDurationMs: 1000 });
    const { body } = await create({ MachineDetection: "DetectMessageEnd", AsyncAmd: "true", AsyncAmdStatusCallback: `${h.platform.url}/amd` });
    const recording = await h.sim.waitForCallEnd(body.sid, 5000);
    const voice = h.platform.requests.find((r) => r.path === "/outbound")!;
    expect(voice.params.AnsweredBy).toBeUndefined();
    const amd = h.platform.requests.find((r) => r.path === "/amd")!;
    expect(amd.params).toEqual({ AccountSid: h.account.accountSid, CallSid: body.sid, AnsweredBy: "machine_end_beep", MachineDetectionDuration: "1000" });
    expect(await verifyTwilioSignature(h.account.authToken, amd.url, amd.params, amd.headers["x-twilio-signature"] as string)).toBe(true);
    const amdHook = recording.webhooks.find((w) => w.kind === "amd")!;
    expect(amdHook.atMs - recording.answeredAtMs!).toBeGreaterThanOrEqual(1000);
  });

  it("warns 21262 when AsyncAmd has no callback", async () => {
    const { body } = await create({ MachineDetection: "Enable", AsyncAmd: "true" });
    const recording = await h.sim.waitForCallEnd(body.sid, 5000);
    expect(recording.errors.map((e) => e.code)).toContain(21262);
  });
});
