import { US_AREA_CODE_TIME_ZONES } from "../phone/us-area-code-time-zones.ts";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter giving a zone's local date, weekday and time; throws RangeError for an unknown zone. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", weekday: "short", hour: "2-digit", minute: "2-digit" });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(name: string): boolean {
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** mon … sun */
  weekday: string;
  /** Minutes since local midnight. */
  minute: number;
}

export function localTime(timeZone: string, at: number): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(at)) parts[p.type] = p.value;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: parts.weekday!.toLowerCase(), minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/**
 * Every zone a callee may be in: its area code's zones (US numbers) and its own zone when given. Empty when
 * neither says anything (a non-US number without a zone): its local time is unknown.
 */
export function contactZones(phone: string, ownZone?: string | null): string[] {
  const areaCode = /^\+1(\d{3})/.exec(phone)?.[1];
  const zones = new Set<string>(areaCode ? (US_AREA_CODE_TIME_ZONES[areaCode] ?? []) : []);
  if (ownZone) zones.add(ownZone);
  return [...zones];
}
