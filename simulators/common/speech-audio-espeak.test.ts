import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthesizeSpeech } from "./speech-audio.ts";

// A fake espeak-ng first on PATH. The probe for espeak-ng runs once per module instance, and vitest gives each test
// file its own, so this file sees the fake while the others see whatever the machine has.
let dir: string;
let log: string;
const saved = { path: process.env["PATH"], log: process.env["FAKE_ESPEAK_LOG"] };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fake-espeak-"));
  log = join(dir, "calls.log");
  copyFileSync(new URL("./testing/fake-espeak-ng.mjs", import.meta.url), join(dir, "espeak-ng"));
  chmodSync(join(dir, "espeak-ng"), 0o755);
  process.env["PATH"] = `${dir}${delimiter}${process.env["PATH"] ?? ""}`;
  process.env["FAKE_ESPEAK_LOG"] = log;
});
afterAll(() => {
  process.env["PATH"] = saved.path;
  if (saved.log === undefined) delete process.env["FAKE_ESPEAK_LOG"];
  else process.env["FAKE_ESPEAK_LOG"] = saved.log;
  rmSync(dir, { recursive: true, force: true });
});

describe("speech through espeak-ng", () => {
  it("runs espeak-ng with the rate and text, and resamples its 22.05 kHz WAV to the requested rate", async () => {
    const speech = await synthesizeSpeech("hello there world", { wordsPerMinute: 170 });
    const calls = readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line) as string[]);
    expect(calls).toEqual([["--version"], ["--stdout", "-s", "170", "--", "hello there world"]]);

    // 3 words × 400 ms of a 220 Hz sine, now at 8 kHz (the resampler's edge taps fade a frame or two at each end,
    // which the silence trim then drops).
    expect(speech.sampleRate).toBe(8000);
    expect(speech.durationMs).toBeGreaterThanOrEqual(1140);
    expect(speech.durationMs).toBeLessThanOrEqual(1200);
    expect(speech.pcm.length).toBe(speech.durationMs * 8);
    let crossings = 0;
    for (let i = 1; i < speech.pcm.length; i++) if ((speech.pcm[i - 1]! < 0) !== (speech.pcm[i]! < 0)) crossings++;
    const hz = crossings / 2 / (speech.durationMs / 1000);
    expect(hz).toBeGreaterThan(215);
    expect(hz).toBeLessThan(225);
    const peak = speech.pcm.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    expect(peak).toBeGreaterThan(7000);
    expect(speech.words.map((w) => w.word)).toEqual(["hello", "there", "world"]);
    expect(speech.words.at(-1)!.endMs).toBeLessThanOrEqual(speech.durationMs);
    expect(speech.words.at(-1)!.endMs).toBeGreaterThan(speech.durationMs * 0.9);
  });

  it("keeps the requested sample rate (16 kHz) too", async () => {
    const speech = await synthesizeSpeech("one two", { sampleRate: 16_000 });
    expect(speech.sampleRate).toBe(16_000);
    expect(speech.durationMs).toBeGreaterThanOrEqual(740);
    expect(speech.durationMs).toBeLessThanOrEqual(800);
  });
});
