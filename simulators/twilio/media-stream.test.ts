import twilio from "twilio";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TwilioMessage } from "../../shared/protocol/twilio-media.ts";
import { buildClearMessage, buildMarkMessage, buildMediaMessage } from "../../shared/protocol/twilio-media.ts";
import { verifyTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import type { RecordedStream } from "./testing/fake-platform.ts";
import { connectTwiml, startHarness, type Harness } from "./testing/harness.ts";

const SPEED = 10;
let h: Harness;

beforeEach(async () => {
  h = await startHarness({ speed: SPEED });
});
afterEach(async () => {
  await h.close();
});

const streamSidOf = async (stream: RecordedStream) => {
  const start = await stream.waitFor((m) => m.event === "start");
  return start.event === "start" ? start.streamSid : "";
};
const mulaw = (ms: number) => Buffer.alloc(ms * 8, 0x10).toString("base64");

describe("Media Streams, Twilio side", () => {
  it("posts a signed voice webhook, then sends connected, start, paced media, dtmf and stop in order", async () => {
    h.platform.route("/voice", connectTwiml(h.platform, { path: "/media/abc", params: { tenant: "acme", token: "k2f9" } }));
    const call = await h.ring({ steps: [{ pause: 200 }, { dtmf: "1#" }, { pause: 300 }, { hangup: true }] });
    const stream = await h.platform.nextStream();
    const recording = await call.ended;
    await stream.closed;

    const voice = h.platform.requests.find((r) => r.path === "/voice")!;
    expect(voice.method).toBe("POST");
    expect(voice.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(voice.params).toMatchObject({
      CallSid: call.callSid,
      AccountSid: h.account.accountSid,
      From: "+14155550999",
      To: h.number,
      Caller: "+14155550999",
      Called: h.number,
      CallStatus: "ringing",
      Direction: "inbound",
      ApiVersion: "2010-04-01",
    });
    const signature = voice.headers["x-twilio-signature"] as string;
    expect(await verifyTwilioSignature(h.account.authToken, voice.url, voice.params, signature)).toBe(true);
    expect(twilio.validateRequest(h.account.authToken, signature, voice.url, voice.params)).toBe(true);

    // The upgrade is signed over the wss:// URL as written in the TwiML, with no parameters.
    expect(stream.path).toBe("/media/abc");
    const wssUrl = `${h.platform.wsUrl}/media/abc`;
    expect(twilio.validateRequest(h.account.authToken, stream.headers["x-twilio-signature"] as string, wssUrl, {})).toBe(true);

    expect(stream.invalid).toEqual([]);
    const all = stream.messages.map((m) => m.message);
    expect(all[0]).toEqual({ event: "connected", protocol: "Call", version: "1.0.0" });
    const start = all[1] as Extract<TwilioMessage, { event: "start" }>;
    expect(start).toEqual({
      event: "start",
      sequenceNumber: "1",
      streamSid: expect.stringMatching(/^MZ[0-9a-f]{32}$/),
      start: {
        accountSid: h.account.accountSid,
        streamSid: start.streamSid,
        callSid: call.callSid,
        tracks: ["inbound"],
        customParameters: { tenant: "acme", token: "k2f9" },
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
      },
    });
    const rest = all.slice(1);
    expect(rest.map((m) => ("sequenceNumber" in m ? Number(m.sequenceNumber) : -1))).toEqual(rest.map((_, i) => i + 1));
    expect(rest.every((m) => m.event === "connected" || m.streamSid === start.streamSid)).toBe(true);

    const media = all.filter((m) => m.event === "media");
    expect(media.length).toBeGreaterThan(20);
    media.forEach((m, i) => {
      expect(m.media.track).toBe("inbound");
      expect(m.media.chunk).toBe(String(i + 1));
      expect(m.media.timestamp).toBe(String(i * 20));
      const bytes = Buffer.from(m.media.payload, "base64");
      expect(bytes.length).toBe(160);
      expect(bytes.every((b) => b === 0xff)).toBe(true);
    });
    expect(all.filter((m) => m.event === "dtmf").map((m) => m.event === "dtmf" && m.dtmf)).toEqual([
      { track: "inbound_track", digit: "1" },
      { track: "inbound_track", digit: "#" },
    ]);
    expect(all.at(-1)).toEqual({ event: "stop", sequenceNumber: String(rest.length), streamSid: start.streamSid, stop: { accountSid: h.account.accountSid, callSid: call.callSid } });

    // One 160-byte frame per 20 ms of call time while the stream was up (wall-clock pacing: pacing.test.ts).
    const streamUpMs = recording.endedAtMs! - recording.streams[0]!.startedAtMs!;
    expect(Math.abs(media.length * 20 - streamUpMs)).toBeLessThanOrEqual(40);
    expect(recording).toMatchObject({ status: "completed", endReason: "caller-hangup", dtmf: [{ digit: "1" }, { digit: "#" }] });
    expect(recording.dtmf[1]!.atMs - recording.dtmf[0]!.atMs).toBe(160);
    expect(recording.streams[0]).toMatchObject({ streamSid: start.streamSid, endReason: "call-ended", invalidMessages: 0, mediaFramesSent: media.length });
  });

  it("plays agent audio in real call time and echoes a mark only once the audio before it has played", async () => {
    h.platform.route("/voice", connectTwiml(h.platform));
    const call = await h.ring({ steps: [] });
    const stream = await h.platform.nextStream();
    const streamSid = await streamSidOf(stream);

    stream.send(buildMarkMessage(streamSid, "nothing-queued"));
    const early = await stream.waitFor((m) => m.event === "mark" && m.mark.name === "nothing-queued");
    expect(early).toMatchObject({ event: "mark", streamSid, sequenceNumber: expect.stringMatching(/^\d+$/) });

    const sentAt = performance.now();
    stream.send(buildMediaMessage(streamSid, mulaw(300)));
    stream.send(buildMediaMessage(streamSid, mulaw(200)));
    stream.send(buildMarkMessage(streamSid, "after-500ms"));
    const echoed = await stream.waitFor((m) => m.event === "mark" && m.mark.name === "after-500ms");
    const echoedAt = stream.messages.find((m) => m.message === echoed)!.atMs;
    // 500 ms of audio at speed 10 is 50 ms of wall time; it can't be echoed sooner (how much later is load).
    expect(echoedAt - sentAt).toBeGreaterThanOrEqual(50);

    await h.sim.hangUp(call.callSid);
    const recording = await call.ended;
    expect(recording.agentAudio).toHaveLength(1);
    const segment = recording.agentAudio[0]!;
    expect(segment).toMatchObject({ streamSid, bytes: 4000, cutShort: false });
    expect(segment.endMs - segment.startMs).toBe(500);
    const mark = recording.marks.find((m) => m.name === "after-500ms")!;
    expect(mark.cleared).toBe(false);
    expect(mark.echoedAtMs!).toBeGreaterThanOrEqual(segment.endMs);
    // With nothing queued, a mark is echoed in the same handler that received it (call time, not the next frame).
    const nothingQueued = recording.marks.find((m) => m.name === "nothing-queued")!;
    expect(nothingQueued.echoedAtMs! - nothingQueued.receivedAtMs).toBeLessThan(20);
  });

  it("clear drops the buffered audio at once and returns every pending mark in order", async () => {
    h.platform.route("/voice", connectTwiml(h.platform));
    const call = await h.ring({ steps: [] });
    const stream = await h.platform.nextStream();
    const streamSid = await streamSidOf(stream);

    stream.send(buildMediaMessage(streamSid, mulaw(2000)));
    stream.send(buildMarkMessage(streamSid, "m1"));
    stream.send(buildMediaMessage(streamSid, mulaw(1000)));
    stream.send(buildMarkMessage(streamSid, "m2"));
    // Some 400 ms of call time played.
    await vi.waitFor(() => expect(h.sim.getCall(call.callSid)!.agentAudio[0]?.bytes ?? 0).toBeGreaterThanOrEqual(3200), { timeout: 5000, interval: 2 });
    stream.send(buildClearMessage(streamSid));
    await stream.waitFor((m) => m.event === "mark" && m.mark.name === "m2");
    const marks = stream.messages.filter((m) => m.message.event === "mark");
    expect(marks.map((m) => m.message.event === "mark" && m.message.mark.name)).toEqual(["m1", "m2"]);

    await h.sim.hangUp(call.callSid);
    const recording = await call.ended;
    expect(recording.clears).toHaveLength(1);
    const clear = recording.clears[0]!;
    expect(clear.marksReturned).toEqual(["m1", "m2"]);
    const played = recording.agentAudio[0]!.bytes;
    expect(played).toBeGreaterThan(0);
    expect(clear.discardedBytes).toBe(24000 - played);
    expect(clear.discardedMs).toBe(clear.discardedBytes / 8);
    expect(recording.agentAudio[0]).toMatchObject({ cutShort: true });
    expect(recording.marks.map((m) => [m.name, m.cleared])).toEqual([["m1", true], ["m2", true]]);
    // At once, not after the remaining ~2.6 s of audio would have played: in the clear's own handler (call time).
    for (const m of recording.marks) expect(m.echoedAtMs! - clear.atMs).toBeLessThan(20);
  });

  it("counts invalid server messages as 31951 and keeps the stream running", async () => {
    h.platform.route("/voice", connectTwiml(h.platform));
    const call = await h.ring({ steps: [] });
    const stream = await h.platform.nextStream();
    const streamSid = await streamSidOf(stream);
    stream.send("not json");
    stream.send({ event: "media", media: { payload: mulaw(20) } });
    stream.send({ event: "media", streamSid: "MZ00000000000000000000000000000000", media: { payload: mulaw(20) } });
    stream.send({ event: "mark", streamSid, mark: { name: "x" }, sequenceNumber: "1" });
    stream.send({ event: "dance", streamSid });
    stream.socket.send(Buffer.from([1, 2, 3]));
    stream.send(buildMarkMessage(streamSid, "still-alive"));
    await stream.waitFor((m) => m.event === "mark" && m.mark.name === "still-alive");
    await h.sim.hangUp(call.callSid);
    const recording = await call.ended;
    expect(recording.streams[0]!.invalidMessages).toBe(6);
    expect(recording.errors.filter((e) => e.code === 31951)).toHaveLength(6);
    expect(recording.status).toBe("completed");
  });
});
