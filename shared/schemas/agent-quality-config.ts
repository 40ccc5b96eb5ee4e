import { z } from "@hono/zod-openapi";

/**
 * An agent's quality management (`config.quality`): a scorecard the model scores each call on, and compliance
 * checks. Versioned with the agent like the rest of its config; checked when the agent is saved, each error naming
 * its field. Evaluated with the post-call analysis (one model request: workers/quality/).
 */
const checkId = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "lower-case letters, digits and _, starting with a letter (max 64)");

/** Lower case, punctuation as spaces: phrases match however the transcript punctuated or capitalised them. */
export const normalisedText = (text: string) => ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;

const phrase = z
  .string()
  .max(300)
  .refine((p) => normalisedText(p).trim().length >= 2, "needs at least two letters or digits (punctuation and case are ignored when matching)");

const PhraseCheck = z.object({ id: checkId, phrase }).strict();

const ScorecardCriterion = z
  .object({
    id: checkId,
    description: z.string().min(1).max(1_000).openapi({ description: "What the model judges, in the tenant's words." }),
    weight: z.number().int().min(1).max(100).openapi({ description: "Its share of the weighted total." }),
  })
  .strict();

/** Ids must be unique within a list of checks; each duplicate is pointed at. */
const uniqueIds = (items: { id: string }[], ctx: z.RefinementCtx, path: (string | number)[] = []) => {
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (seen.has(item.id)) ctx.addIssue({ code: "custom", path: [...path, i, "id"], message: `duplicate id "${item.id}"` });
    seen.add(item.id);
  }
};

export const SENSITIVE_READBACK_CHECK = "sensitive_readback";

export const ComplianceConfig = z
  .object({
    required_phrases: z.array(PhraseCheck).max(20).default([]).openapi({ description: "Phrases the agent must say on every call (a recording or AI disclosure)." }),
    forbidden_phrases: z.array(PhraseCheck).max(50).default([]).openapi({ description: "Phrases the agent must never say." }),
    sensitive_readback: z.boolean().default(true).openapi({ description: "Flag an agent that reads back a full card number (13–19 digits passing the Luhn check) or US Social Security number, digits or number words." }),
    policies: z
      .array(z.object({ id: checkId, text: z.string().min(1).max(4_000).openapi({ description: "The tenant's policy in its own words; the model judges whether the agent broke it." }) }).strict())
      .max(20)
      .default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const all = [...c.required_phrases.map((p, i) => ({ id: p.id, path: ["required_phrases", i, "id"] })), ...c.forbidden_phrases.map((p, i) => ({ id: p.id, path: ["forbidden_phrases", i, "id"] })), ...c.policies.map((p, i) => ({ id: p.id, path: ["policies", i, "id"] }))];
    const seen = new Set<string>([SENSITIVE_READBACK_CHECK]);
    for (const { id, path } of all) {
      if (seen.has(id)) ctx.addIssue({ code: "custom", path, message: id === SENSITIVE_READBACK_CHECK ? `"${id}" is the card and SSN check's id` : `duplicate check id "${id}" (ids are unique across the compliance checks)` });
      seen.add(id);
    }
  });

export const QualityConfig = z
  .object({
    scorecard: z
      .object({ criteria: z.array(ScorecardCriterion).min(1).max(20) })
      .strict()
      .superRefine((s, ctx) => uniqueIds(s.criteria, ctx, ["criteria"]))
      .optional()
      .openapi({ description: "Weighted criteria: per call the model scores each 0–10 with quoted evidence, and the call gets the weighted total (0–100)." }),
    compliance: ComplianceConfig.optional(),
  })
  .strict()
  .refine((q) => q.scorecard !== undefined || q.compliance !== undefined, "give a scorecard, compliance checks or both")
  .openapi("QualityConfig");

export type QualityConfig = z.infer<typeof QualityConfig>;
export type ComplianceConfig = z.infer<typeof ComplianceConfig>;
