/**
 * Quality parts of an analysis request (workers/quality/quality-tool-schema.ts), answered by fixed rules over the
 * agent's lines, so scripted transcripts with known violations score exactly:
 * - `scorecard`: a criterion whose description quotes phrases ("…") scores 10 when the agent said every one, with
 *   the agent's first line that says the first as evidence; else 0, with the agent's first line. A criterion that
 *   quotes nothing scores 5, with the agent's first line.
 * - `policy_checks`: a policy is broken when the agent said a phrase its text quotes; the evidence is that line.
 * - `coaching`: for each criterion scored 0, `Add to the prompt: say "<its first quoted phrase>".` with the agent's
 *   first line as evidence.
 * Matching ignores case.
 */
type Schema = { description?: string; properties?: Record<string, Schema> };

const quoted = (text: string | undefined) => [...(text ?? "").matchAll(/["“]([^"”]+)["”]/g)].map((m) => m[1]!.toLowerCase());

export function judgeQuality(properties: Record<string, Schema>, agentLines: readonly string[]): Record<string, unknown> {
  const firstLine = agentLines[0] ?? "";
  const saying = (phrase: string) => agentLines.find((l) => l.toLowerCase().includes(phrase));
  const answer: Record<string, unknown> = {};
  const coaching: { suggestion: string; evidence: string }[] = [];
  if (properties.scorecard) {
    answer.scorecard = Object.fromEntries(
      Object.entries(properties.scorecard.properties ?? {}).map(([id, criterion]) => {
        const phrases = quoted(criterion.description);
        if (phrases.length === 0) return [id, { score: 5, evidence: firstLine }];
        if (phrases.every((p) => saying(p) !== undefined)) return [id, { score: 10, evidence: saying(phrases[0]!)! }];
        coaching.push({ suggestion: `Add to the prompt: say "${phrases[0]}".`, evidence: firstLine });
        return [id, { score: 0, evidence: firstLine }];
      }),
    );
  }
  if (properties.coaching) answer.coaching = coaching;
  if (properties.policy_checks) {
    answer.policy_checks = Object.fromEntries(
      Object.entries(properties.policy_checks.properties ?? {}).map(([id, policy]) => {
        const line = quoted(policy.description)
          .map(saying)
          .find((l) => l !== undefined);
        return [id, { violated: line !== undefined, evidence: line ?? "" }];
      }),
    );
  }
  return answer;
}
