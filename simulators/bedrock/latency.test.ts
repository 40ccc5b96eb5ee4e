import { request as httpRequest, Agent } from "node:http";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import { NodeHttp2Handler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LatencySampler, latencyProfiles, type LatencyProfile } from "../common/latency-profile.ts";
import { startBedrockSimulator, type BedrockSimulator } from "./bedrock-simulator.ts";
import { estimateTokens } from "./prompt-accounting.ts";
import { HAIKU, sdkClient, TEST_CREDENTIALS, userText } from "./test-clients.ts";
import { median, notSoonerThan, within10Percent } from "../common/testing/timing-assertions.ts";

const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const LONG_REPLY = "Thanks for waiting. Your order shipped yesterday from our warehouse in Denver and should arrive on Thursday before noon. You will get a text message with the tracking link, and you can reply to that message if you need to change the delivery time.";

interface TimedStream {
  firstTokenMs: number;
  tokensPerSecond: number;
  text: string;
  latencyMs: number | undefined;
  endMs: number;
}

/**
 * The SDK's default handler opens a new HTTP/2 session per request (`disableConcurrentStreams: true`), so every
 * request would pay the cold-connection handshake; this client keeps one session, like a warm production client.
 */
const reusingClient = (sim: BedrockSimulator) =>
  new BedrockRuntimeClient({ region: sim.region, endpoint: sim.url, maxAttempts: 1, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: false }) });

async function timedStream(client: BedrockRuntimeClient, modelId: string, text: string): Promise<TimedStream> {
  const startedAt = performance.now();
  const out = await client.send(new ConverseStreamCommand({ modelId, messages: [userText(text)] }));
  const deltas: { atMs: number; text: string }[] = [];
  let latencyMs: number | undefined;
  for await (const event of out.stream!) {
    const delta = event.contentBlockDelta?.delta?.text;
    if (delta !== undefined) deltas.push({ atMs: performance.now() - startedAt, text: delta });
    if (event.metadata) latencyMs = event.metadata.metrics?.latencyMs;
  }
  const firstTokenMs = deltas[0]!.atMs;
  const tokensAfterFirst = deltas.slice(1).reduce((n, d) => n + estimateTokens(d.text), 0);
  return { firstTokenMs, tokensPerSecond: tokensAfterFirst / ((deltas.at(-1)!.atMs - firstTokenMs) / 1000), text: deltas.map((d) => d.text).join(""), latencyMs, endMs: performance.now() - startedAt };
}

describe("the realistic profile, measured over real sockets", () => {
  let sim: BedrockSimulator;
  let client: BedrockRuntimeClient;
  beforeAll(async () => {
    // The SDK opens new sessions under concurrency; the handshake those would pay is measured on its own below.
    const profile: LatencyProfile = { ...latencyProfiles.realistic, connectHandshake: latencyProfiles.instant.connectHandshake };
    sim = await startBedrockSimulator({ profile, seed: 21, scenario: { rules: [{ reply: { text: LONG_REPLY } }] } });
    client = reusingClient(sim);
    await timedStream(client, HAIKU, "warm up the connection");
  });
  afterAll(async () => {
    client.destroy();
    await sim.close();
  });

  it.each([
    ["Haiku", HAIKU, latencyProfiles.realistic.llmFirstToken.haiku, latencyProfiles.realistic.llmTokensPerSecond.haiku],
    ["Sonnet", SONNET, latencyProfiles.realistic.llmFirstToken.sonnet, latencyProfiles.realistic.llmTokensPerSecond.sonnet],
  ])("%s: the first token comes no sooner than the profile's, the token rate is drawn with its median, and both vary", async (_name, modelId, firstToken, rate) => {
    // Four at a time: more concurrent requests measure the test client's own CPU time, not the simulator's delays.
    const runs: TimedStream[] = [];
    for (let batch = 0; batch < 3; batch++) runs.push(...(await Promise.all(Array.from({ length: 4 }, () => timedStream(client, modelId, "where is my order?")))));
    expect(runs.every((r) => r.text === LONG_REPLY)).toBe(true);
    const firsts = runs.map((r) => r.firstTokenMs);
    const rates = runs.map((r) => r.tokensPerSecond);
    // On the wall clock a delay is a lower bound (load only adds to it); the rate's median is checked on seeded draws.
    notSoonerThan(median(firsts), 0.9 * firstToken.p50Ms);
    const sampler = new LatencySampler(latencyProfiles.realistic, 21);
    within10Percent(median(Array.from({ length: 2000 }, () => sampler.draw(rate))), rate.p50Ms);
    // Drawn per request, not constants.
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(firstToken.p50Ms * 0.05);
    expect(Math.max(...rates) / Math.min(...rates)).toBeGreaterThan(1.05);
  }, 30_000);
});

