/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week, UTC) as schedule triggers use them:
 * numbers, `*`, ranges `a-b`, lists `a,b` and steps `*\/n` or `a-b/n`. Day-of-week 0 and 7 are Sunday; when both
 * day fields are restricted, either may match (as in Vixie cron).
 */
interface Field {
  min: number;
  max: number;
  name: string;
}

const FIELDS: Field[] = [
  { min: 0, max: 59, name: "minute" },
  { min: 0, max: 23, name: "hour" },
  { min: 1, max: 31, name: "day of month" },
  { min: 1, max: 12, name: "month" },
  { min: 0, max: 7, name: "day of week" },
];

export interface CronSchedule {
  sets: Set<number>[];
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

export class CronError extends Error {
  override name = "CronError";
}

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronError("a cron expression has five fields: minute hour day-of-month month day-of-week");
  const sets = parts.map((part, i) => parseField(part, FIELDS[i]!));
  if (sets[4]!.has(7)) sets[4]!.add(0);
  return { sets, anyDayOfMonth: parts[2] === "*", anyDayOfWeek: parts[4] === "*" };
}

function parseField(text: string, field: Field): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw new CronError(`\`${item}\` is not a valid ${field.name}`);
    const from = match[1] === "*" ? field.min : Number(match[2]);
    const to = match[1] === "*" ? field.max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? field.max : from;
    const step = match[4] !== undefined ? Number(match[4]) : 1;
    if (from < field.min || to > field.max || from > to || step < 1) throw new CronError(`\`${item}\` is outside ${field.min}–${field.max} for the ${field.name}`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function dayMatches(schedule: CronSchedule, date: Date): boolean {
  const dom = schedule.sets[2]!.has(date.getUTCDate());
  const dow = schedule.sets[4]!.has(date.getUTCDay());
  if (schedule.anyDayOfMonth) return dow;
  if (schedule.anyDayOfWeek) return dom;
  return dom || dow;
}

const MAX_DAYS = 366 * 5;

/** The first instant strictly after `after` that the schedule matches (whole minutes, UTC), or undefined if none within five years. */
export function nextRun(schedule: CronSchedule, after: Date): Date | undefined {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  for (let days = 0; days < MAX_DAYS; ) {
    if (!schedule.sets[3]!.has(t.getUTCMonth() + 1) || !dayMatches(schedule, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      days++;
      continue;
    }
    if (!schedule.sets[1]!.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      if (t.getUTCHours() === 0) days++;
      continue;
    }
    if (!schedule.sets[0]!.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      if (t.getUTCMinutes() === 0 && t.getUTCHours() === 0) days++;
      continue;
    }
    return t;
  }
  return undefined;
}
