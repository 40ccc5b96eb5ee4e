import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { authHeaders, RecordingClient } from "./test-support.ts";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";

let sim: DeepgramSimulator;
beforeAll(async () => {
  sim = await startDeepgramSimulator({});
});
afterAll(() => sim.close());

const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
  const res = await fetch(`${sim.url}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: await res.json() };
};

describe("control API", () => {
  it("manages the registry queues", async () => {
    expect((await call("POST", "/__control/expect", { callSid: "CA9", text: "hello" })).json).toEqual({ pending: ["hello"] });
    expect(sim.registry.pending("CA9")).toEqual(["hello"]);
    await call("POST", "/__control/transcripts", { transcripts: ["a", "b"] });
    expect((await call("POST", "/__control/transcripts", { transcripts: ["c"], append: true })).json).toEqual({ pending: ["a", "b", "c"] });
    expect((await call("GET", "/__control/registry?callSid=CA9")).json).toEqual({ pending: ["hello"], heard: [] });
    expect((await call("GET", "/__control/registry")).json).toEqual({ pending: ["a", "b", "c"], heard: [] });
  });

  it("reports and resets stats", async () => {
    const stats = (await call("GET", "/__control/stats")).json;
    expect(stats).toHaveProperty("listen.socketsOpened", 0);
    expect(stats).toHaveProperty("speak.clears", 0);
    sim.dropNextSocket("speak", 10);
    expect((await call("POST", "/__control/reset")).status).toBe(200);
    expect(sim.registry.pending("CA9")).toEqual([]);
    // The pending drop was forgotten too: in fake time, well past the 10 ms it was armed for, the socket stands.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const c = new RecordingClient(`${sim.wsUrl}/v1/speak?model=aura-2-thalia-en`, { headers: authHeaders() });
      await c.opened;
      vi.advanceTimersByTime(1000);
      expect(sim.stats().speak.drops).toBe(0);
      expect(c.ws.readyState).toBe(c.ws.OPEN);
      c.ws.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("serves synthesized speech as μ-law with its duration and word timings", async () => {
    const res = await fetch(`${sim.url}/__control/speech?text=${encodeURIComponent("Hello there, how are you?")}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const durationMs = Number(res.headers.get("x-speech-duration-ms"));
    const words = JSON.parse(res.headers.get("x-speech-words") ?? "[]") as { word: string; endMs: number }[];
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(durationMs).toBeGreaterThan(800);
    expect(Math.abs(bytes.length / 8 - durationMs)).toBeLessThanOrEqual(1);
    expect(words.map((w) => w.word)).toEqual(["Hello", "there,", "how", "are", "you?"]);
    expect(words.at(-1)!.endMs).toBeLessThanOrEqual(durationMs);
    // Voiced audio, not μ-law silence (0xFF).
    expect(bytes.filter((b) => b !== 0xff).length).toBeGreaterThan(bytes.length / 2);
    expect((await fetch(`${sim.url}/__control/speech?text=%20`)).status).toBe(400);
  });

  it("validates bodies and unknown routes", async () => {
    expect((await call("POST", "/__control/expect", { callSid: "" })).status).toBe(400);
    expect((await call("POST", "/__control/drop-next", { afterMs: -1 })).status).toBe(400);
    expect((await call("POST", "/__control/transcripts", { transcripts: "x" })).status).toBe(400);
    expect((await call("GET", "/__control/nope")).status).toBe(404);
  });
});
