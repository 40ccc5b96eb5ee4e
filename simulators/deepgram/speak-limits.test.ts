import { afterEach, describe, expect, it } from "vitest";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";
import { authHeaders, RecordingClient } from "./test-support.ts";

const SPEAK = "/v1/speak?model=aura-2-thalia-en&encoding=mulaw&sample_rate=8000";

const sims: DeepgramSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});
const simulator = async (opts: Parameters<typeof startDeepgramSimulator>[0]): Promise<DeepgramSimulator> => {
  const sim = await startDeepgramSimulator(opts);
  sims.push(sim);
  return sim;
};
const open = async (sim: DeepgramSimulator): Promise<RecordingClient> => {
  const c = new RecordingClient(`${sim.wsUrl}${SPEAK}`, { headers: authHeaders() });
  await c.opened;
  return c;
};

describe("speak socket limits on the call clock", () => {
  it("ignores the 21st Flush of a rolling minute with a Warning, and takes Flushes again once that minute has passed", async () => {
    // 600× call clock: the 60 s window is 100 ms of wall time.
    const sim = await simulator({ speed: 600 });
    const c = await open(sim);
    // Every Flush is received after this instant, so the first one leaves the window 100 ms after it at the earliest.
    const windowEndsNoSoonerThan = performance.now() + 100;
    for (let i = 0; i < 21; i++) c.sendJson({ type: "Flush" });
    expect(await c.waitFor((m) => m["type"] === "Warning")).toMatchObject({ code: "FLUSH_LIMIT_EXCEEDED", description: expect.stringContaining("20 Flush messages in 60 seconds") });
    await c.waitFor((m) => m["type"] === "Flushed" && m["sequence_id"] === 19);
    // Keep asking until a Flush is taken again: the window passed on the simulator's call clock.
    let flushed = false;
    while (!flushed) {
      c.sendJson({ type: "Flush" });
      flushed = await c.waitFor((m) => m["type"] === "Flushed" && m["sequence_id"] === 20, 20).then(
        () => true,
        () => false,
      );
    }
    // Never before the minute (call time) was over: a lower bound cannot flake on a busy machine.
    expect(performance.now()).toBeGreaterThanOrEqual(windowEndsNoSoonerThan);
    expect(sim.stats().speak.flushLimitWarnings).toBeGreaterThanOrEqual(1);
    c.ws.close();
  });

  it("closes a socket with 1011 NET-0003 at the 60-minute connection cap", async () => {
    // 7200× call clock: an hour is half a second.
    const sim = await simulator({ speed: 7200 });
    const c = await open(sim);
    c.sendJson({ type: "Speak", text: "Still here." });
    c.sendJson({ type: "Flush" });
    await c.waitFor((m) => m["type"] === "Flushed");
    expect(await c.closed).toEqual({ code: 1011, reason: "NET-0003" });
    expect(sim.stats().speak).toMatchObject({ timeLimitCloses: 1, socketsOpen: 0 });
  });

  it("at real time, a socket is not closed at 60 minutes' worth of wall milliseconds", async () => {
    const fast = await simulator({ speed: 7200 });
    const real = await simulator({});
    const [a, b] = await Promise.all([open(fast), open(real)]);
    // The fast socket's cap (500 ms of wall time) is the event that proves the window passed for both.
    expect(await a.closed).toEqual({ code: 1011, reason: "NET-0003" });
    expect(b.ws.readyState).toBe(b.ws.OPEN);
    expect(real.stats().speak.timeLimitCloses).toBe(0);
    b.ws.close();
  });

  it("refuses a speak socket past the project's concurrent-socket limit with 429, and takes one again once a socket closes", async () => {
    const sim = await simulator({ maxConcurrentSpeakSockets: 2 });
    const [a] = await Promise.all([open(sim), open(sim)]);
    const third = new RecordingClient(`${sim.wsUrl}${SPEAK}`, { headers: authHeaders() });
    await expect(third.opened).rejects.toThrow("HTTP 429");
    expect(sim.stats().speak.concurrencyRejections).toBe(1);
    a!.ws.close();
    await a!.closed;
    await expect.poll(() => sim.stats().speak.socketsOpen).toBe(1);
    const fourth = await open(sim);
    fourth.ws.close();
  });
});