describe("fixed delays", () => {
  // p50 = p95 makes a distribution a constant, so single requests can be timed exactly.
  const FIXED: LatencyProfile = {
    ...latencyProfiles.instant,
    llmFirstToken: { haiku: { p50Ms: 300, p95Ms: 300 }, sonnet: { p50Ms: 450, p95Ms: 450 } },
    llmTokensPerSecond: { haiku: { p50Ms: 80, p95Ms: 80 }, sonnet: { p50Ms: 40, p95Ms: 40 } },
  };
  let sim: BedrockSimulator;
  let client: BedrockRuntimeClient;
  beforeAll(async () => {
    sim = await startBedrockSimulator({ profile: FIXED, scenario: { rules: [{ reply: { text: LONG_REPLY } }] } });
    client = sdkClient(sim);
  });
  afterAll(async () => {
    client.destroy();
    await sim.close();
  });

  // The SDK's Node handler speaks HTTP/2; the Worker's fetch speaks HTTP/1.1, where only the closed socket tells.
  it.each([
    ["HTTP/2", () => client],
    ["HTTP/1.1", () => new BedrockRuntimeClient({ region: sim.region, endpoint: sim.url, maxAttempts: 1, credentials: TEST_CREDENTIALS, requestHandler: new FetchHttpHandler() })],
  ])("stops streaming, and bills only the output sent, when the client aborts mid-answer (barge-in) over %s", async (_protocol, clientFor) => {
    const controller = new AbortController();
    const out = await clientFor().send(new ConverseStreamCommand({ modelId: HAIKU, messages: [userText("tell me everything")] }), { abortSignal: controller.signal });
    const seen: string[] = [];
    await (async () => {
      for await (const event of out.stream!) {
        if (event.contentBlockDelta) seen.push(event.contentBlockDelta.delta!.text!);
        if (seen.length === 2) controller.abort();
      }
    })().catch(() => undefined);
    // The simulator logs the stream once it sees the client go.
    await vi.waitFor(() => expect(sim.requests().at(-1)!.outcome).toBe("aborted"), { timeout: 5000, interval: 10 });
    const record = sim.requests().at(-1)!;
    expect(record.events).toBeLessThan(10);
    expect(record.usage!.outputTokens).toBeGreaterThanOrEqual(estimateTokens(seen.join("")));
    expect(record.usage!.outputTokens).toBeLessThan(estimateTokens(LONG_REPLY) / 3);
    expect(record.usage!.totalTokens).toBe(record.usage!.inputTokens + record.usage!.outputTokens);
  });

  it("reports metrics.latencyMs as the time the answer took, on the stream and on /converse", async () => {
    const streamed = await timedStream(client, HAIKU, "where is my order?");
    notSoonerThan(streamed.firstTokenMs, 300);
    // Request → last event: the first token plus ~50 tokens at 80 tok/s, far from 0, and inside the client's span.
    expect(streamed.latencyMs).toBeGreaterThan(700);
    expect(streamed.latencyMs!).toBeLessThanOrEqual(streamed.endMs + 2);
    const startedAt = performance.now();
    const answer = await client.send(new ConverseCommand({ modelId: SONNET, messages: [userText("where is my order?")] }));
    const elapsedMs = performance.now() - startedAt;
    expect(answer.metrics!.latencyMs).toBeGreaterThan(1000);
    expect(answer.metrics!.latencyMs!).toBeLessThanOrEqual(elapsedMs + 2);
  });
});

