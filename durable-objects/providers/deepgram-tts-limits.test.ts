import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DeepgramTextToSpeech } from "./deepgram-tts.ts";
import type { ProviderError, TextToSpeechListener } from "./provider-types.ts";
import { DEEPGRAM, speech } from "./testing/deepgram-sim.ts";
import { FakeDeepgram, SocketProxy } from "./testing/socket-proxy.ts";

type Event = { kind: "audio"; id: number; bytes: number; atMs: number } | { kind: "done"; id: number };

/** Records what the speaker hands on, on a call clock the test sets (or the wall clock). */
class Recorder implements TextToSpeechListener {
  readonly events: Event[] = [];
  readonly failures: ProviderError[] = [];
  clockMs: number | undefined;
  audio(id: number, mulaw: Uint8Array): void {
    this.events.push({ kind: "audio", id, bytes: mulaw.length, atMs: Date.now() });
  }
  done(id: number): void {
    this.events.push({ kind: "done", id });
  }
  failed(error: ProviderError): void {
    this.failures.push(error);
  }
  callClockMs(): number {
    return this.clockMs ?? Date.now();
  }
  get doneIds(): number[] {
    return this.events.filter((e) => e.kind === "done").map((e) => e.id);
  }
  bytes(id: number): number {
    return this.events.reduce((n, e) => n + (e.kind === "audio" && e.id === id ? e.bytes : 0), 0);
  }
  /**
   * Plays chunks `ids` back to back at real time from the first byte of the first, as playback does (8 bytes per
   * ms): how long the caller would have waited, in all, for audio that had not arrived when it was due.
   */
  starvedMs(ids: number[]): number {
    const audio = this.events.filter((e): e is Extract<Event, { kind: "audio" }> => e.kind === "audio" && ids.includes(e.id));
    let playheadMs = audio[0]?.atMs ?? 0;
    let starved = 0;
    for (const e of audio) {
      starved += Math.max(0, e.atMs - playheadMs);
      playheadMs = Math.max(playheadMs, e.atMs) + e.bytes / 8;
    }
    return starved;
  }
  /** Event kinds with consecutive repeats collapsed: `audio:1, done:1, audio:2, done:2`. */
  get shape(): string[] {
    return this.events.map((e) => `${e.kind}:${e.id}`).filter((s, i, all) => s !== all[i - 1]);
  }
}

