import { describe, expect, it } from "vitest";
import { buildConverseInput, ReasoningMemory } from "./bedrock-request.ts";
import type { LlmRequest } from "./provider-types.ts";

const request = (overrides: Partial<LlmRequest> = {}): LlmRequest => ({
  modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
  system: "Be brief.",
  messages: [{ role: "user", content: [{ text: "Hi" }] }],
  tools: [],
  temperature: 0.4,
  maxTokens: 300,
  promptCaching: true,
  ...overrides,
});

describe("buildConverseInput", () => {
  it("keeps the thinking budget below maxTokens and within the model's output limit", () => {
    // Opus 4.1 writes at most 32,000 tokens: the answer keeps its 8,000 and thinking gets the rest.
    const { input, thinking } = buildConverseInput(request({ modelId: "us.anthropic.claude-opus-4-1-20250805-v1:0", maxTokens: 8000, thinkingBudgetTokens: 30_000 }), "us.anthropic.claude-opus-4-1-20250805-v1:0", new ReasoningMemory());
    expect(thinking).toBe(true);
    expect(input.inferenceConfig).toEqual({ maxTokens: 32_000, temperature: 1 });
    expect(input.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 24_000 } });
  });

  it("uses the model it is given (a fallback may lack features) and omits cache points for unknown models", () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
    const { input, caching, thinking } = buildConverseInput(request({ thinkingBudgetTokens: 2048, tools: [{ name: "t", description: "d", inputSchema: { type: "object" } }] }), arn, new ReasoningMemory());
    expect([caching, thinking]).toEqual([false, false]);
    expect(input.modelId).toBe(arn);
    expect(input.system).toEqual([{ text: "Be brief." }]);
    expect(input.toolConfig?.tools).toHaveLength(1);
    expect(input.inferenceConfig).toEqual({ maxTokens: 300, temperature: 0.4 });
  });

  it("merges consecutive turns of one role, drops blank text and repairs tool blocks Bedrock would refuse", () => {
    const { input } = buildConverseInput(
      request({
        system: "  ",
        messages: [
          { role: "user", content: [{ text: "Book it" }] },
          { role: "user", content: [{ text: "   " }, { text: "please" }] },
          { role: "assistant", content: [{ text: "" }, { toolUse: { toolUseId: "t1", name: "book", input: "not an object" } }] },
          { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ text: "" }] } }] },
        ],
      }),
      "us.anthropic.claude-haiku-4-5-20251001-v1:0",
      new ReasoningMemory(),
    );
    expect(input.system).toBeUndefined();
    expect(input.messages).toEqual([
      { role: "user", content: [{ text: "Book it" }, { text: "please" }] },
      { role: "assistant", content: [{ toolUse: { toolUseId: "t1", name: "book", input: {} } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ text: "(empty)" }] } }] },
    ]);
  });

  it("clamps the temperature into Bedrock's range", () => {
    expect(buildConverseInput(request({ temperature: 1.7 }), request().modelId, new ReasoningMemory()).input.inferenceConfig?.temperature).toBe(1);
  });
});

describe("ReasoningMemory", () => {
  const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
  const block = (text: string) => [{ reasoningContent: { reasoningText: { text, signature: "s" } } }];

  it("recalls by any of a turn's toolUseIds and forgets the oldest beyond its capacity", () => {
    const memory = new ReasoningMemory(2);
    memory.remember(["a1", "a2"], block("a"), HAIKU);
    expect(memory.recall(["zz", "a2"], HAIKU)).toEqual(block("a"));
    memory.remember(["b1"], block("b"), HAIKU);
    expect(memory.recall(["a1"], HAIKU)).toBeUndefined();
    expect(memory.recall(["a2"], HAIKU)).toEqual(block("a"));
    memory.remember(["c1"], [], HAIKU);
    expect(memory.recall(["c1"], HAIKU)).toBeUndefined();
  });

  it("replays reasoning only to the model that wrote it (any geography of it)", () => {
    const memory = new ReasoningMemory();
    memory.remember(["t1"], block("a"), HAIKU);
    expect(memory.recall(["t1"], "global.anthropic.claude-haiku-4-5-20251001-v1:0")).toEqual(block("a"));
    expect(memory.recall(["t1"], "us.anthropic.claude-sonnet-4-5-20250929-v1:0")).toBeUndefined();
  });
});
