import type { Violation } from "../../shared/analysis/call-quality.ts";
import { normalisedText, SENSITIVE_READBACK_CHECK, type ComplianceConfig } from "../../shared/schemas/agent-quality-config.ts";
import type { TranscriptTurn } from "../analysis/analysis-prompt.ts";
import { findSensitiveNumber, maskSensitiveNumbers } from "./sensitive-numbers.ts";

const SENSITIVE_DETAIL = { card: "the agent read back a full card number", ssn: "the agent read back a full Social Security number" } as const;

/**
 * The compliance checks that need no model, over the agent's turns only (the caller may say anything): each
 * required phrase said at least once, each forbidden phrase never, and no full card number or SSN read back.
 * Matching ignores case and punctuation. Evidence is the agent's turn, with any card number or SSN masked.
 */
export function ruleViolations(compliance: ComplianceConfig, turns: readonly TranscriptTurn[]): Violation[] {
  const agentTurns = turns.filter((t) => t.role === "agent").map((t) => ({ text: t.text, normalised: normalisedText(t.text) }));
  const violations: Violation[] = [];
  for (const { id, phrase } of compliance.required_phrases) {
    const wanted = normalisedText(phrase);
    if (!agentTurns.some((t) => t.normalised.includes(wanted))) violations.push({ check: id, kind: "required_phrase", detail: `the agent never said "${phrase}"`, evidence: "" });
  }
  for (const { id, phrase } of compliance.forbidden_phrases) {
    const unwanted = normalisedText(phrase);
    const turn = agentTurns.find((t) => t.normalised.includes(unwanted));
    if (turn) violations.push({ check: id, kind: "forbidden_phrase", detail: `the agent said "${phrase}"`, evidence: maskSensitiveNumbers(turn.text) });
  }
  if (compliance.sensitive_readback) {
    for (const turn of agentTurns) {
      const found = findSensitiveNumber(turn.text);
      if (found) {
        violations.push({ check: SENSITIVE_READBACK_CHECK, kind: "sensitive_readback", detail: SENSITIVE_DETAIL[found.kind], evidence: found.masked });
        break;
      }
    }
  }
  return violations;
}
