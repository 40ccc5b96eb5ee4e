/**
 * Deepgram's own `redact` option: Deepgram removes the entities from the transcript it returns, so the live model
 * never sees them either (unlike `pii_redaction`, which redacts only what is stored). Opt-in per agent, and only the
 * values the model supports: Nova takes `pci`, `ssn` and `numbers` (repeatable); Flux one of `numbers` and
 * `aggressive_numbers` (docs/protocols.md, the Deepgram simulator's flux-params.ts).
 */
export const DEEPGRAM_REDACT_VALUES = ["pci", "ssn", "numbers", "aggressive_numbers"] as const;
export type DeepgramRedact = (typeof DEEPGRAM_REDACT_VALUES)[number];

export const NOVA_REDACT: readonly DeepgramRedact[] = ["pci", "ssn", "numbers"];
export const FLUX_REDACT: readonly DeepgramRedact[] = ["numbers", "aggressive_numbers"];

/** Why the model does not take this redaction, or null when it does. */
export function deepgramRedactIssue(flux: boolean, redact: readonly DeepgramRedact[]): string | null {
  const allowed = flux ? FLUX_REDACT : NOVA_REDACT;
  const refused = redact.filter((r) => !allowed.includes(r));
  if (refused.length > 0) return `${refused.join(", ")} not supported by ${flux ? "Flux" : "Nova"} models (supported: ${allowed.join(", ")})`;
  if (flux && redact.length > 1) return "Flux models take one redact value";
  return null;
}
