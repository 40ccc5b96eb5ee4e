import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Frame } from "../pipeline/frames.ts";
import { fakeCall } from "../pipeline/testing/fake-call.ts";
import { HOLD_LINE_MAX_MS, heardOrTimeout } from "./hold-line.ts";

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse("2026-01-05T09:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("heardOrTimeout", () => {
  it("removes its observer once the line is heard, and an observer added after it still sees that frame", async () => {
    const call = fakeCall();
    const { pipeline } = call;
    const baseline = pipeline.footprint().observers;
    const turnId = pipeline.say("Please hold while I connect you.", "silence");
    let settled = false;
    const waiting = heardOrTimeout((observer) => pipeline.observe(observer), turnId).then(() => (settled = true));
    const later: Frame[] = [];
    const stopLater = pipeline.observe((frame) => {
      if (frame.kind === "playback_done") later.push(frame);
    });
    expect(pipeline.footprint().observers).toBe(baseline + 2);
    await call.until(() => call.heard.some((f) => f.turnId === turnId));
    await waiting;
    expect(settled).toBe(true);
    expect(later.map((f) => f.kind === "playback_done" && f.turnId)).toEqual([turnId]);
    stopLater();
    expect(pipeline.footprint().observers).toBe(baseline);
  });

  it("removes its observer when the line is never heard and the wait times out", async () => {
    const call = fakeCall();
    const { pipeline } = call;
    const baseline = pipeline.footprint().observers;
    let settled = false;
    // A turn that is never said: only the timeout ends the wait.
    const waiting = heardOrTimeout((observer) => pipeline.observe(observer), 99).then(() => (settled = true));
    expect(pipeline.footprint().observers).toBe(baseline + 1);
    await vi.advanceTimersByTimeAsync(HOLD_LINE_MAX_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(pipeline.footprint().observers).toBe(baseline);
  });
});