describe("cold connections", () => {
  const HANDSHAKE_MS = 400;
  let sim: BedrockSimulator;
  beforeAll(async () => {
    sim = await startBedrockSimulator({ profile: { ...latencyProfiles.instant, connectHandshake: { p50Ms: HANDSHAKE_MS, p95Ms: HANDSHAKE_MS } }, scenario: { rules: [{ reply: { text: "ok" } }] } });
  });
  afterAll(() => sim.close());

  const timeConverse = async (client: BedrockRuntimeClient): Promise<number> => {
    const t0 = performance.now();
    await client.send(new ConverseCommand({ modelId: HAIKU, messages: [userText("hi")] }));
    return performance.now() - t0;
  };

  it("charges the handshake on the first request of a new HTTP/2 session only", async () => {
    await timeConverse(sdkClient(sim)); // first-use costs of the test process itself
    for (let i = 0; i < 2; i++) {
      const client = reusingClient(sim);
      const cold = await timeConverse(client);
      const warm = await timeConverse(client);
      client.destroy();
      notSoonerThan(cold, HANDSHAKE_MS);
      // Tolerant: a warm request would have to stall as long as a whole handshake to fail this.
      expect(warm).toBeLessThan(HANDSHAKE_MS);
    }
  });

  it("charges every request of the SDK's default client, which opens a session per request", async () => {
    const client = sdkClient(sim);
    const times = [await timeConverse(client), await timeConverse(client)];
    client.destroy();
    for (const ms of times) notSoonerThan(ms, HANDSHAKE_MS);
  });

  it("charges it on the first request of a new HTTP/1.1 connection only", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Unsigned: the handshake comes before authentication, so a 403 is timed the same way.
    const time = () =>
      new Promise<{ ms: number; reusedSocket: boolean }>((resolve, reject) => {
        const t0 = performance.now();
        const req = httpRequest(`${sim.url}/model/${encodeURIComponent(HAIKU)}/converse`, { method: "POST", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ ms: performance.now() - t0, reusedSocket: req.reusedSocket }));
        });
        req.on("error", reject);
        req.end("{}");
      });
    const cold = await time();
    const warm = await time();
    agent.destroy();
    const coldAgain = await time();
    agent.destroy();
    expect([cold.reusedSocket, warm.reusedSocket, coldAgain.reusedSocket]).toEqual([false, true, false]);
    notSoonerThan(cold.ms, HANDSHAKE_MS);
    notSoonerThan(coldAgain.ms, HANDSHAKE_MS);
    // Tolerant: a warm request would have to stall as long as a whole handshake to fail this.
    expect(warm.ms).toBeLessThan(HANDSHAKE_MS);
  });
});

describe("the jittery profile", () => {
  it("now and then takes seconds to the first token and drops a stream mid-answer (seeded)", async () => {
    const sim = await startBedrockSimulator({ profile: "jittery", seed: 4, scenario: { rules: [{ reply: { text: LONG_REPLY } }] } });
    const client = sdkClient(sim);
    try {
      const runs = await Promise.all(Array.from({ length: 40 }, () => timedStream(client, HAIKU, "where is my order?").catch((error: unknown) => error as Error)));
      const records = sim.requests();
      const stragglers = runs.filter((r): r is TimedStream => !(r instanceof Error) && r.firstTokenMs > 2000);
      const dropped = runs.filter((r) => r instanceof Error);
      expect(stragglers.length).toBeGreaterThan(0);
      expect(dropped.length).toBeGreaterThan(0);
      expect(records.filter((r) => r.outcome === "dropped")).toHaveLength(dropped.length);
      // The long waits are the tail, not the typical request (on seeded draws: measured times only grow under load).
      const sampler = new LatencySampler("jittery", 4);
      const draws = Array.from({ length: 2000 }, () => sampler.draw(sampler.profile.llmFirstToken.haiku));
      expect(median(draws)).toBeLessThan(1200);
      expect(draws.filter((ms) => ms > 2000).length / draws.length).toBeLessThan(0.15);
    } finally {
      client.destroy();
      await sim.close();
    }
  }, 30_000); // a deadline, not a measurement: forty streams with multi-second stragglers on a busy machine
});
