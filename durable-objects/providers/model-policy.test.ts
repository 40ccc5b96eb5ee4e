import { describe, expect, it } from "vitest";
import { BEDROCK_MODEL_IDS } from "../../shared/llm/bedrock-models.ts";
import { chooseModel } from "./bedrock-llm.ts";

const SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0";
const auto = (model: string) => ({ model, model_policy: "auto" as const });
const needs = (n: Partial<{ toolCount: number; needThinking: boolean; latencyTight: boolean }> = {}) => ({ toolCount: 0, needThinking: false, latencyTight: false, ...n });

describe("chooseModel", () => {
  it("fixed: always the configured model", () => {
    for (const n of [needs(), needs({ toolCount: 8 }), needs({ needThinking: true }), needs({ latencyTight: true })]) {
      expect(chooseModel({ model: "us.anthropic.claude-3-5-haiku-20241022-v1:0", model_policy: "fixed" }, n)).toBe("us.anthropic.claude-3-5-haiku-20241022-v1:0");
    }
  });

  it("auto: few tools or tight latency → the fastest (Haiku-class) model, same geography", () => {
    expect(chooseModel(auto(`us.${SONNET_45}`), needs({ toolCount: 1 }))).toBe(`us.${HAIKU_45}`);
    expect(chooseModel(auto(`eu.${SONNET_45}`), needs({ toolCount: 5, latencyTight: true }))).toBe(`eu.${HAIKU_45}`);
    expect(chooseModel(auto(`global.anthropic.claude-opus-4-6-v1`), needs())).toBe(`global.${HAIKU_45}`);
  });

  it("auto: several tools → a tool-strong (Sonnet-class) model, keeping a configured Sonnet", () => {
    expect(chooseModel(auto(`us.${HAIKU_45}`), needs({ toolCount: 3 }))).toBe("us.anthropic.claude-sonnet-4-6");
    expect(chooseModel(auto(`us.${SONNET_45}`), needs({ toolCount: 4 }))).toBe(`us.${SONNET_45}`);
  });

  it("auto: extended thinking → a thinking-capable model", () => {
    // 3.5 Haiku cannot think; Haiku 4.5 can and is just as fast.
    expect(chooseModel(auto("us.anthropic.claude-3-5-haiku-20241022-v1:0"), needs({ needThinking: true }))).toBe(`us.${HAIKU_45}`);
    expect(chooseModel(auto("us.anthropic.claude-3-5-haiku-20241022-v1:0"), needs({ needThinking: true, toolCount: 6 }))).toBe("us.anthropic.claude-sonnet-4-6");
  });

  it("auto: a geography without Haiku falls back to a model it has", () => {
    expect(chooseModel(auto(`jp.${SONNET_45}`), needs())).toBe(`jp.${SONNET_45}`);
    expect(chooseModel(auto("apac.anthropic.claude-sonnet-4-20250514-v1:0"), needs({ latencyTight: true }))).toBe("apac.anthropic.claude-sonnet-4-20250514-v1:0");
  });

  it("auto: always returns a catalog id with the configured prefix", () => {
    for (const model of BEDROCK_MODEL_IDS.filter((id) => /^(us|eu|jp|apac|global)\./.test(id))) {
      for (const n of [needs(), needs({ toolCount: 5 }), needs({ needThinking: true }), needs({ latencyTight: true, needThinking: true })]) {
        const chosen = chooseModel(auto(model), n);
        expect(BEDROCK_MODEL_IDS).toContain(chosen);
        expect(chosen.split(".")[0]).toBe(model.split(".")[0]);
      }
    }
  });

  it("auto: an ARN is left alone", () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    expect(chooseModel(auto(arn), needs())).toBe(arn);
  });
});
