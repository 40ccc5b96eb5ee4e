import { z } from "@hono/zod-openapi";
import type { callAnalyses } from "../db/schema.ts";
import { SENTIMENTS } from "./analysis-request.ts";
import { AnalysisCost, CallQuality } from "./call-quality.ts";

/** One analysis of a call, as `GET /v1/calls/{id}` lists it and the `call.analyzed` webhook carries it. */
export const CallAnalysis = z
  .object({
    analysis_version: z.number().int().openapi({ description: "1 for the analysis after the call; each `POST /v1/calls/{id}/analyze` adds one." }),
    agent_version: z.number().int().openapi({ description: "The agent version whose `analysis` config was used." }),
    status: z.enum(["queued", "succeeded", "failed", "skipped"]),
    reason: z.string().nullable().openapi({ description: "Why it failed or was skipped." }),
    summary: z.string().nullable(),
    structured_data: z.record(z.string(), z.unknown()).nullable().openapi({ description: "The fields of the agent's structured-data schema, validated against it." }),
    success: z.unknown().nullable().openapi({ description: "The rubric's verdict: a boolean (pass_fail), an integer (numeric_1_10, likert_5), criterion → boolean (checklist) or words (descriptive)." }),
    succeeded: z.boolean().nullable().openapi({ description: "Whether the verdict counts as a success: pass_fail true, numeric_1_10 ≥ 7, likert_5 ≥ 4, every checklist criterion met; null for descriptive." }),
    sentiment: z.enum(SENTIMENTS).nullable(),
    disposition: z.string().nullable(),
    model: z.string().nullable(),
    attempts: z.number().int().openapi({ description: "Model requests made (an invalid answer is retried once)." }),
    usage: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }).openapi({ description: "The model's tokens over all attempts." }),
    cost: AnalysisCost.nullable().openapi({ description: "What the tokens cost: their own ledger line (`analysis_charge`), priced with the model's token rates; null until posted, and for an account without billing." }),
    quality: CallQuality.nullable().openapi({ description: "With the agent's `quality` config: the scorecard, its weighted total, the compliance violations and coaching; null otherwise." }),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi("CallAnalysis");
export type CallAnalysis = z.infer<typeof CallAnalysis>;

export const callAnalysisView = (r: typeof callAnalyses.$inferSelect): CallAnalysis => ({
  analysis_version: r.analysisVersion,
  agent_version: r.agentVersion,
  status: r.status,
  reason: r.reason,
  summary: r.summary,
  structured_data: r.structuredData as Record<string, unknown> | null,
  success: r.success ?? null,
  succeeded: r.succeeded,
  sentiment: r.sentiment,
  disposition: r.disposition,
  model: r.model,
  attempts: r.attempts,
  usage: { input_tokens: r.inputTokens, output_tokens: r.outputTokens },
  cost: r.cost,
  quality: r.quality,
  created_at: r.createdAt,
  completed_at: r.completedAt,
});
