import { afterEach, describe, expect, it } from "vitest";
import { buildMarkMessage } from "../../shared/protocol/twilio-media.ts";
import { latencyProfiles, type LatencyProfile } from "../common/latency-profile.ts";
import { TwilioNetwork } from "./network-conditions.ts";
import { connectTwiml, startHarness, type Harness } from "./testing/harness.ts";
import { median, within10Percent } from "../common/testing/timing-assertions.ts";

/**
 * Realistic-shaped (log-normal, p95 above p50) but several times the realistic figures (60 ms webhook, 20 ms
 * transit). The profile's figures are checked on many seeded draws; over real sockets a delay is only ever a lower
 * bound (a busy machine adds to it), so that is what the calls check.
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

/** The value below which `share` of the values lie. */
const quantile = (values: number[], share: number) => [...values].sort((a, b) => a - b)[Math.floor(share * (values.length - 1))]!;

describe("Twilio network delays from the latency profile", () => {
  it("draws webhook delays and media transits with the profile's median and p95 (2,000 seeded draws each)", () => {
    const network = new TwilioNetwork(SHAPED, 11);
    for (const [draw, expected] of [
      [() => network.webhookDelayMs(), SHAPED.twilioWebhook],
      [() => network.mediaTransitMs(), SHAPED.twilioMediaTransit],
    ] as const) {
      const draws = Array.from({ length: 2000 }, draw);
      within10Percent(median(draws), expected.p50Ms);
      within10Percent(quantile(draws, 0.95), expected.p95Ms);
    }
  });

  it("delivers each voice webhook no sooner than the delay drawn for it, and the draws vary", async () => {
    h = await startHarness({ profile: SHAPED, seed: 3 });
    h.platform.route("/voice", HANGUP);
    const drawn: number[] = [];
    for (let i = 0; i < 9; i++) {
      const startedAt = performance.now();
      const call = await h.ring({});
      const voice = await h.platform.waitForRequest((r) => r.path === "/voice" && r.params["CallSid"] === call.callSid);
      const recording = await call.ended;
      const delayMs = recording.webhooks.find((w) => w.kind === "voice")!.delayMs;
      expect(voice.atMs - startedAt).toBeGreaterThanOrEqual(delayMs - 1); // timers round to the millisecond
      drawn.push(delayMs);
    }
    expect(Math.max(...drawn) - Math.min(...drawn)).toBeGreaterThan(20);
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
      expect(roundTripMs).toBeGreaterThanOrEqual(2 * transitMs - 2);
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
    expect(await closeCode).toBe(1006);
    expect(first.messages.some((m) => m.message.event === "stop")).toBe(false);

    const reconnect = await platform.waitForRequest((r) => r.path === "/reconnect");
    expect(reconnect.params["CallSid"]).toBe(call.callSid);
    const second = await platform.nextStream();
    expect(second.path).toBe("/media/second");
    await second.waitFor((m) => m.event === "media");

    const recording = await call.ended;
    expect(recording.streams.map((s) => s.endReason)).toEqual(["network-dropped", "call-ended"]);
    // Not before the drop window opened (a busy machine can only make it later).
    expect(recording.streams[0]!.closedAtMs! - recording.streams[0]!.openedAtMs).toBeGreaterThanOrEqual(300);
  }, 15_000);
});
