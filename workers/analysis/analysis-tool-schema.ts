import { SENTIMENTS } from "../../shared/analysis/analysis-request.ts";
import { AnalysisConfig, summaryOf, type SuccessRubric } from "../../shared/schemas/agent-analysis-config.ts";
import { QualityConfig } from "../../shared/schemas/agent-quality-config.ts";
import { qualityToolProperties } from "../quality/quality-tool-schema.ts";

/**
 * The input schema of the forced analysis tool, built from the agent's `analysis` config: one property per thing
 * asked for, all required. The model's answer is validated against this same schema, so the tenant's
 * structured-data schema (its `required` included) is what the answer must match. A `quality` config adds its
 * scorecard, policy checks and coaching.
 */
export function analysisToolSchema(config: AnalysisConfig, quality?: QualityConfig): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const summary = summaryOf(config);
  if (summary.enabled) properties.summary = { type: "string", minLength: 1, description: summary.prompt ?? "What happened on the call, in two or three sentences." };
  if (config.structured_data) properties.structured_data = { ...config.structured_data, description: "The fields to extract from the call." };
  if (config.success_evaluation) properties.success = rubricSchema(config.success_evaluation);
  if (config.sentiment) properties.sentiment = { type: "string", enum: SENTIMENTS, description: "The caller's sentiment over the call (unknown: the caller said too little to tell)." };
  if (config.disposition) properties.disposition = { type: "string", enum: config.disposition.tags, description: "The one tag that best describes how the call ended." };
  if (quality) Object.assign(properties, qualityToolProperties(quality));
  return { type: "object", properties, required: Object.keys(properties), additionalProperties: false };
}

/**
 * Whether an agent's config asks the analysis for anything: a summary unless `analysis.summary` is false (an agent
 * without `analysis` too), or any other part, or a `quality` config. An invalid config asks (its analysis is then
 * marked failed with the reason).
 */
export function asksForAnalysis(config: { analysis?: unknown; quality?: unknown }): boolean {
  const analysis = AnalysisConfig.safeParse(config.analysis ?? {});
  const quality = config.quality === undefined ? undefined : QualityConfig.safeParse(config.quality);
  if (!analysis.success || (quality && !quality.success)) return true;
  return Object.keys(analysisToolSchema(analysis.data, quality?.data).properties as object).length > 0;
}

function rubricSchema(rubric: SuccessRubric): Record<string, unknown> {
  const criteria = rubric.criteria ? ` Criteria: ${rubric.criteria}` : "";
  switch (rubric.type) {
    case "pass_fail":
      return { type: "boolean", description: `Whether the call succeeded.${criteria}` };
    case "numeric_1_10":
      return { type: "integer", minimum: 1, maximum: 10, description: `How well the call succeeded, 1 (not at all) to 10 (fully).${criteria}` };
    case "likert_5":
      return { type: "integer", minimum: 1, maximum: 5, description: `How well the call succeeded, 1 (strongly disagree it did) to 5 (strongly agree).${criteria}` };
    case "checklist":
      return {
        type: "object",
        description: `Each criterion: true if the call met it.${criteria}`,
        properties: Object.fromEntries(rubric.checklist.map((c) => [c.name, { type: "boolean", description: c.description }])),
        required: rubric.checklist.map((c) => c.name),
        additionalProperties: false,
      };
    case "descriptive":
      return { type: "string", minLength: 1, description: `A verdict in words on whether and how the call succeeded.${criteria}` };
  }
}

/**
 * Whether a verdict counts as a success, for the list filter: pass_fail as given, numeric_1_10 from 7, likert_5
 * from 4, a checklist when every criterion passed; a descriptive verdict has no yes or no (null).
 */
export function verdictSucceeded(rubric: SuccessRubric, verdict: unknown): boolean | null {
  switch (rubric.type) {
    case "pass_fail":
      return verdict === true;
    case "numeric_1_10":
      return typeof verdict === "number" && verdict >= 7;
    case "likert_5":
      return typeof verdict === "number" && verdict >= 4;
    case "checklist":
      return typeof verdict === "object" && verdict !== null && Object.values(verdict).every((v) => v === true);
    case "descriptive":
      return null;
  }
}
