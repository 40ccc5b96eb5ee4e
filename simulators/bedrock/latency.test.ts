import { ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latencyProfiles, type LatencyProfile } from "../common/latency-profile.ts";
import { startBedrockSimulator, type BedrockSimulator } from "./bedrock-simulator.ts";
import { estimateTokens } from "./prompt-accounting.ts";
import { HAIKU, sdkClient, userText } from "./test-clients.ts";

// p50 = p95 makes the log-normal degenerate, so every draw is exactly the median.
const PROFILE: LatencyProfile = {
  ...latencyProfiles.instant,
  name: "realistic",
  llmFirstToken: { haiku: { p50Ms: 300, p95Ms: 300 }, sonnet: { p50Ms: 450, p95Ms: 450 } },
  llmTokensPerSecond: { haiku: 80, sonnet: 40 },
};
const LONG_REPLY = "Thanks for waiting. Your order shipped yesterday from our warehouse in Denver and should arrive on Thursday before noon. You will get a text message with the tracking link, and you can reply to that message if you need to change the delivery time.";

let sim: BedrockSimulator;
beforeAll(async () => {
  sim = await startBedrockSimulator({
    profile: PROFILE,
    scenario: { rules: [{ when: { lastUserTextMatches: "warm" }, reply: { text: "ok" }, delayFirstTokenMs: 0 }, { reply: { text: LONG_REPLY } }] },
  });
});
afterAll(() => sim.close());

async function timedStream(modelId: string, text: string) {
  const client = sdkClient(sim);
  const startedAt = performance.now();
  const out = await client.send(new ConverseStreamCommand({ modelId, messages: [userText(text)] }));
  const deltas: { atMs: number; text: string }[] = [];
  for await (const event of out.stream!) {
    const delta = event.contentBlockDelta?.delta?.text;
    if (delta !== undefined) deltas.push({ atMs: performance.now() - startedAt, text: delta });
  }
  client.destroy();
  return deltas;
}

describe("latency profile pacing", () => {
  it("stops streaming when the client aborts mid-answer (barge-in)", async () => {
    const client = sdkClient(sim);
    const controller = new AbortController();
    const out = await client.send(new ConverseStreamCommand({ modelId: HAIKU, messages: [userText("tell me everything")] }), { abortSignal: controller.signal });
    const seen: string[] = [];
    await (async () => {
      for await (const event of out.stream!) {
        if (event.contentBlockDelta) seen.push(event.contentBlockDelta.delta!.text!);
        if (seen.length === 2) controller.abort();
      }
    })().catch(() => undefined);
    client.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const record = sim.requests().at(-1)!;
    expect(record.outcome).toBe("aborted");
    expect(record.events).toBeLessThan(10);
  });

  it("delivers the first token and the token rate within 10% of the profile (Haiku)", async () => {
    await timedStream(HAIKU, "warm up the connection");
    const deltas = await timedStream(HAIKU, "where is my order?");
    expect(deltas.map((d) => d.text).join("")).toBe(LONG_REPLY);
    const firstTokenMs = deltas[0]!.atMs;
    expect(firstTokenMs).toBeGreaterThanOrEqual(300 * 0.9);
    expect(firstTokenMs).toBeLessThanOrEqual(300 * 1.1);
    const tokensAfterFirst = deltas.slice(1).reduce((n, d) => n + estimateTokens(d.text), 0);
    const tokensPerSecond = tokensAfterFirst / ((deltas.at(-1)!.atMs - firstTokenMs) / 1000);
    expect(tokensAfterFirst).toBeGreaterThan(40);
    expect(tokensPerSecond).toBeGreaterThanOrEqual(80 * 0.9);
    expect(tokensPerSecond).toBeLessThanOrEqual(80 * 1.1);
  });

  it("uses the Sonnet figures for Sonnet (and Opus) models", async () => {
    sim.loadScenario({ rules: [{ reply: { text: "Sure." } }] });
    const deltas = await timedStream("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "hi");
    expect(deltas[0]!.atMs).toBeGreaterThanOrEqual(450 * 0.9);
    expect(deltas[0]!.atMs).toBeLessThanOrEqual(450 * 1.1);
  });
});
