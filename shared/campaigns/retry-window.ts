import type { CampaignConfig, CampaignSchedule, CallOutcome, ContactState, RetryRule } from "./campaign-schemas.ts";
import { minutesOf } from "./campaign-schemas.ts";

const hhmmOf = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/**
 * The window a retry waits for: the campaign's schedule with its calling hours narrowed to the rule's
 * `at_local_time`, so the retry still lands inside the schedule's dates, weekdays and hours (and the legal hours,
 * which calling-window.ts applies again). Without `at_local_time` it is the campaign's schedule.
 */
export function retrySchedule(schedule: CampaignSchedule, rule: RetryRule): CampaignSchedule {
  if (!rule.at_local_time) return schedule;
  const start = Math.max(minutesOf(schedule.calling_hours.start), minutesOf(rule.at_local_time.from));
  const end = Math.min(minutesOf(schedule.calling_hours.end), minutesOf(rule.at_local_time.to));
  return { ...schedule, calling_hours: { start: hhmmOf(start), end: hhmmOf(Math.max(start, end)) } };
}

/** The window a waiting contact may be dialled in: a scheduled retry keeps to its outcome's time of day. */
export function dialSchedule(config: CampaignConfig, contact: { state: ContactState; outcome: CallOutcome | null }): CampaignSchedule {
  if (contact.state !== "retry_scheduled" || contact.outcome === null || contact.outcome === "answered") return config.schedule;
  return retrySchedule(config.schedule, config.retry[contact.outcome]);
}
