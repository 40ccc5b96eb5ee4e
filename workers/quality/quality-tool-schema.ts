import type { QualityConfig } from "../../shared/schemas/agent-quality-config.ts";

const judged = (description: string, fields: Record<string, unknown>) => ({
  type: "object",
  description,
  properties: fields,
  required: Object.keys(fields),
  additionalProperties: false,
});

const evidence = { type: "string", description: "The words from the transcript this rests on, quoted exactly (empty if there are none)." };

/**
 * The quality part of the forced analysis tool's input schema: `scorecard` (each criterion scored 0–10 with its
 * evidence; its description is the tenant's criterion), `policy_checks` (each policy: broken or not, with evidence)
 * and `coaching` (prompt changes, each with evidence). The answer is validated against it like the rest.
 */
export function qualityToolProperties(quality: QualityConfig): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const criteria = quality.scorecard?.criteria ?? [];
  if (criteria.length > 0) {
    properties.scorecard = judged(
      "The agent's conduct on each criterion of its scorecard: a score from 0 (not met at all) to 10 (fully met).",
      Object.fromEntries(criteria.map((c) => [c.id, judged(c.description, { score: { type: "integer", minimum: 0, maximum: 10 }, evidence })])),
    );
    properties.coaching = {
      type: "array",
      maxItems: 5,
      description: "Changes to the agent's prompt that would have made it score better on this call, each with the words that call for it; empty if none.",
      items: judged("One suggested prompt change.", { suggestion: { type: "string", minLength: 1 }, evidence }),
    };
  }
  const policies = quality.compliance?.policies ?? [];
  if (policies.length > 0) {
    properties.policy_checks = judged(
      "For each of the tenant's policies: whether the agent broke it on this call.",
      Object.fromEntries(policies.map((p) => [p.id, judged(p.text, { violated: { type: "boolean" }, evidence })])),
    );
  }
  return properties;
}
