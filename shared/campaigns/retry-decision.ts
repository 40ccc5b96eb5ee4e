import type { CallOutcome, ContactState, RetryPolicy } from "./campaign-schemas.ts";

export type RetryDecision = { state: Extract<ContactState, "done" | "failed">; retryAfter: null } | { state: "retry_scheduled"; retryAfter: number };

/**
 * What a contact's last call outcome makes of it. An answered call is done, and so is a machine when the campaign
 * counts a voicemail as done; otherwise the outcome's rule decides: fewer dials than its `max_attempts` (all dials
 * of the contact count) schedule another one at least `min_gap_minutes` later; otherwise the contact has failed.
 */
export function decideAfterOutcome(policy: RetryPolicy, voicemailAction: "retry" | "complete", outcome: CallOutcome, attempts: number, endedAt: number): RetryDecision {
  if (outcome === "answered" || (outcome === "voicemail" && voicemailAction === "complete")) return { state: "done", retryAfter: null };
  const rule = policy[outcome];
  if (attempts >= rule.max_attempts) return { state: "failed", retryAfter: null };
  return { state: "retry_scheduled", retryAfter: endedAt + rule.min_gap_minutes * 60_000 };
}

/** Twilio's final call status and AMD verdict as a campaign outcome (null while the call has not ended). */
export function outcomeOfTwilioCall(status: string, answeredBy: string | null | undefined): CallOutcome | null {
  switch (status) {
    case "completed":
      return answeredBy?.startsWith("machine") || answeredBy === "fax" ? "voicemail" : "answered";
    case "no-answer":
      return "no_answer";
    case "busy":
      return "busy";
    case "failed":
    case "canceled":
      return "failed";
    default:
      return null;
  }
}
