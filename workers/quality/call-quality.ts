import type { CallQuality, CoachingSuggestion, Violation } from "../../shared/analysis/call-quality.ts";
import type { QualityConfig } from "../../shared/schemas/agent-quality-config.ts";
import type { TranscriptTurn } from "../analysis/analysis-prompt.ts";
import { ruleViolations } from "./rule-checks.ts";
import { maskSensitiveNumbers } from "./sensitive-numbers.ts";

type Judged = Record<string, { score?: number; violated?: boolean; evidence: string }>;
const mask = maskSensitiveNumbers;

export interface QualityResult {
  qualityScore: number | null;
  violationCount: number;
  quality: CallQuality;
}

/**
 * A call's quality from the model's validated answer (scorecard, policy checks, coaching) and the rule checks over
 * its transcript (evidence masked where it quotes a card number or SSN). The weighted total is Σ weight × score ÷ Σ weight, on 0–100 (scores are 0–10), to 0.1.
 */
export function callQuality(config: QualityConfig, answer: Record<string, unknown>, turns: readonly TranscriptTurn[]): QualityResult {
  const scored = (answer.scorecard ?? {}) as Judged;
  const criteria = (config.scorecard?.criteria ?? []).map((c) => ({ id: c.id, weight: c.weight, score: scored[c.id]!.score!, evidence: mask(scored[c.id]!.evidence) }));
  const weights = criteria.reduce((sum, c) => sum + c.weight, 0);
  const score = criteria.length === 0 ? null : Math.round((criteria.reduce((sum, c) => sum + c.weight * c.score, 0) / weights) * 100) / 10;
  const policies = (answer.policy_checks ?? {}) as Judged;
  const violations: Violation[] = [
    ...(config.compliance ? ruleViolations(config.compliance, turns) : []),
    ...(config.compliance?.policies ?? []).filter((p) => policies[p.id]!.violated).map((p) => ({ check: p.id, kind: "policy" as const, detail: `the agent broke the policy "${p.id}"`, evidence: mask(policies[p.id]!.evidence) })),
  ];
  const coaching = ((answer.coaching ?? []) as CoachingSuggestion[]).map((s) => ({ suggestion: s.suggestion, evidence: mask(s.evidence) }));
  return { qualityScore: score, violationCount: violations.length, quality: { score, criteria, violations, coaching } };
}
