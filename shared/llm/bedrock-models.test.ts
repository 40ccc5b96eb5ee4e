import { describe, expect, it } from "vitest";
import { BEDROCK_MODEL_IDS, BEDROCK_MODELS, findBedrockModel, isInferenceProfileId } from "./bedrock-models.ts";

describe("bedrock model catalog", () => {
  it("finds a model by base id, profile id and ARN", () => {
    const haiku = findBedrockModel("anthropic.claude-haiku-4-5-20251001-v1:0");
    expect(haiku?.family).toBe("haiku");
    expect(findBedrockModel("us.anthropic.claude-haiku-4-5-20251001-v1:0")).toBe(haiku);
    expect(findBedrockModel("global.anthropic.claude-haiku-4-5-20251001-v1:0")).toBe(haiku);
    expect(
      findBedrockModel("arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0"),
    ).toBe(haiku);
    expect(findBedrockModel("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0")).toBe(haiku);
  });

  it("rejects ids it does not know", () => {
    expect(findBedrockModel("anthropic.claude-haiku-4-5")).toBeUndefined();
    expect(findBedrockModel("xx.anthropic.claude-haiku-4-5-20251001-v1:0")).toBeUndefined();
    expect(findBedrockModel("")).toBeUndefined();
  });

  it("lists every base and profile id exactly once", () => {
    const expected = BEDROCK_MODELS.flatMap((m) => [m.id, ...m.inferenceProfiles]);
    expect([...BEDROCK_MODEL_IDS].sort()).toEqual([...expected].sort());
    expect(new Set(BEDROCK_MODEL_IDS).size).toBe(BEDROCK_MODEL_IDS.length);
    for (const id of BEDROCK_MODEL_IDS) expect(findBedrockModel(id)).toBeDefined();
  });

  it("tells profile ids from base ids", () => {
    expect(isInferenceProfileId("us.anthropic.claude-sonnet-4-5-20250929-v1:0")).toBe(true);
    expect(isInferenceProfileId("anthropic.claude-sonnet-4-5-20250929-v1:0")).toBe(false);
    expect(isInferenceProfileId("nope")).toBe(false);
  });

  it("keeps capability flags conservative", () => {
    expect(findBedrockModel("anthropic.claude-3-5-haiku-20241022-v1:0")?.supportsExtendedThinking).toBe(false);
    for (const model of BEDROCK_MODELS) {
      expect(model.maxOutputTokens).toBeGreaterThan(0);
      expect(model.inferenceProfiles.every((p) => p.endsWith(model.id))).toBe(true);
    }
  });
});
