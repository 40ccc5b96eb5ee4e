import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latencyProfiles, sleep, type LatencyProfile } from "../common/latency-profile.ts";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";
import { authHeaders, concatBytes, RecordingClient, silenceMulaw, speechMulaw } from "./test-support.ts";

/** Fixed delays (p50 = p95 makes the log-normal a constant), so the measurement is deterministic. */
const FIXED: LatencyProfile = {
  ...latencyProfiles.instant,
  name: "realistic",
  sttFinal: { p50Ms: 500, p95Ms: 500 },
  ttsFirstByteCold: { p50Ms: 450, p95Ms: 450 },
  ttsFirstByteWarm: { p50Ms: 300, p95Ms: 300 },
};

const within10Percent = (measured: number, configured: number): void => {
  expect(measured).toBeGreaterThanOrEqual(configured * 0.9);
  expect(measured).toBeLessThanOrEqual(configured * 1.1);
};

let sim: DeepgramSimulator;
beforeAll(async () => {
  sim = await startDeepgramSimulator({ profile: FIXED, speakRealtimeFactor: Infinity });
});
afterAll(() => sim.close());

describe("latency profile", () => {
  it("delays speech_final by sttFinal after the endpoint is reached in audio time", async () => {
    sim.registry.expect("CA-lat", "How long does this take?");
    const c = new RecordingClient(`${sim.wsUrl}/v1/listen?model=nova-3&encoding=mulaw&sample_rate=8000&interim_results=true&endpointing=300&extra=call_sid:CA-lat`, { headers: authHeaders() });
    await c.opened;
    // Speech plus 200 ms of silence: not yet an endpoint. Interims still arrive without delay.
    c.sendAudio(concatBytes((await speechMulaw("How long does this take?")).bytes, silenceMulaw(200)));
    await c.waitFor((m) => m["type"] === "Results");
    await sleep(50);
    expect(c.ofType("Results").some((m) => m["is_final"])).toBe(false);
    const t0 = performance.now();
    c.sendAudio(silenceMulaw(150));
    await c.waitFor((m) => m["speech_final"] === true);
    within10Percent(performance.now() - t0, FIXED.sttFinal.p50Ms);
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
    within10Percent(await firstByteAfter("First reply."), FIXED.ttsFirstByteCold.p50Ms);
    within10Percent(await firstByteAfter("Second reply."), FIXED.ttsFirstByteWarm.p50Ms);
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
    within10Percent(performance.now() - t0, FIXED.ttsFirstByteCold.p50Ms);
    await reader.cancel();
  });
});
