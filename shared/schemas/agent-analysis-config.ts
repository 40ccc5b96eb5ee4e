import { z } from "@hono/zod-openapi";
import { structuredDataSchemaIssues } from "../analysis/structured-data-schema.ts";
import { BEDROCK_MODEL_IDS } from "../llm/bedrock-models.ts";
import { boundedJson, JSON_FIELD_MAX_DEPTH, jsonDepthOver } from "./bounded-json.ts";

/**
 * An agent's post-call analysis (`config.analysis`): what the model is asked about a finished call. Versioned with
 * the agent like the rest of its config; checked when the agent is saved, each error naming its field.
 */
const criterionName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, "letters, digits and _, starting with a letter (max 64)");
const criteria = z.string().min(1).max(4_000).openapi({ description: "The tenant's own words: what a successful call achieves." });

export const SUCCESS_RUBRIC_TYPES = ["pass_fail", "numeric_1_10", "likert_5", "checklist", "descriptive"] as const;

export const SuccessRubric = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("pass_fail"), criteria }).strict(),
    z.object({ type: z.literal("numeric_1_10"), criteria }).strict(),
    z.object({ type: z.literal("likert_5"), criteria }).strict(),
    z
      .object({
        type: z.literal("checklist"),
        criteria: criteria.optional(),
        checklist: z
          .array(z.object({ name: criterionName, description: z.string().min(1).max(1_000) }).strict())
          .min(1)
          .max(20)
          .superRefine((items, ctx) => {
            const seen = new Set<string>();
            for (const [i, item] of items.entries()) {
              if (seen.has(item.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate criterion "${item.name}"` });
              seen.add(item.name);
            }
          }),
      })
      .strict(),
    z.object({ type: z.literal("descriptive"), criteria }).strict(),
  ])
  .openapi("SuccessRubric", {
    description:
      "`pass_fail`: true/false; `numeric_1_10`: an integer 1–10; `likert_5`: an integer 1–5; `checklist`: each named criterion pass/fail; `descriptive`: a verdict in words.",
  });

export const StructuredDataSchema = boundedJson(z.record(z.string(), z.unknown()))
  .superRefine((schema, ctx) => {
    // Refused already (boundedJson), and too deep to walk safely.
    if (jsonDepthOver(schema, JSON_FIELD_MAX_DEPTH)) return;
    for (const issue of structuredDataSchemaIssues(schema)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  })
  .openapi({
    description:
      'A JSON Schema (`{"type": "object", "properties": {…}, "required": […]}`) of the fields to extract. Field types: string, number, integer, boolean, array (`items`), object (`properties`, `required`); `enum` on string, number and integer fields. Every field has a `description` and may have an `example`.',
    example: { type: "object", properties: { preferred_day: { type: "string", description: "The day the caller wants", example: "Tuesday" } }, required: ["preferred_day"] },
  });

export const AnalysisConfig = z
  .object({
    summary: z
      .union([
        z.boolean(),
        z.object({ enabled: z.boolean().default(true), prompt: z.string().min(1).max(2_000).optional().openapi({ description: "How to summarise (default: a few sentences)." }) }).strict(),
      ])
      .default({ enabled: true })
      .openapi({ description: "On by default, for every agent (an agent without `analysis` too); `false` (or `{\"enabled\": false}`) turns it off." }),
    structured_data: StructuredDataSchema.optional(),
    success_evaluation: SuccessRubric.optional(),
    sentiment: z.boolean().default(false).openapi({ description: "Judge the caller's sentiment: positive, neutral, negative or unknown." }),
    disposition: z
      .object({ tags: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lower-case letters, digits, _ and - (max 64)")).min(1).max(50) })
      .strict()
      .superRefine((d, ctx) => {
        const seen = new Set<string>();
        for (const [i, tag] of d.tags.entries()) {
          if (seen.has(tag)) ctx.addIssue({ code: "custom", path: ["tags", i], message: `duplicate tag "${tag}"` });
          seen.add(tag);
        }
      })
      .optional()
      .openapi({ description: "The model picks one tag from this list." }),
    min_turns: z.number().int().min(0).max(1_000).default(2).openapi({ description: "Calls with fewer caller and agent turns are skipped, with the reason recorded." }),
    model: z.enum(BEDROCK_MODEL_IDS as [string, ...string[]]).optional().openapi({ description: "The model that analyses; default the agent's `llm.model`." }),
  })
  .strict()
  .openapi("AnalysisConfig");

export type AnalysisConfig = z.infer<typeof AnalysisConfig>;
export type SuccessRubric = z.infer<typeof SuccessRubric>;

/** The summary setting, whichever form it was written in. */
export const summaryOf = (config: AnalysisConfig): { enabled: boolean; prompt?: string } => (typeof config.summary === "boolean" ? { enabled: config.summary } : config.summary);
