// Calling-hours gate for outbound calls to US callees (TCPA-style window: 8am–9pm callee local time).
// Runtime-neutral: only Intl, so it runs the same in workerd and Node.
import { NON_US_NANP_AREA_CODES, US_AREA_CODE_TIME_ZONES } from "./us-area-code-time-zones.ts";

export interface CallingWindow {
  /** First allowed local hour, inclusive (8 → from 08:00). */
  startHour: number;
  /** End local hour, exclusive (21 → until 20:59). */
  endHour: number;
}

export type CallingHoursReason = "within_hours" | "outside_hours" | "not_us" | "unknown_area_code";

export interface CallingHoursResult {
  allowed: boolean;
  reason: CallingHoursReason;
  /** Every zone the area code spans, primary first (empty unless the area code is a US one). */
  timeZones: string[];
  /** Local "HH:MM" (24-hour) in each of timeZones, same order. */
  localTimes: string[];
}

export const DEFAULT_CALLING_WINDOW: Readonly<CallingWindow> = Object.freeze({ startHour: 8, endHour: 21 });

const E164 = /^\+[1-9]\d{1,14}$/;
const NANP = /^\+1([2-9]\d{2})[2-9]\d{6}$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", hour: "2-digit", minute: "2-digit" });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Minutes since local midnight (0–1439) of `now` in `timeZone`. */
function localMinutes(timeZone: string, now: Date): number {
  let hour = -1;
  let minute = -1;
  for (const part of formatterFor(timeZone).formatToParts(now)) {
    if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) {
    throw new Error(`could not read the local time in ${timeZone}`);
  }
  return hour * 60 + minute;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * Whether `now` falls inside the calling window for the callee `e164`.
 *
 * - `+1` with a US area code: allowed only if startHour:00 ≤ local time < endHour:00 in every time
 *   zone the area code spans (strict for split area codes).
 * - `+1` with a Canadian / Caribbean area code, or any other country code: `not_us`, allowed (this
 *   rule is for US callees; other countries' rules are not checked here).
 * - `+1` with an unassigned, non-geographic (toll-free, 5XX, 900…) or malformed number:
 *   `unknown_area_code`, not allowed (fail closed).
 *
 * Throws RangeError if `e164` is not E.164 or the window is not 0 ≤ startHour < endHour ≤ 24, and
 * if `now` is an invalid Date.
 */
export function checkCallingHours(
  e164: string,
  now: Date,
  window: CallingWindow = DEFAULT_CALLING_WINDOW,
): CallingHoursResult {
  if (!E164.test(e164)) throw new RangeError(`not an E.164 number: ${JSON.stringify(e164)}`);
  if (Number.isNaN(now.getTime())) throw new RangeError("invalid Date");
  const { startHour, endHour } = window;
  if (!(Number.isFinite(startHour) && Number.isFinite(endHour) && startHour >= 0 && startHour < endHour && endHour <= 24)) {
    throw new RangeError(`invalid calling window ${startHour}–${endHour}`);
  }

  if (!e164.startsWith("+1")) return { allowed: true, reason: "not_us", timeZones: [], localTimes: [] };

  const areaCode = NANP.exec(e164)?.[1];
  const zones = areaCode === undefined ? undefined : US_AREA_CODE_TIME_ZONES[areaCode];
  if (!zones) {
    if (areaCode !== undefined && NON_US_NANP_AREA_CODES[areaCode] !== undefined) {
      return { allowed: true, reason: "not_us", timeZones: [], localTimes: [] };
    }
    return { allowed: false, reason: "unknown_area_code", timeZones: [], localTimes: [] };
  }

  const start = Math.round(startHour * 60);
  const end = Math.round(endHour * 60);
  const timeZones = [...zones];
  const minutes = timeZones.map((zone) => localMinutes(zone, now));
  const allowed = minutes.every((m) => m >= start && m < end);
  return { allowed, reason: allowed ? "within_hours" : "outside_hours", timeZones, localTimes: minutes.map(hhmm) };
}
