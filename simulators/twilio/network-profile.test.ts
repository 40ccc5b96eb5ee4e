import { afterEach, describe, expect, it } from "vitest";
import { buildMarkMessage } from "../../shared/protocol/twilio-media.ts";
import { latencyProfiles, type LatencyProfile } from "../common/latency-profile.ts";
import { connectTwiml, startHarness, type Harness } from "./testing/harness.ts";
import { median, within10Percent } from "../common/testing/timing-assertions.ts";

/**
 * Realistic-shaped (log-normal, p95 above p50) but several times the realistic figures (60 ms webhook, 20 ms
 * transit), so that 10 % of a delay stands clear of scheduling noise.
 */
const SHAPED: LatencyProfile = {
  ...latencyProfiles.instant,
  twilioWebhook: { p50Ms: 200, p95Ms: 300 },
  twilioMediaTransit: { p50Ms: 150, p95Ms: 220 },
};
const HANGUP = `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("Twilio network delays from the latency profile", () => {
  it("delivers each voice webhook a drawn delay after the call starts (median within 10 % of the profile's)", async () => {
    h = await startHarness({ profile: SHAPED, seed: 3 });
    h.platform.route("/voice", HANGUP);
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const startedAt = performance.now();
      const call = await h.ring({});
      const voice = await h.platform.waitForRequest((r) => r.path === "/voice" && r.params["CallSid"] === call.callSid);
      delays.push(voice.atMs - startedAt);
      await call.ended;
    }
    within10Percent(median(delays), SHAPED.twilioWebhook.p50Ms);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(20);
  }, 20_000);

  it("carries media both ways with the stream's transit: a mark's round trip is two transits, and stop still precedes the close", async () => {
    h = await startHarness({ profile: SHAPED, seed: 4, speed: 1 });
    h.platform.route("/voice", connectTwiml(h.platform));
    const transits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const call = await h.ring({ steps: [{ pause: 3000 }, { hangup: true }] });
      const stream = await h.platform.nextStream();
      const start = await stream.waitFor((m) => m.event === "start");
      const streamSid = start.event === "start" ? start.streamSid : "";
      const sentAt = performance.now();
      stream.send(buildMarkMessage(streamSid, `m${i}`)); // nothing queued: Twilio echoes it as soon as it arrives
      await stream.waitFor((m) => m.event === "mark");
      const roundTripMs = stream.messages.find((m) => m.message.event === "mark")!.atMs - sentAt;
      const transitMs = h.sim.getCall(call.callSid)!.streams[0]!.transitMs;
      within10Percent(roundTripMs / 2, transitMs);
      transits.push(transitMs);
      await h.sim.hangUp(call.callSid);
      await stream.closed;
      expect(stream.messages.at(-1)!.message.event).toBe("stop");
      await call.ended;
    }
    expect(new Set(transits).size).toBe(3);
  }, 20_000);

  it("adds nothing under instant", async () => {
    h = await startHarness({ profile: "instant" });
    h.platform.route("/voice", connectTwiml(h.platform));
    const call = await h.ring({ steps: [{ pause: 500 }, { hangup: true }] });
    await h.platform.nextStream();
    expect(h.sim.getCall(call.callSid)!.streams[0]!.transitMs).toBe(0);
    await call.ended;
  });
});

describe("the jittery profile", () => {
  it("drops a media socket mid-call (1006, no stop); the call follows <Connect action> and the platform reconnects", async () => {
    // Seed 5 makes the first stream of the call drop and the second survive.
    h = await startHarness({ profile: "jittery", seed: 5, speed: 1, mediaDropWindowMs: { minMs: 300, maxMs: 500 } });
    const platform = h.platform;
    platform.route("/voice", connectTwiml(platform, { path: "/media/first", action: "/reconnect" }));
    platform.route("/reconnect", connectTwiml(platform, { path: "/media/second" }));
    const call = await h.ring({ steps: [{ pause: 3000 }, { hangup: true }] });
    const first = await platform.nextStream();
    const closeCode = new Promise<number>((resolve) => first.socket.once("close", (code) => resolve(code)));
    await first.waitFor((m) => m.event === "start");
    const openedAt = performance.now();
    expect(await closeCode).toBe(1006);
    expect(performance.now() - openedAt).toBeLessThan(700);
    expect(first.messages.some((m) => m.message.event === "stop")).toBe(false);

    const reconnect = await platform.waitForRequest((r) => r.path === "/reconnect");
    expect(reconnect.params["CallSid"]).toBe(call.callSid);
    const second = await platform.nextStream();
    expect(second.path).toBe("/media/second");
    await second.waitFor((m) => m.event === "media");

    const recording = await call.ended;
    expect(recording.streams.map((s) => s.endReason)).toEqual(["network-dropped", "call-ended"]);
  }, 15_000);
});
