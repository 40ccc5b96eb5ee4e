/**
 * The agent's `model_policy`: `fixed` uses the configured model; `auto` picks, per call, a thinking-capable model
 * when extended thinking is configured, a tool-strong (Sonnet-class) model for agents with several tools, and
 * otherwise (or when the agent sets `llm.latency: tight`) the fastest (Haiku-class). Always a real catalog id, reached through the same
 * inference-profile geography (`us.`, `eu.`, `global.` …) as the configured model, so data residency is unchanged.
 */
import { BEDROCK_MODELS, findBedrockModel, type BedrockModel } from "../../shared/llm/bedrock-models.ts";
import type { AgentConfig } from "../../shared/schemas/agent-config.ts";

export interface ModelNeeds {
  toolCount: number;
  needThinking: boolean;
  /** The turn must start speaking fast (a voice call): prefer the fastest model over the strongest. */
  latencyTight: boolean;
}

/** From this many tools on, tool selection is worth a stronger model (unless latency is tight). */
export const MANY_TOOLS = 3;

const GEO_PREFIX = /^(us|eu|jp|apac|global)\./;

/** The model for a call of this agent: its needs read from the agent's configuration. */
export function agentModel(config: Pick<AgentConfig, "llm"> & { tools: readonly unknown[] }): string {
  return chooseModel(config.llm, {
    toolCount: config.tools.length,
    needThinking: config.llm.thinking_budget_tokens !== undefined,
    latencyTight: config.llm.latency === "tight",
  });
}

export function chooseModel(llm: Pick<AgentConfig["llm"], "model" | "model_policy">, needs: ModelNeeds): string {
  if (llm.model_policy !== "auto") return llm.model;
  const configured = findBedrockModel(llm.model);
  // An ARN (or an id outside the catalog) names one specific resource: nothing to choose between.
  if (configured === undefined || llm.model.startsWith("arn:")) return llm.model;
  const prefix = GEO_PREFIX.exec(llm.model)?.[0] ?? "";
  const idFor = (model: BedrockModel) => (prefix === "" ? model.id : model.inferenceProfiles.find((p) => p.startsWith(prefix)));

  const fits = (model: BedrockModel) =>
    idFor(model) !== undefined && (needs.toolCount === 0 || model.supportsTools) && (!needs.needThinking || model.supportsExtendedThinking);
  const family: BedrockModel["family"] = needs.toolCount >= MANY_TOOLS && !needs.latencyTight ? "sonnet" : "haiku";
  // Within the wanted family the configured model wins (the tenant may have pinned a version), else the catalog's
  // order, newest first. When the geography lacks the family: the configured model if it fits, else any that does.
  const configuredFits = fits(configured) ? configured : undefined;
  const choice =
    (configured.family === family ? configuredFits : undefined) ??
    BEDROCK_MODELS.find((m) => m.family === family && fits(m)) ??
    configuredFits ??
    BEDROCK_MODELS.find(fits);
  return choice === undefined ? llm.model : idFor(choice)!;
}
