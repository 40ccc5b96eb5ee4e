import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sleep } from "../common/latency-profile.ts";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";
import { DEFAULT_LISTEN_TIMING } from "./listen-timing.ts";
import { authHeaders, concatBytes, RecordingClient, silenceMulaw, speechMulaw, transcriptOf, utteranceText } from "./test-support.ts";

const TEXT = "Please send the invoice to my office address by Friday.";
const QUERY = "model=nova-3&encoding=mulaw&sample_rate=8000&interim_results=true&endpointing=300&utterance_end_ms=1000&punctuate=true";

let sim: DeepgramSimulator;
beforeAll(async () => {
  sim = await startDeepgramSimulator({ idleTimeoutMs: 300 });
});
afterAll(() => sim.close());

/** With only the timers fake (socket I/O stays real), waits for the server by polling on setImmediate. */
const until = async (done: () => boolean): Promise<void> => {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
};

const open = async (query = QUERY, target = sim): Promise<RecordingClient> => {
  const client = new RecordingClient(`${target.wsUrl}/v1/listen?${query}`, { headers: authHeaders() });
  await client.opened;
  return client;
};

describe("listen control messages", () => {
  it("Finalize after the caller paused returns the whole utterance with from_finalize and speech_final", async () => {
    sim.registry.expect("CA-fin", TEXT);
    // Synthesised before the socket opens: the simulator's 300 ms idle timeout runs from the upgrade.
    const speech = (await speechMulaw(TEXT)).bytes;
    const c = await open(`${QUERY}&extra=call_sid:CA-fin`);
    // 120 ms of trailing silence: short of the 300 ms endpoint, so only Finalize can end the utterance now.
    c.sendAudio(concatBytes(speech, silenceMulaw(120)));
    c.sendJson({ type: "Finalize" });
    const flushed = await c.waitFor((m) => m["from_finalize"] === true);
    expect(flushed).toMatchObject({ is_final: true, speech_final: true });
    expect(transcriptOf(flushed)).toBe(TEXT);
    expect(sim.registry.heard("CA-fin")).toEqual([TEXT]);
    // More silence doesn't produce a second speech_final for the same speech.
    c.sendAudio(silenceMulaw(600));
    await sleep(50);
    expect(c.ofType("Results").filter((m) => m["speech_final"])).toHaveLength(1);
    c.ws.close();
  });

  it("Finalize mid-speech finalises what was heard; the endpoint later completes the utterance", async () => {
    sim.registry.expect("CA-mid", TEXT);
    const speech = (await speechMulaw(TEXT)).bytes; // before the socket opens (its idle timeout runs from the upgrade)
    const c = await open(`${QUERY}&extra=call_sid:CA-mid`);
    const half = Math.floor(speech.length / 2);
    c.sendAudio(speech.subarray(0, half));
    c.sendJson({ type: "Finalize" });
    const partial = await c.waitFor((m) => m["from_finalize"] === true);
    expect(partial).toMatchObject({ is_final: true, speech_final: false });
    expect(transcriptOf(partial).length).toBeGreaterThan(0);
    expect(TEXT.startsWith(transcriptOf(partial))).toBe(true);
    expect(sim.registry.pending("CA-mid")).toEqual([TEXT]);
    c.sendAudio(concatBytes(speech.subarray(half), silenceMulaw(400)));
    await c.waitFor((m) => m["speech_final"] === true);
    expect(utteranceText(c.received.json)).toBe(TEXT);
    expect(sim.registry.heard("CA-mid")).toEqual([TEXT]);
    c.ws.close();
  });

  it("a long monologue is finalised in spans (is_final without speech_final) before the endpoint", async () => {
    const long = await startDeepgramSimulator({ listenTiming: { maxSpanMs: 2000 } });
    const text = "This is a rather long message that keeps going for quite a while without any pause at all so that the service has to finalise it in pieces.";
    long.registry.expect("CA-long", text);
    const speech = (await speechMulaw(text)).bytes; // before the socket opens (its idle timeout runs from the upgrade)
    const c = await open(`${QUERY}&extra=call_sid:CA-long`, long);
    c.sendAudio(concatBytes(speech, silenceMulaw(400)));
    await c.waitFor((m) => m["speech_final"] === true);
    const finals = c.ofType("Results").filter((m) => m["is_final"]);
    expect(finals.filter((m) => !m["speech_final"] && transcriptOf(m)).length).toBeGreaterThanOrEqual(2);
    expect(utteranceText(c.received.json)).toBe(text);
    c.ws.close();
    await long.close();
  });

  it("KeepAlive is counted and holds the socket open once audio has flowed; silence from the client closes 1011 NET-0001", async () => {
    // Fake timers (the simulator's idle timeout is 300 ms): the gaps below are exact however busy the machine is.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const before = sim.stats().listen;
      const c = await open();
      c.sendAudio(silenceMulaw(100));
      c.sendJson({ type: "Finalize" });
      await until(() => c.received.json.some((m) => m["from_finalize"] === true));
      for (let i = 1; i <= 5; i++) {
        vi.advanceTimersByTime(150);
        c.sendJson({ type: "KeepAlive" });
        await until(() => sim.stats().listen.keepAlives === before.keepAlives + i);
      }
      vi.advanceTimersByTime(299);
      expect(sim.stats().listen.idleTimeouts).toBe(before.idleTimeouts);
      expect(c.ws.readyState).toBe(c.ws.OPEN);
      vi.advanceTimersByTime(1);
      expect(await c.closed).toEqual({ code: 1011, reason: "NET-0001" });
    } finally {
      vi.useRealTimers();
    }
  });

  it("KeepAlive alone does not hold a fresh socket open", async () => {
    const c = await open();
    const timer = setInterval(() => c.ws.readyState === c.ws.OPEN && c.sendJson({ type: "KeepAlive" }), 100);
    expect(await c.closed).toEqual({ code: 1011, reason: "NET-0001" });
    clearInterval(timer);
    expect(c.received.json).toEqual([]);
  });

  it("ignores unknown control messages but counts them", async () => {
    const before = sim.stats().listen.unknownMessages;
    const c = await open();
    c.sendJson({ type: "Keepalive" });
    c.ws.send("not json");
    await vi.waitFor(() => expect(sim.stats().listen.unknownMessages).toBe(before + 2), { timeout: 5000, interval: 5 });
    c.ws.close();
  });

  it("drops the next listen socket on request (control API) with 1011", async () => {
    const r = await fetch(`${sim.url}/__control/drop-next`, { method: "POST", body: JSON.stringify({ socket: "listen", afterMs: 60 }) });
    expect(r.status).toBe(200);
    const c = await open();
    const started = performance.now();
    expect((await c.closed).code).toBe(1011);
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    expect(sim.stats().listen.drops).toBe(1);
    // Only the next one: in fake time, well past the 60 ms, the socket after it stands.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const d = await open();
      d.sendAudio(silenceMulaw(100));
      vi.advanceTimersByTime(250); // short of the 300 ms idle timeout
      expect(sim.stats().listen.drops).toBe(1);
      expect(d.ws.readyState).toBe(d.ws.OPEN);
      d.ws.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("the jittery profile drops some sockets mid-stream (about one in ten) and leaves the rest open", async () => {
    const jittery = await startDeepgramSimulator({ profile: "jittery", seed: 3, socketDropWindowMs: { minMs: 30, maxMs: 60 } });
    try {
      const clients: RecordingClient[] = [];
      for (let i = 0; i < 20; i++) clients.push(await open(QUERY, jittery)); // one at a time: the seeded draws stay in order
      await sleep(150);
      const dropped = clients.filter((c) => c.ws.readyState !== c.ws.OPEN);
      expect(dropped.length).toBeGreaterThan(0);
      expect(dropped.length).toBeLessThan(6);
      for (const c of dropped) expect(await c.closed).toEqual({ code: 1011, reason: "NET-0000" });
      expect(jittery.stats().listen.drops).toBe(dropped.length);
      for (const c of clients) c.ws.close();
    } finally {
      await jittery.close();
    }
  });

  it("at the default timing, closes a stream 10 s after the last audio or KeepAlive (fake clock)", async () => {
    expect(DEFAULT_LISTEN_TIMING.idleTimeoutMs).toBe(10_000);
    const defaults = await startDeepgramSimulator({});
    const speechBytes = concatBytes((await speechMulaw(TEXT)).bytes, silenceMulaw(400));
    // Only the timers are fake; socket I/O is real, so waiting for the server polls with setImmediate.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const c = await open(QUERY, defaults);
      c.sendAudio(speechBytes); // audio first: then KeepAlive holds the stream open
      await until(() => defaults.stats().listen.messagesSent > 0);
      vi.advanceTimersByTime(9_900);
      c.sendJson({ type: "KeepAlive" });
      await until(() => defaults.stats().listen.keepAlives === 1);
      vi.advanceTimersByTime(9_900);
      expect(defaults.stats().listen.idleTimeouts).toBe(0);
      expect(c.ws.readyState).toBe(c.ws.OPEN);
      vi.advanceTimersByTime(100);
      expect(await c.closed).toEqual({ code: 1011, reason: "NET-0001" });
      expect(defaults.stats().listen.idleTimeouts).toBe(1);
    } finally {
      vi.useRealTimers();
      await defaults.close();
    }
  });
});