const open: DeepgramTextToSpeech[] = [];
function client(fetcher: typeof fetch, clockMs?: number, baseUrl = DEEPGRAM.baseUrl()) {
  const listener = new Recorder();
  listener.clockMs = clockMs;
  const tts = new DeepgramTextToSpeech({ baseUrl, apiKey: DEEPGRAM.apiKey(), config: { voice: "aura-2-thalia-en" }, listener, fetcher });
  open.push(tts);
  return { tts, listener };
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

const waitFor = <T>(check: () => T, timeout = 10_000): Promise<T> => vi.waitFor(check, { timeout, interval: 10 });
const inOrder = (count: number, from = 1) => Array.from({ length: count }, (_, i) => [`audio:${i + from}`, `done:${i + from}`]).flat();
const clause = (i: number) => `Clause number ${i} is short.`;

describe("DeepgramTextToSpeech within Deepgram's speak-socket limits (simulator)", () => {
  it("64 short clauses in bursts: under 20 Flushes a minute per socket, merged and moved to a fresh socket, every clause heard in order", async () => {
    const proxy = new SocketProxy();
    const { tts, listener } = client(proxy.fetcher);
    await tts.connect();
    // Eight replies of eight clauses each, all within seconds: far more than 20 a minute.
    const starvedMs: number[] = [];
    for (let reply = 0; reply < 8; reply++) {
      const ids = Array.from({ length: 8 }, (_, i) => reply * 8 + 1 + i);
      for (const i of ids) tts.speak(i, clause(i));
      await waitFor(() => expect(listener.doneIds).toHaveLength(reply * 8 + 8));
      starvedMs.push(listener.starvedMs(ids));
    }
    // No gap: within each reply, every byte (merged Flushes and the move to a fresh socket included) arrived before
    // the audio ahead of it would have finished playing.
    expect(starvedMs).toEqual(starvedMs.map(() => 0));
    expect(listener.failures).toEqual([]);
    expect(listener.shape).toEqual(inOrder(64));
    for (let i = 1; i <= 64; i++) expect(listener.bytes(i)).toBeGreaterThan(0);
    // The simulator warns on a 21st Flush within 60 s (and on every other limit): it never had to.
    expect(tts.stats.warnings).toBe(0);
    expect(tts.stats.reconnects).toBe(0);
    expect(tts.stats.mergedChunks).toBeGreaterThan(0);
    expect(tts.stats.flushes).toBeLessThan(64);
    expect(tts.stats.flushes + tts.stats.mergedChunks).toBe(64);
    expect(tts.stats.rotations).toBeGreaterThanOrEqual(1);
    // Never more than two sockets at once (the old one drains while the new one speaks).
    expect(tts.stats.maxSocketsOpen).toBeLessThanOrEqual(2);
    expect(proxy.sent("Flush").length).toBe(tts.stats.flushes);
    const spoken = (proxy.sent("Speak") as { text: string }[]).map((m) => m.text).join("");
    for (let i = 1; i <= 64; i++) expect(spoken).toContain(clause(i));
  });

  it("a socket that does hit the Flush limit (its clock was wrong) recovers on a fresh socket with nothing lost or repeated", async () => {
    const proxy = new SocketProxy();
    // The speaker's call clock says ten seconds pass between clauses; Deepgram's wall clock says they all came at once.
    const { tts, listener } = client(proxy.fetcher, 0);
    await tts.connect();
    for (let i = 1; i <= 25; i++) {
      listener.clockMs! += 10_000;
      tts.speak(i, clause(i));
    }
    await waitFor(() => expect(listener.doneIds).toHaveLength(25));

    expect(tts.stats.warnings).toBeGreaterThanOrEqual(1);
    expect(listener.failures).toEqual([]);
    expect(listener.shape).toEqual(inOrder(25));
    // Exactly each clause's audio: what the first socket delivered is not delivered again after the resend.
    for (let i = 1; i <= 25; i++) expect(listener.bytes(i)).toBe((await speech(clause(i))).bytes.length);
    expect(proxy.sockets).toBeGreaterThanOrEqual(2);
    expect(tts.stats.maxSocketsOpen).toBeLessThanOrEqual(2);
  });

  it("keeps talking past 60 minutes of call clock: a fresh socket takes over before Deepgram's 60-minute cap, unheard", async () => {
    // Against a simulator whose call clock runs 300× (an hour is 12 s), on the same clock.
    const speed = Number(env.DEEPGRAM_ACCELERATED_SPEED);
    const proxy = new SocketProxy();
    const { tts, listener } = client(proxy.fetcher, undefined, env.DEEPGRAM_ACCELERATED_BASE_URL);
    const callClockMs = () => Date.now() * speed;
    listener.callClockMs = callClockMs;
    await tts.connect();
    const start = callClockMs();
    // One clause a minute for 70 minutes of call time.
    for (let i = 1; i <= 70; i++) {
      await waitFor(() => expect(callClockMs() - start).toBeGreaterThanOrEqual(i * 60_000));
      tts.speak(i, clause(i));
      await waitFor(() => expect(listener.doneIds).toContain(i));
    }
    expect(listener.failures).toEqual([]);
    expect(listener.shape).toEqual(inOrder(70));
    // The first socket was retired by the speaker, never closed by Deepgram's cap (that would count as a reconnect).
    expect(tts.stats).toMatchObject({ rotations: 1, reconnects: 0, warnings: 0 });
    expect(proxy.sockets).toBe(2);
  }, 30_000);
});

describe("DeepgramTextToSpeech and Deepgram's Warning", () => {
  it("treats a Warning, in either shape, as the loss of that socket: the unfinished chunk resumes on a fresh one", async () => {
    const fake = new FakeDeepgram();
    const { tts, listener } = client(fake.fetcher);
    await tts.connect();
    tts.speak(1, "Hello there.");
    await waitFor(() => expect(fake.received.at(-1)).toBe('{"type":"Flush"}'));
    fake.send(new Uint8Array(3));
    fake.send({ type: "Warning", description: "More than 20 Flush messages in 60 seconds.", code: "FLUSH_LIMIT_EXCEEDED" });
    await waitFor(() => expect(fake.urls).toHaveLength(2));
    await waitFor(() => expect(fake.received.filter((m) => m === '{"type":"Flush"}')).toHaveLength(2));
    expect(fake.received.filter((m) => m === '{"type":"Speak","text":"Hello there."}')).toHaveLength(2);
    // The fresh socket synthesises the chunk from its start: the 3 bytes already heard are not repeated.
    fake.send(new Uint8Array(5));
    fake.send({ type: "Flushed", sequence_id: 0 });
    await waitFor(() => expect(listener.doneIds).toEqual([1]));
    expect(listener.bytes(1)).toBe(5);

    tts.speak(2, "And again.");
    await waitFor(() => expect(fake.received.filter((m) => m === '{"type":"Flush"}')).toHaveLength(3));
    fake.send({ type: "Warning", warn_msg: "More than 12000 characters in 2 minutes.", warn_code: "CHARACTER_LIMIT_EXCEEDED" });
    await waitFor(() => expect(fake.urls).toHaveLength(3));
    await waitFor(() => expect(fake.received.filter((m) => m === '{"type":"Flush"}')).toHaveLength(4));
    fake.send(new Uint8Array(4));
    fake.send({ type: "Flushed", sequence_id: 0 });
    await waitFor(() => expect(listener.doneIds).toEqual([1, 2]));
    expect(listener.bytes(2)).toBe(4);
    expect(tts.stats).toMatchObject({ warnings: 2, reconnects: 2 });
    expect(listener.failures).toEqual([]);
  });

  it("a chunk warned about on its fresh socket as well fails the speaker (the call apologises)", async () => {
    const fake = new FakeDeepgram();
    const { tts, listener } = client(fake.fetcher);
    await tts.connect();
    tts.speak(1, "Hello there.");
    for (let socket = 1; socket <= 2; socket++) {
      await waitFor(() => expect(fake.received.filter((m) => m === '{"type":"Flush"}')).toHaveLength(socket));
      fake.send({ type: "Warning", description: "More than 20 Flush messages in 60 seconds.", code: "FLUSH_LIMIT_EXCEEDED" });
    }
    await waitFor(() => expect(listener.failures).toHaveLength(1));
    expect(listener.failures[0]).toMatchObject({ provider: "deepgram-tts", retryable: true });
    expect(listener.failures[0]!.message).toMatch(/FLUSH_LIMIT_EXCEEDED/);
  });
});
