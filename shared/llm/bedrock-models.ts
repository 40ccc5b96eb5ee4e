/**
 * Anthropic Claude models on Amazon Bedrock (Converse / ConverseStream), with their system-defined cross-Region
 * inference profiles. Ids and profile geographies come from the model tables in Anthropic's "Claude on Amazon
 * Bedrock" guide and AWS's Bedrock model cards; output limits and context windows from the same cards (every Claude
 * model listed takes 200K tokens of context on Bedrock; the 1M windows of some are a beta behind a request header this
 * platform does not send). Only facts we could confirm are
 * listed: a geography missing here may exist, and a feature flag is false where support was not confirmed.
 *
 * Runtime-neutral: imported by the Worker and by the Node simulator.
 */
export interface BedrockModel {
  id: string;
  name: string;
  family: "haiku" | "sonnet" | "opus";
  /** Cross-Region inference profile ids (`us.`, `eu.`, `jp.`, `apac.`, `global.` + the base id). */
  inferenceProfiles: string[];
  supportsTools: boolean;
  supportsExtendedThinking: boolean;
  supportsPromptCaching: boolean;
  maxOutputTokens: number;
  /** Input plus output tokens one request may use. */
  contextWindowTokens: number;
}

type Geo = "us" | "eu" | "jp" | "apac" | "global";

const claude = (
  id: string,
  name: string,
  family: BedrockModel["family"],
  geos: Geo[],
  maxOutputTokens: number,
  supportsExtendedThinking: boolean,
): BedrockModel => ({
  id,
  name,
  family,
  inferenceProfiles: geos.map((geo) => `${geo}.${id}`),
  supportsTools: true,
  supportsExtendedThinking,
  supportsPromptCaching: true,
  maxOutputTokens,
  contextWindowTokens: 200_000,
});

export const BEDROCK_MODELS: readonly BedrockModel[] = [
  claude("anthropic.claude-haiku-4-5-20251001-v1:0", "Claude Haiku 4.5", "haiku", ["us", "eu", "global"], 64_000, true),
  claude("anthropic.claude-3-5-haiku-20241022-v1:0", "Claude 3.5 Haiku", "haiku", ["us"], 8_192, false),
  claude("anthropic.claude-sonnet-4-6", "Claude Sonnet 4.6", "sonnet", ["us", "eu", "jp", "global"], 128_000, true),
  claude("anthropic.claude-sonnet-4-5-20250929-v1:0", "Claude Sonnet 4.5", "sonnet", ["us", "eu", "jp", "global"], 64_000, true),
  claude("anthropic.claude-sonnet-4-20250514-v1:0", "Claude Sonnet 4", "sonnet", ["us", "eu", "apac", "global"], 64_000, true),
  claude("anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet", "sonnet", ["us", "eu", "apac"], 64_000, true),
  claude("anthropic.claude-opus-4-6-v1", "Claude Opus 4.6", "opus", ["us", "eu", "jp", "apac", "global"], 128_000, true),
  claude("anthropic.claude-opus-4-5-20251101-v1:0", "Claude Opus 4.5", "opus", ["us", "eu", "global"], 64_000, true),
  claude("anthropic.claude-opus-4-1-20250805-v1:0", "Claude Opus 4.1", "opus", ["us"], 32_000, true),
  claude("anthropic.claude-opus-4-20250514-v1:0", "Claude Opus 4", "opus", ["us"], 32_000, true),
];

const byId = new Map<string, BedrockModel>();
for (const model of BEDROCK_MODELS) {
  byId.set(model.id, model);
  for (const profile of model.inferenceProfiles) byId.set(profile, model);
}

/** Every accepted model id, base and profile, e.g. for `z.enum(BEDROCK_MODEL_IDS)`. */
export const BEDROCK_MODEL_IDS: readonly string[] = [...byId.keys()];

// arn:aws:bedrock:<region>:<account?>:(foundation-model|inference-profile)/<id>
const ARN = /^arn:aws(?:-[a-z-]+)?:bedrock:[a-z0-9-]+:\d*:(?:foundation-model|inference-profile)\/(.+)$/;

/** Looks up a base model id, an inference-profile id, or the ARN of either. */
export function findBedrockModel(idOrProfile: string): BedrockModel | undefined {
  const arn = ARN.exec(idOrProfile);
  return byId.get(arn ? arn[1]! : idOrProfile);
}

/** The model's context window; for an id outside the catalog (an ARN of a custom model), the smallest listed. */
export function contextWindowTokens(idOrProfile: string): number {
  return findBedrockModel(idOrProfile)?.contextWindowTokens ?? Math.min(...BEDROCK_MODELS.map((m) => m.contextWindowTokens));
}

/** True for an inference-profile id (or its ARN), false for a base model id. */
export function isInferenceProfileId(idOrProfile: string): boolean {
  const arn = ARN.exec(idOrProfile);
  const id = arn ? arn[1]! : idOrProfile;
  const model = byId.get(id);
  return model !== undefined && model.id !== id;
}
