import { afterEach, describe, expect, it, vi } from "vitest";
import { buildMarkMessage, buildMediaMessage } from "../../shared/protocol/twilio-media.ts";
import { CallClock, FrameTicker } from "./call-clock.ts";
import { connectTwiml, startHarness, type Harness } from "./testing/harness.ts";

let h: Harness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
  h = undefined;
});

// Real-time pacing is a property of the clock and the ticker, checked in fake time so that it holds on a busy
// machine; over real sockets every figure is read in call time, which the wire carries.
describe("real-time pacing", () => {
  it("fires one frame per 20 ms of call time, each with its own start, without drifting", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const clock = new CallClock(1);
    const frames: number[] = [];
    const ticker = new FrameTicker(clock, (frameStartMs) => frames.push(frameStartMs));
    ticker.start();
    vi.advanceTimersByTime(200);
    expect(frames).toEqual(Array.from({ length: 10 }, (_, k) => k * 20));
    vi.advanceTimersByTime(19);
    expect(frames).toHaveLength(10);
    vi.advanceTimersByTime(101);
    expect(frames).toEqual(Array.from({ length: 16 }, (_, k) => k * 20));
    ticker.stop();
    vi.advanceTimersByTime(1000);
    expect(frames).toHaveLength(16);
  });

  it("runs `speed` times faster in wall time", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const clock = new CallClock(10);
    const frames: number[] = [];
    const ticker = new FrameTicker(clock, (frameStartMs) => frames.push(frameStartMs));
    ticker.start();
    vi.advanceTimersByTime(100); // one second of call time
    ticker.stop();
    expect(frames).toHaveLength(50);
    expect(clock.toRealMs(1000)).toBe(100);
  });

  it("streams 20 ms frames and plays agent audio at 8000 bytes a second of call time, echoing the mark after it", async () => {
    h = await startHarness({ speed: 1 });
    h.platform.route("/voice", connectTwiml(h.platform));
    const call = await h.ring({ steps: [{ pause: 900 }, { hangup: true }] });
    const stream = await h.platform.nextStream();
    const start = await stream.waitFor((m) => m.event === "start");
    const streamSid = start.event === "start" ? start.streamSid : "";
    stream.send(buildMediaMessage(streamSid, Buffer.alloc(4800, 0x10).toString("base64"))); // 600 ms
    stream.send(buildMarkMessage(streamSid, "played"));
    const recording = await call.ended;

    const timestamps = stream.messages.flatMap((m) => (m.message.event === "media" ? [Number(m.message.media.timestamp)] : []));
    expect(timestamps.length).toBeGreaterThan(35);
    expect(timestamps).toEqual(timestamps.map((_, k) => timestamps[0]! + 20 * k));

    const [segment] = recording.agentAudio;
    expect(segment).toMatchObject({ bytes: 4800, cutShort: false });
    expect(segment!.endMs - segment!.startMs).toBe(600);
    const [mark] = recording.marks;
    expect(mark).toMatchObject({ name: "played", cleared: false });
    expect(mark!.echoedAtMs!).toBeGreaterThanOrEqual(segment!.endMs);
    expect(stream.messages.some((m) => m.message.event === "mark")).toBe(true);
  });
});
