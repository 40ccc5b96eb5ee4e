import { z } from "@hono/zod-openapi";

/** What an analysis's model tokens cost (its own ledger line, `analysis_charge`), as the API shows it. */
export const AnalysisCost = z
  .object({
    currency: z.enum(["USD", "EUR", "GBP"]),
    total_minor: z.number().int().openapi({ description: "Minor units (cents, pence); the sum of the lines, each rounded once, half up." }),
    lines: z.array(
      z.object({
        component: z.string().openapi({ description: "`llm_input_token` or `llm_output_token`." }),
        model: z.string().optional(),
        quantity: z.number().openapi({ description: "Thousands of tokens." }),
        unit: z.string(),
        micros_per_unit: z.number().int(),
        amount_minor: z.number().int(),
        estimated: z.boolean(),
      }),
    ),
    priced_at: z.string(),
  })
  .openapi("AnalysisCost");
export type AnalysisCost = z.infer<typeof AnalysisCost>;

export const VIOLATION_KINDS = ["required_phrase", "forbidden_phrase", "sensitive_readback", "policy"] as const;

/** A compliance check the call failed: a rule check (found in the transcript) or a model check (the tenant's policy). */
export const Violation = z
  .object({
    check: z.string().openapi({ description: "The check's `id` in the agent's `quality.compliance`." }),
    kind: z.enum(VIOLATION_KINDS),
    detail: z.string().openapi({ description: "What was wrong." }),
    evidence: z.string().openapi({ description: "The agent's words that show it (masked where they held a card number or SSN); empty for a phrase never said." }),
  })
  .openapi("QualityViolation");
export type Violation = z.infer<typeof Violation>;

export const CriterionScore = z
  .object({
    id: z.string(),
    weight: z.number(),
    score: z.number().int().openapi({ description: "0 (not at all) to 10 (fully), the model's judgement." }),
    evidence: z.string().openapi({ description: "The words from the transcript the score rests on." }),
  })
  .openapi("CriterionScore");

export const CoachingSuggestion = z
  .object({
    suggestion: z.string().openapi({ description: "A change to the agent's prompt the model suggests." }),
    evidence: z.string().openapi({ description: "The words from the transcript that call for it." }),
  })
  .openapi("CoachingSuggestion");
export type CoachingSuggestion = z.infer<typeof CoachingSuggestion>;

/** One call's quality: its scorecard (with the weighted total), its violations and the model's coaching. */
export const CallQuality = z
  .object({
    score: z.number().nullable().openapi({ description: "The weighted total, 0–100 (Σ weight × score ÷ Σ weight × 10), rounded to 0.1; null without a scorecard." }),
    criteria: z.array(CriterionScore),
    violations: z.array(Violation),
    coaching: z.array(CoachingSuggestion),
  })
  .openapi("CallQuality");
export type CallQuality = z.infer<typeof CallQuality>;
