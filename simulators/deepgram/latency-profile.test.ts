import { Agent, request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ColdConnections } from "../common/cold-connections.ts";
import { latencyProfiles, sleep, type LatencyProfile } from "../common/latency-profile.ts";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";
import { authHeaders, concatBytes, RecordingClient, silenceMulaw, speechMulaw } from "./test-support.ts";
import { median, notSoonerThan } from "../common/testing/timing-assertions.ts";

/**
 * Fixed delays (p50 = p95 makes the log-normal a constant). Measured on the wall clock, a delay is checked as a
 * lower bound only: a busy machine lengthens it, never shortens it. The sampler's distributions are checked on
 * seeded draws in common/latency-profile.test.ts.
 */
const FIXED: LatencyProfile = {
  ...latencyProfiles.instant,
  name: "realistic",
  sttFinal: { p50Ms: 500, p95Ms: 500 },
  ttsFirstByteCold: { p50Ms: 450, p95Ms: 450 },
  ttsFirstByteWarm: { p50Ms: 300, p95Ms: 300 },
};

let sim: DeepgramSimulator;
beforeAll(async () => {
  sim = await startDeepgramSimulator({ profile: FIXED, speakRealtimeFactor: Infinity });
});
afterAll(() => sim.close());

/**
 * Streams silence in real time (20 ms frames, catching up with the wall clock) until `done` settles, so the
 * simulator's audio clock tracks the wall clock from the returned start on.
 */
async function streamSilenceUntil(c: RecordingClient, done: Promise<unknown>): Promise<{ startedAt: number; sentMs: number }> {
  const startedAt = performance.now();
  let frames = 0;
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    for (const due = Math.floor((performance.now() - startedAt) / 20) + 1; frames < due; frames++) c.ws.send(silenceMulaw(20));
    await sleep(5);
  }
  return { startedAt, sentMs: frames * 20 };
}

/** Wall-clock ms from the end of speech to each speech_final, over `count` utterances on one stream. */
async function finalDelays(target: DeepgramSimulator, endpointing: number, count: number): Promise<number[]> {
  const c = new RecordingClient(`${target.wsUrl}/v1/listen?model=nova-3&encoding=mulaw&sample_rate=8000&endpointing=${endpointing}`, { headers: authHeaders() });
  await c.opened;
  const speech = await speechMulaw("Could you check my order please");
  const delays: number[] = [];
  let audioMs = 0;
  for (let i = 0; i < count; i++) {
    const from = c.received.json.length;
    c.sendAudio(speech.bytes); // ahead of real time: only the silence after it is paced
    audioMs += speech.bytes.length / 8;
    const final = c.waitFor((m) => m["speech_final"] === true, 5000, from);
    const silence = await streamSilenceUntil(c, final);
    const message = await final;
    const arrivedAt = c.received.times[c.received.json.indexOf(message)]!.at;
    // The VAD's end of speech (the last word's end, audio time) on the wall clock of the paced silence.
    const speechEndMs = Number(message["channel"]["alternatives"][0]["words"].at(-1)["end"]) * 1000;
    delays.push(arrivedAt - (silence.startedAt - (audioMs - speechEndMs)));
    audioMs += silence.sentMs;
  }
  c.ws.close();
  return delays;
}

describe("speech_final timing, measured from the end of speech (endpointing included)", () => {
  let realistic: DeepgramSimulator;
  beforeAll(async () => {
    realistic = await startDeepgramSimulator({ profile: "realistic", seed: 7 });
  });
  afterAll(() => realistic.close());

  it("realistic with Deepgram's default 10 ms endpointing: median no sooner than ≈ 250 ms, drawn (not constant)", async () => {
    const delays = await finalDelays(realistic, 10, 12);
    notSoonerThan(median(delays), 0.9 * latencyProfiles.realistic.sttFinal.p50Ms);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(15);
  }, 20_000);

  it("realistic with the platform's 300 ms endpointing: the silence is the floor", async () => {
    const delays = await finalDelays(realistic, 300, 5);
    notSoonerThan(median(delays), 0.9 * 300);
  }, 20_000);
});

