import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Frame } from "../frames.ts";
import { SpeechLedger } from "../speech-ledger.ts";
import { TurnMetrics } from "../turn-metrics.ts";
import { mediaMessageMs, PlaybackStage } from "./playback.ts";

/** What Twilio is sent, in order: each media message with its byte values, marks and clears. */
function wire(messageMs: number, now: () => number = () => Date.now()) {
  const log: ({ media: number[] } | { mark: string } | "clear")[] = [];
  const stage = new PlaybackStage({
    sink: {
      sendMedia: (b64) => (log.push({ media: [...atob(b64)].map((c) => c.charCodeAt(0)) }), true),
      sendMark: (name) => (log.push({ mark: name }), true),
      sendClear: () => (log.push("clear"), true),
    },
    ledger: new SpeechLedger(),
    metrics: new TurnMetrics(),
    messageMs,
  });
  const out: Frame[] = [];
  stage.attach({ push: (f) => out.push(f), broadcast: () => {}, now });
  /** A chunk of `ms` of agent audio whose every byte is `fill`, complete. */
  const chunk = (chunkId: number, ms: number, fill: number) => {
    stage.handle({ kind: "agent_audio", turnId: 1, chunkId, mulaw: new Uint8Array(ms * 8).fill(fill) });
    stage.handle({ kind: "agent_audio_done", turnId: 1, chunkId });
  };
  const media = () => log.flatMap((e) => (typeof e === "object" && "media" in e ? [e.media] : []));
  return { stage, log, out, chunk, media };
}

describe("PlaybackStage media message size", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends 80 ms messages, never one spanning two chunks, each chunk's mark right after its last audio", () => {
    const w = wire(80);
    w.chunk(0, 200, 0x11);
    w.chunk(1, 100, 0x22);
    vi.advanceTimersByTime(1000);
    expect(w.log.map((e) => (typeof e === "object" && "media" in e ? `${e.media.length}×${e.media[0]}` : typeof e === "object" ? `mark:${e.mark}` : e))).toEqual([
      "640×17",
      "640×17",
      "320×17", // the end of chunk 0: a short message rather than one mixing in chunk 1's audio
      "mark:chunk-0",
      "640×34",
      "160×34",
      "mark:chunk-1",
    ]);
    for (const m of w.media()) expect(new Set(m).size).toBe(1);
  });

  it("still paces at real time: one 80 ms message per 80 ms, ahead by the lead plus one message", () => {
    const w = wire(80);
    w.chunk(0, 2000, 0x11);
    expect(w.media()).toHaveLength(2); // the 60 ms lead plus the message about to play
    vi.advanceTimersByTime(800);
    expect(w.media().length * 80).toBeLessThanOrEqual(800 + 60 + 80 + 80);
    expect(w.media().length * 80).toBeGreaterThanOrEqual(800 + 60);
  });

  it("a timer 40 ms late (a busy thread) never lets Twilio's buffer run dry", () => {
    let lateMs = 0;
    const t0 = Date.now();
    const w = wire(80, () => Date.now() + lateMs);
    w.chunk(0, 4000, 0x11);
    const bufferedMs: number[] = [];
    for (let tick = 0; tick < 24; tick++) {
      lateMs = tick % 2 ? 40 : 0; // every other tick runs 40 ms after it was due
      // What Twilio still holds when this tick runs: everything sent so far, less what has played by then.
      bufferedMs.push(w.media().length * 80 - (Date.now() + 80 + lateMs - t0));
      vi.advanceTimersByTime(80);
    }
    expect(Math.min(...bufferedMs)).toBeGreaterThan(0);
  });

  it("after a clear nothing more of the interrupted audio is sent, and its later marks are never sent", () => {
    const w = wire(80);
    w.chunk(0, 400, 0x11);
    w.chunk(1, 400, 0x22);
    vi.advanceTimersByTime(100);
    const sentBefore = w.media().length;
    expect(sentBefore).toBeGreaterThan(0);
    w.stage.handle({ kind: "interrupt", reason: "barge_in", atMs: Date.now() });
    expect(w.log.at(-1)).toBe("clear");
    vi.advanceTimersByTime(2000); // long past the end of both chunks: the event that proves the window passed
    expect(w.log.at(-1)).toBe("clear");
    expect(w.media()).toHaveLength(sentBefore);
    expect(w.log).not.toContainEqual({ mark: "chunk-1" });
  });

  it("sends the audio byte for byte however the synthesiser split it into pieces (messages within a piece and across pieces)", () => {
    const w = wire(80);
    const pieces = [100, 1500, 640, 7, 1113].map((n, p) => Uint8Array.from({ length: n }, (_, i) => (p * 50 + i) % 251));
    for (const mulaw of pieces) w.stage.handle({ kind: "agent_audio", turnId: 1, chunkId: 0, mulaw });
    w.stage.handle({ kind: "agent_audio_done", turnId: 1, chunkId: 0 });
    vi.advanceTimersByTime(2000);
    expect(w.media().flat()).toEqual(pieces.flatMap((p) => [...p]));
    // The first piece goes out at once as it is (never waited for); then whole 80 ms messages, some spanning pieces.
    expect(w.media().map((m) => m.length)).toEqual([100, 640, 640, 640, 640, 640, 60]);
    expect(w.log.at(-1)).toEqual({ mark: "chunk-0" });
  });

  it("rounds any configured size to whole 20 ms frames within 20–80 ms", () => {
    expect([undefined, 0, 20, 30, 40, 60, 80, 200, Number.NaN].map(mediaMessageMs)).toEqual([20, 20, 20, 40, 40, 60, 80, 80, 20]);
  });
});
