import { describe, expect, it } from "vitest";
import type { LlmRequest } from "../providers/provider-types.ts";
import { estimateInputTokens, ModelRequestUsage } from "./usage-estimate.ts";

const request = (over: Partial<LlmRequest> = {}): LlmRequest => ({
  modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
  system: "x".repeat(400),
  messages: [{ role: "user", content: [{ text: "y".repeat(80) }] }],
  tools: [],
  temperature: 0.5,
  maxTokens: 200,
  promptCaching: false,
  ...over,
});

describe("usage estimate", () => {
  it("counts a token per 4 bytes of system prompt, messages and tools, plus framing per message and block", () => {
    // 400 + 80 bytes = 120 tokens; one message of one block = 4 + 2 tokens of framing.
    expect(estimateInputTokens(request())).toBe(126);
    const tool = { name: "lookup", description: "Looks it up.", inputSchema: { type: "object" } };
    expect(estimateInputTokens(request({ tools: [tool] }))).toBe(Math.ceil((480 + JSON.stringify(tool).length) / 4) + 6);
    const more = request({ messages: [...request().messages, { role: "assistant", content: [{ text: "z".repeat(40) }, { toolUse: { toolUseId: "t1", name: "lookup", input: {} } }] }] });
    expect(estimateInputTokens(more)).toBe(Math.ceil((480 + 40 + "lookup{}".length) / 4) + 6 + 8);
  });

  it("estimates a cut request once, from the text and tool input received; real usage or a rejected request leaves nothing to estimate", () => {
    const cut = new ModelRequestUsage(request());
    cut.received({ type: "text", text: "Sure, we open " });
    cut.received({ type: "text", text: "at nine." });
    expect(cut.hasOutput).toBe(true);
    expect(cut.unreported()).toEqual({ modelId: request().modelId, inputTokens: 126, outputTokens: Math.ceil("Sure, we open at nine.".length / 4), cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(cut.unreported()).toBeUndefined();

    const reported = new ModelRequestUsage(request());
    reported.received({ type: "text", text: "Hi." });
    reported.received({ type: "usage", modelId: request().modelId, inputTokens: 130, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(reported.unreported()).toBeUndefined();

    const rejected = new ModelRequestUsage(request());
    expect(rejected.hasOutput).toBe(false);
    rejected.discard();
    expect(rejected.unreported()).toBeUndefined();
  });
});
