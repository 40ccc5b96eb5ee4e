import { describe, expect, it } from "vitest";
import { isWithinWindow, nextWindowOpening } from "./calling-window.ts";
import { CampaignSchedule, CreateCampaign, RetryPolicy } from "./campaign-schemas.ts";
import { decideAfterOutcome } from "./retry-decision.ts";
import { dialSchedule, retrySchedule } from "./retry-window.ts";

const schedule = CampaignSchedule.parse({ start_date: "2027-01-11", end_date: "2027-01-15", weekdays: ["mon", "tue", "wed", "thu", "fri"], calling_hours: { start: "09:00", end: "19:00" } });
const policy = RetryPolicy.parse({ no_answer: { max_attempts: 3, min_gap_minutes: 60, at_local_time: { from: "17:00", to: "20:00" } } });
const NEW_YORK = ["America/New_York"];
const at = (iso: string) => Date.parse(iso);

/** Where a retry lands: the injected clock is the call's end, `endedAt`. */
function retryAt(zones: string[], endedAt: number, outcome: "no_answer" | "busy" = "no_answer"): string | null {
  const decision = decideAfterOutcome(policy, "retry", outcome, 1, endedAt);
  if (decision.state !== "retry_scheduled") throw new Error("expected a retry");
  const opening = nextWindowOpening(retrySchedule(schedule, policy[outcome]), zones, decision.retryAfter);
  return opening === null ? null : new Date(opening).toISOString();
}

describe("retry at another time of day", () => {
  it("narrows the calling hours to the rule's window, never beyond the campaign's hours", () => {
    expect(retrySchedule(schedule, policy.no_answer).calling_hours).toEqual({ start: "17:00", end: "19:00" });
    expect(retrySchedule(schedule, policy.busy)).toBe(schedule);
  });

  it("lands a morning no-answer's retry at 17:00 the same day in the callee's zone", () => {
    // Monday 10:00 in New York (15:00 UTC) → 17:00 New York (22:00 UTC).
    expect(retryAt(NEW_YORK, at("2027-01-11T15:00:00Z"))).toBe("2027-01-11T22:00:00.000Z");
    // A busy line has no time of day: one gap later, at once inside the hours.
    expect(retryAt(NEW_YORK, at("2027-01-11T15:00:00Z"), "busy")).toBe("2027-01-11T15:15:00.000Z");
  });

  it("keeps the gap inside the window, and moves past its end (and the campaign's hours) to the next weekday", () => {
    // Monday 17:30 New York + 60 min = 18:30: inside 17:00–19:00.
    expect(retryAt(NEW_YORK, at("2027-01-11T22:30:00Z"))).toBe("2027-01-11T23:30:00.000Z");
    // Monday 18:30 + 60 min = 19:30: past the campaign's 19:00, so Tuesday 17:00.
    expect(retryAt(NEW_YORK, at("2027-01-11T23:30:00Z"))).toBe("2027-01-12T22:00:00.000Z");
    // Friday evening: the next weekday is after the schedule's end, so no retry.
    expect(retryAt(NEW_YORK, at("2027-01-15T23:30:00Z"))).toBeNull();
  });

  it("needs the window in every zone of the callee: 17:00 in Chicago is 18:00 in New York", () => {
    expect(retryAt(["America/New_York", "America/Chicago"], at("2027-01-11T15:00:00Z"))).toBe("2027-01-11T23:00:00.000Z");
  });

  it("holds a waiting retry to its window when dialling, and a first dial to the campaign's hours", () => {
    const config = { schedule, retry: policy } as Parameters<typeof dialSchedule>[0];
    const tuesdayNoon = at("2027-01-12T17:00:00Z");
    expect(isWithinWindow(dialSchedule(config, { state: "retry_scheduled", outcome: "no_answer" }), NEW_YORK, tuesdayNoon)).toBe(false);
    expect(isWithinWindow(dialSchedule(config, { state: "pending", outcome: null }), NEW_YORK, tuesdayNoon)).toBe(true);
    expect(isWithinWindow(dialSchedule(config, { state: "retry_scheduled", outcome: "no_answer" }), NEW_YORK, at("2027-01-12T22:30:00Z"))).toBe(true);
  });

  it("refuses a time of day outside the campaign's calling hours, or ending before it starts", () => {
    const base = { name: "x", agent_id: "AGT-7KQ2M9XD4H", caller_ids: ["+14155550100"], schedule, max_concurrency: 1 };
    const outside = CreateCampaign.safeParse({ ...base, retry: { busy: { max_attempts: 2, min_gap_minutes: 5, at_local_time: { from: "19:30", to: "21:00" } } } });
    expect(outside.success).toBe(false);
    expect(outside.error!.issues.map((i) => i.path.join("."))).toEqual(["retry.busy.at_local_time"]);
    const backwards = CreateCampaign.safeParse({ ...base, retry: { busy: { max_attempts: 2, min_gap_minutes: 5, at_local_time: { from: "18:00", to: "17:00" } } } });
    expect(backwards.error!.issues.map((i) => i.path.join("."))).toEqual(["retry.busy.at_local_time.to"]);
  });
});