describe("latency profile", () => {
  it("holds speech_final until the endpoint is heard, then for what is left of sttFinal after the end of speech", async () => {
    sim.registry.expect("CA-lat", "How long does this take?");
    const c = new RecordingClient(`${sim.wsUrl}/v1/listen?model=nova-3&encoding=mulaw&sample_rate=8000&interim_results=true&endpointing=300&extra=call_sid:CA-lat`, { headers: authHeaders() });
    await c.opened;
    // Speech plus 200 ms of silence: not yet an endpoint. Interims still arrive without delay.
    c.sendAudio(concatBytes((await speechMulaw("How long does this take?")).bytes, silenceMulaw(200)));
    await c.waitFor((m) => m["type"] === "Results");
    const t0 = performance.now();
    c.sendAudio(silenceMulaw(150));
    const final = await c.waitFor((m) => m["speech_final"] === true);
    // The silence already heard (endpoint audio time − the last word's end) counts towards sttFinal.
    const silenceHeardMs = (Number(final["start"]) + Number(final["duration"]) - Number(final["channel"]["alternatives"][0]["words"].at(-1)["end"])) * 1000;
    expect(silenceHeardMs).toBeGreaterThanOrEqual(300);
    // Nothing final came on the 200 ms of silence alone: every Results before this one is an interim.
    const results = c.ofType("Results");
    expect(results.slice(0, results.indexOf(final)).some((m) => m["is_final"])).toBe(false);
    notSoonerThan(performance.now() - t0, FIXED.sttFinal.p50Ms - silenceHeardMs);
    c.ws.close();
  });

  it("delays the first audio byte by the cold figure on a socket's first Flush and the warm one after", async () => {
    const c = new RecordingClient(`${sim.wsUrl}/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000`, { headers: authHeaders() });
    await c.waitFor((m) => m["type"] === "Metadata");
    const firstByteAfter = async (text: string): Promise<number> => {
      const binaryBefore = c.received.binary.length;
      c.sendJson({ type: "Speak", text });
      const t0 = performance.now();
      c.sendJson({ type: "Flush" });
      await c.waitFor((m) => m["type"] === "Flushed" && c.received.binary.length > binaryBefore, 3000, c.ofType("Flushed").length);
      const first = c.received.times.filter((t) => t.kind === "binary")[binaryBefore]!;
      return first.at - t0;
    };
    notSoonerThan(await firstByteAfter("First reply."), FIXED.ttsFirstByteCold.p50Ms);
    notSoonerThan(await firstByteAfter("Second reply."), FIXED.ttsFirstByteWarm.p50Ms);
    c.ws.close();
  });

  it("delays the first REST body byte by the cold figure", async () => {
    const request = () =>
      fetch(`${sim.url}/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000&container=none`, {
        method: "POST",
        headers: { authorization: "Token k", "content-type": "application/json" },
        body: JSON.stringify({ text: "One moment." }),
      });
    // Warm the client's connection pool so the measurement is the simulator's delay, not a TCP handshake.
    await (await request()).arrayBuffer();
    const t0 = performance.now();
    const res = await request();
    const reader = res.body!.getReader();
    await reader.read();
    notSoonerThan(performance.now() - t0, FIXED.ttsFirstByteCold.p50Ms);
    await reader.cancel();
  });
});

describe("cold connections pay the handshake", () => {
  const HANDSHAKE_MS = 400;
  let cold: DeepgramSimulator;
  let warm: DeepgramSimulator;
  beforeAll(async () => {
    cold = await startDeepgramSimulator({ profile: { ...latencyProfiles.instant, connectHandshake: { p50Ms: HANDSHAKE_MS, p95Ms: HANDSHAKE_MS } } });
    warm = await startDeepgramSimulator({ profile: "instant" });
  });
  afterAll(async () => {
    await cold.close();
    await warm.close();
  });

  it("on the first REST speak request of a new connection, not on the next one", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const time = (target: DeepgramSimulator) =>
      new Promise<{ ms: number; reusedSocket: boolean }>((resolve, reject) => {
        const t0 = performance.now();
        const req = httpRequest(`${target.url}/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000&container=none`, { method: "POST", agent, headers: { authorization: "Token k", "content-type": "application/json" } }, (res) => {
          res.once("data", () => resolve({ ms: performance.now() - t0, reusedSocket: req.reusedSocket }));
          res.resume();
        });
        req.on("error", reject);
        req.end(JSON.stringify({ text: "Hi." }));
      });
    const first = await time(cold);
    const second = await time(cold);
    agent.destroy();
    expect(first.reusedSocket).toBe(false);
    notSoonerThan(first.ms, HANDSHAKE_MS);
    // The next request rides the same connection, and a connection is charged only on its first use.
    expect(second.reusedSocket).toBe(true);
    const connections = new ColdConnections();
    const socket = {};
    expect([connections.firstUse(socket), connections.firstUse(socket), connections.firstUse({})]).toEqual([true, false, true]);
  });

  it("on every WebSocket upgrade (each is a new connection)", async () => {
    const openMs = async (target: DeepgramSimulator, path: string): Promise<number> => {
      const t0 = performance.now();
      const c = new RecordingClient(`${target.wsUrl}${path}`, { headers: authHeaders() });
      await c.opened;
      const ms = performance.now() - t0;
      c.ws.close();
      return ms;
    };
    for (const path of ["/v1/listen?model=nova-3&encoding=mulaw&sample_rate=8000", "/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000"]) {
      notSoonerThan(await openMs(cold, path), HANDSHAKE_MS);
      notSoonerThan(await openMs(cold, path), HANDSHAKE_MS); // a second upgrade is a second connection
    }
  });
});
