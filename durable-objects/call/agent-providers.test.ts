import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import { AgentConfig, type AgentConfigInput } from "../../shared/schemas/agent-config.ts";
import { agentProviders } from "./agent-providers.ts";
import type { CallMeta } from "./call-store.ts";

const HAIKU_45 = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const SONNET_46 = "us.anthropic.claude-sonnet-4-6";
const meta: CallMeta = {
  callId: "call_policy",
  accountId: "acct_policy",
  agentId: "agent_policy",
  agentVersion: 1,
  direction: "inbound",
  from: "+15005550006",
  to: "+15005550001",
  callSid: null,
  createdAt: new Date().toISOString(),
  publicBaseUrl: "https://voice.example.com",
};
const httpTool = (name: string) => ({ type: "http" as const, name, description: `The ${name} tool.`, url: `https://tools.example.com/${name}` });
const threeTools = [httpTool("get_weather"), httpTool("get_order"), { type: "end_call" as const }];

/** The model a call of this agent would ask Bedrock for: the real config parsing and provider assembly. */
const modelFor = (llm: Partial<AgentConfigInput["llm"]>, tools: AgentConfigInput["tools"] = []) => {
  const config = AgentConfig.parse({ system_prompt: "Be brief.", llm: { model: HAIKU_45, ...llm }, tools }) as StoredAgentConfig;
  return agentProviders(env, meta, config, null, (run) => run()).request.modelId;
};

describe("agentProviders: model policy from the agent's config", () => {
  it("fixed: the configured model whatever the agent needs", () => {
    expect(modelFor({ model: SONNET_46 }, threeTools)).toBe(SONNET_46);
    expect(modelFor({ model_policy: "fixed" }, threeTools)).toBe(HAIKU_45);
  });

  it("auto with few tools: the fastest model", () => {
    expect(modelFor({ model: SONNET_46, model_policy: "auto" }, [httpTool("get_weather")])).toBe(HAIKU_45);
  });

  it("auto with several tools: a tool-strong model, unless the agent asks for tight latency", () => {
    expect(modelFor({ model_policy: "auto" }, threeTools)).toBe(SONNET_46);
    expect(modelFor({ model_policy: "auto", latency: "balanced" }, threeTools)).toBe(SONNET_46);
    expect(modelFor({ model_policy: "auto", latency: "tight" }, threeTools)).toBe(HAIKU_45);
  });

  it("auto with extended thinking: a thinking-capable model, and the request carries the budget", () => {
    const config = AgentConfig.parse({
      system_prompt: "Think.",
      llm: { model: "us.anthropic.claude-3-5-haiku-20241022-v1:0", model_policy: "auto", thinking_budget_tokens: 2048, max_tokens: 4096 },
    }) as StoredAgentConfig;
    const { request } = agentProviders(env, meta, config, null, (run) => run());
    expect(request.modelId).toBe(HAIKU_45);
    expect(request.thinkingBudgetTokens).toBe(2048);
  });
});

describe("agentProviders: PCI tools", () => {
  it("runs a tool marked pci through the recording pause, and the others directly", async () => {
    const config = AgentConfig.parse({
      system_prompt: "Take payments.",
      llm: { model: HAIKU_45 },
      tools: [{ ...httpTool("take_payment"), pci: true }, { type: "end_call" }],
    }) as StoredAgentConfig;
    const guarded: number[] = [];
    const { runTools } = agentProviders(env, meta, config, null, async () => {
      guarded.push(guarded.length);
      return { status: "success", content: "paid while paused" };
    });
    const results = await runTools(
      [
        { toolUseId: "tu_1", name: "take_payment", input: {} },
        { toolUseId: "tu_2", name: "end_call", input: {} },
      ],
      new AbortController().signal,
    );
    expect(guarded).toHaveLength(1);
    expect(results.map((r) => r.content)).toEqual(["paid while paused", "The call will end once you have finished speaking."]);
  });
});
