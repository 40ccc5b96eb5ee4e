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

describe("a campaign without a retry policy", () => {
  it("gets the default rule for every outcome", async () => {
    const { CreateCampaign } = await import("./campaign-schemas.ts");
    const parsed = CreateCampaign.parse({
      name: "Defaults",
      agent_id: "AGT-2345678923",
      caller_ids: ["+14155550100"],
      schedule: { start_date: "2027-01-11", end_date: "2027-01-12", calling_hours: { start: "09:00", end: "17:00" } },
      max_concurrency: 1,
    });
    expect(parsed.retry).toEqual({
      no_answer: { max_attempts: 3, min_gap_minutes: 60 },
      busy: { max_attempts: 3, min_gap_minutes: 15 },
      failed: { max_attempts: 2, min_gap_minutes: 30 },
      voicemail: { max_attempts: 2, min_gap_minutes: 240 },
    });
  });
});
