import { describe, expect, it } from "vitest";
import { MAX_BUFFERED_BYTES, PlaybackQueue } from "./playback-queue.ts";

function harness() {
  const events: string[] = [];
  const queue = new PlaybackQueue({
    segmentStarted: (ms) => events.push(`start@${ms}`),
    segmentProgress: () => {},
    segmentEnded: (ms, cut) => events.push(`end@${ms}${cut ? " cut" : ""}`),
    markReached: (name, cleared) => events.push(`mark ${name}${cleared ? " cleared" : ""}`),
  });
  return { queue, events };
}

const audio = (bytes: number) => new Uint8Array(bytes).fill(0x10);

describe("PlaybackQueue", () => {
  it("echoes a mark at once when nothing is buffered", () => {
    const { queue, events } = harness();
    queue.enqueueMark("m0");
    expect(events).toEqual(["mark m0"]);
  });

  it("plays 8 bytes per ms from the first frame boundary after arrival, and echoes a mark only after its audio", () => {
    const { queue, events } = harness();
    queue.enqueueAudio(audio(400), 5); // 50 ms of audio, arrived mid-frame [0, 20)
    queue.enqueueMark("m1");
    queue.advance(0); // arrived after this frame started: not playable yet
    expect(events).toEqual([]);
    queue.advance(20);
    queue.advance(40);
    expect(events).toEqual(["start@20"]);
    expect(queue.busy).toBe(true);
    queue.advance(60); // the last 80 bytes play in [60, 70); then the mark is reached
    expect(events).toEqual(["start@20", "mark m1", "end@70"]);
    expect(queue.lastAudioEndMs).toBe(70);
    expect(queue.busy).toBe(false);
  });

  it("keeps marks between chunks in order", () => {
    const { queue, events } = harness();
    queue.enqueueAudio(audio(160), 0);
    queue.enqueueMark("a");
    queue.enqueueAudio(audio(160), 0);
    queue.enqueueMark("b");
    queue.advance(0);
    expect(events).toEqual(["start@0", "mark a"]);
    queue.advance(20);
    expect(events).toEqual(["start@0", "mark a", "mark b"]);
    queue.advance(40);
    expect(events).toEqual(["start@0", "mark a", "mark b", "end@40"]);
  });

  it("clear drops queued audio, cuts the segment and returns every pending mark in order", () => {
    const { queue, events } = harness();
    queue.enqueueAudio(audio(1600), 0);
    queue.enqueueMark("x");
    queue.enqueueAudio(audio(800), 0);
    queue.enqueueMark("y");
    queue.advance(0);
    const result = queue.clear(25);
    expect(result).toEqual({ discardedBytes: 1600 + 800 - 160, marks: ["x", "y"] });
    expect(events).toEqual(["start@0", "end@25 cut", "mark x cleared", "mark y cleared"]);
    expect(queue.busy).toBe(false);
    queue.enqueueMark("z");
    expect(events.at(-1)).toBe("mark z");
  });

  it("ends a segment on underrun and starts a new one when late audio arrives", () => {
    const { queue, events } = harness();
    queue.enqueueAudio(audio(160), 0);
    queue.advance(0);
    queue.enqueueAudio(audio(160), 30);
    queue.advance(20);
    queue.advance(40);
    expect(events).toEqual(["start@0", "end@20", "start@40"]);
  });

  it("refuses audio beyond ~10 minutes of buffer", () => {
    const { queue } = harness();
    expect(queue.enqueueAudio(audio(MAX_BUFFERED_BYTES), 0)).toBe(true);
    expect(queue.enqueueAudio(audio(160), 0)).toBe(false);
    expect(queue.queuedBytes).toBe(MAX_BUFFERED_BYTES);
  });
});
