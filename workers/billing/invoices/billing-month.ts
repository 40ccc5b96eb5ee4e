/**
 * Billing months in an account's IANA time zone: a month runs from local midnight on its first day to local
 * midnight on the next month's first day, so its length in UTC shifts with the zone's offsets (DST included).
 */
export interface BillingMonth {
  /** `yyyy-mm`. */
  month: string;
  start: Date;
  end: Date;
}

export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's wall-clock fields at `instant`. */
function wallClock(instant: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(instant)).map((p) => [p.type, Number(p.value)]));
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in ms. */
function offsetMs(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant local midnight begins the 1st of `month` (1-12) of `year`. The offset is read twice: once near the
 * guess and once at the corrected instant, which settles on the right side of a DST change. Where midnight itself
 * is skipped (zones that change at 00:00), the month starts at the first local instant after the gap.
 */
function monthStart(year: number, month: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, 1);
  const first = wall - offsetMs(wall, timeZone);
  return new Date(wall - offsetMs(first, timeZone));
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `yyyy-mm-dd hh:mm` on the zone's wall clock at `instant`. */
export function localTime(instant: Date, timeZone: string): string {
  const w = wallClock(instant.getTime(), timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

const label = (year: number, month: number) => `${year}-${String(month).padStart(2, "0")}`;

/** The billing month `yyyy-mm` in `timeZone`. */
export function billingMonth(month: string, timeZone: string): BillingMonth {
  const match = MONTH_PATTERN.exec(month);
  if (!match) throw new RangeError(`not a yyyy-mm month: ${month}`);
  const year = Number(match[1]);
  const m = Number(match[2]);
  const next = m === 12 ? { year: year + 1, month: 1 } : { year, month: m + 1 };
  return { month, start: monthStart(year, m, timeZone), end: monthStart(next.year, next.month, timeZone) };
}

/** The billing month `now` falls in, in `timeZone`. */
export function monthAt(now: Date, timeZone: string): BillingMonth {
  const w = wallClock(now.getTime(), timeZone);
  return billingMonth(label(w.year, w.month), timeZone);
}

/** The month before `month` (`yyyy-mm`) in `timeZone`: the last one that has ended when `month` is under way. */
export function previousMonth(month: BillingMonth, timeZone: string): BillingMonth {
  const [year, m] = month.month.split("-").map(Number) as [number, number];
  return billingMonth(m === 1 ? label(year - 1, 12) : label(year, m - 1), timeZone);
}
