import { describe, expect, it } from "vitest";
import { RetryPolicy } from "./campaign-schemas.ts";
import { decideAfterOutcome, outcomeOfTwilioCall } from "./retry-decision.ts";

const policy = RetryPolicy.parse({ no_answer: { max_attempts: 3, min_gap_minutes: 30 }, busy: { max_attempts: 2, min_gap_minutes: 5 } });
const T = Date.parse("2026-01-14T15:00:00Z");

describe("retry policy per outcome", () => {
  it("retries a no-answer after its gap until its attempts are spent", () => {
    expect(decideAfterOutcome(policy, "retry", "no_answer", 1, T)).toEqual({ state: "retry_scheduled", retryAfter: T + 30 * 60_000 });
    expect(decideAfterOutcome(policy, "retry", "no_answer", 2, T)).toEqual({ state: "retry_scheduled", retryAfter: T + 30 * 60_000 });
    expect(decideAfterOutcome(policy, "retry", "no_answer", 3, T)).toEqual({ state: "failed", retryAfter: null });
    expect(decideAfterOutcome(policy, "retry", "busy", 2, T)).toEqual({ state: "failed", retryAfter: null });
  });

  it("ends on an answer, and on a voicemail when the campaign counts it done", () => {
    expect(decideAfterOutcome(policy, "retry", "answered", 1, T).state).toBe("done");
    expect(decideAfterOutcome(policy, "complete", "voicemail", 1, T).state).toBe("done");
    expect(decideAfterOutcome(policy, "retry", "voicemail", 1, T)).toEqual({ state: "retry_scheduled", retryAfter: T + 240 * 60_000 });
  });

  it("reads Twilio's final status and AMD verdict", () => {
    expect(outcomeOfTwilioCall("completed", "machine_end_beep")).toBe("voicemail");
    expect(outcomeOfTwilioCall("completed", "human")).toBe("answered");
    expect(outcomeOfTwilioCall("no-answer", null)).toBe("no_answer");
    expect(outcomeOfTwilioCall("canceled", null)).toBe("failed");
    expect(outcomeOfTwilioCall("ringing", null)).toBeNull();
  });
});
