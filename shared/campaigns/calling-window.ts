import { LEGAL_EARLIEST_MINUTE, LEGAL_LATEST_MINUTE, minutesOf, type CampaignSchedule } from "./campaign-schemas.ts";
import { localTime } from "./time-zones.ts";

const MINUTE_MS = 60_000;
const COARSE_STEP_MS = 15 * MINUTE_MS;

/**
 * May a callee in all of `zones` be called at `at`? In every zone: the local date within the schedule's dates, the
 * weekday one of its weekdays, and the local time within its hours, which never leave the legal 08:00–21:00 (a
 * stored schedule was validated, but the legal bound is applied again here, so no path can widen it).
 */
export function isWithinWindow(schedule: CampaignSchedule, zones: readonly string[], at: number): boolean {
  if (zones.length === 0) return false;
  const start = Math.max(minutesOf(schedule.calling_hours.start), LEGAL_EARLIEST_MINUTE);
  const end = Math.min(minutesOf(schedule.calling_hours.end), LEGAL_LATEST_MINUTE);
  const weekdays: readonly string[] = schedule.weekdays;
  return zones.every((zone) => {
    const local = localTime(zone, at);
    return local.date >= schedule.start_date && local.date <= schedule.end_date && weekdays.includes(local.weekday) && local.minute >= start && local.minute < end;
  });
}

/**
 * The first minute at or after `from` when the window is open for `zones`, or null when it never opens again
 * (the schedule's end has passed in every zone). Scans in 15-minute steps, then back by minutes, so an opening at
 * any HH:MM is found exactly; time-zone offsets never move in smaller steps than that.
 */
export function nextWindowOpening(schedule: CampaignSchedule, zones: readonly string[], from: number): number | null {
  if (zones.length === 0) return null;
  const start = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
  if (isWithinWindow(schedule, zones, start)) return start;
  // The last local date ends at most 14 hours after its UTC midnight (UTC+14); a day more is a safe horizon.
  const horizon = Date.parse(`${schedule.end_date}T00:00:00Z`) + 2 * 86_400_000;
  for (let t = start + COARSE_STEP_MS; t <= horizon; t += COARSE_STEP_MS) {
    if (!isWithinWindow(schedule, zones, t)) continue;
    let first = t;
    while (first - MINUTE_MS > t - COARSE_STEP_MS && isWithinWindow(schedule, zones, first - MINUTE_MS)) first -= MINUTE_MS;
    return first;
  }
  return null;
}
