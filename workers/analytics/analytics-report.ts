import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { GROUPINGS, isLatencyMeasure, type AnalyticsQuery } from "./analytics-query.ts";
import type { AnalyticsSettings } from "./analytics-settings.ts";
import { histogramQuantile } from "./latency-histogram.ts";
import { reportQueries, splitLatencyMeasure, type ReportSource } from "./report-queries.ts";

export type ReportRow = Record<string, string | number | null>;

export interface Report {
  time_zone: string;
  currency: string | null;
  source: ReportSource;
  rows: ReportRow[];
}

/** Ranges at least this long read the hourly rollups (when they can: `reportSource`); shorter ones the raw rows. */
export const ROLLUP_MIN_RANGE_HOURS = 48;
/** Day, week or total reports over at least this many days read the daily rollups (when they can). */
export const DAILY_ROLLUP_MIN_RANGE_DAYS = 7;
const HOUR_MS = 3_600_000;

/**
 * Answers an analytics query for one account (report-queries.ts builds the statements). Long ranges read the
 * hourly rollups, or the daily ones for days, weeks or a total over a week or more: counts and sums are exact there too, latency percentiles come from merged histograms, within
 * 2 % of the raw rows' (latency-histogram.ts). Short ranges read the raw rows and percentiles are exact. Either
 * way a percentile is computed over all the samples of its period and group, never averaged across buckets. `db` is
 * the account's region's analytics database; `settings` come from its billing side (analytics-settings.ts).
 */
export async function analyticsReport(db: PgDatabase, accountId: string, q: AnalyticsQuery, settings: AnalyticsSettings): Promise<Report> {
  const timeZone = settings.timeZone;
  const source = await reportSource(db, accountId, q, timeZone);
  const queries = reportQueries(accountId, q, timeZone, source);
  const callRows = await rowsOf(db, queries.calls);
  const latencyRows = queries.latency ? await rowsOf(db, queries.latency) : [];

  // Every call's turns are in its call's period and group, so latency rows key into the call rows.
  const groupColumns = q.group_by ? GROUPINGS[q.group_by] : [];
  const keyOf = (row: ReportRow) => JSON.stringify([row.start, ...groupColumns.map((col) => row[col])]);
  const latencyByKey = new Map<string, ReportRow>();
  for (const row of latencyRows) {
    const key = keyOf(row);
    latencyByKey.set(key, source === "turns" ? row : { ...latencyByKey.get(key), ...histogramMeasures(q, row) });
  }
  const rows = callRows.map((row) => {
    const latency = latencyByKey.get(keyOf(row));
    const out: ReportRow = q.interval ? { start: row.start ?? null, local_start: row.local_start ?? null } : {};
    for (const col of groupColumns) out[col] = row[col] ?? null;
    for (const m of q.measures) out[m] = (isLatencyMeasure(m) ? latency?.[m] : row[m]) ?? null;
    return out;
  });
  return { time_zone: timeZone, currency: settings.currency, source, rows };
}

/**
 * Daily rollups first, for days, weeks or a total over a week or more (`dailyRollupsFit`). Hourly rollups are in
 * UTC: they answer exactly only when the range starts and ends on whole hours and every hour in it starts a local
 * hour too (not in zones half an hour off, like Asia/Kolkata), so that no hour straddles two periods.
 */
async function reportSource(db: PgDatabase, accountId: string, q: AnalyticsQuery, timeZone: string): Promise<ReportSource> {
  const from = Date.parse(q.from);
  const to = Date.parse(q.to);
  if (q.interval !== "hour" && to - from >= DAILY_ROLLUP_MIN_RANGE_DAYS * 24 * HOUR_MS && (await dailyRollupsFit(db, accountId, from, to, timeZone))) return "daily_rollups";
  if (to - from < ROLLUP_MIN_RANGE_HOURS * HOUR_MS || from % HOUR_MS !== 0 || to % HOUR_MS !== 0) return "turns";
  const [fits] = await rowsOf(
    db,
    sql`select bool_and(date_trunc('hour', h, ${timeZone}) = h) as fits
        from generate_series(${new Date(from).toISOString()}::timestamptz, ${new Date(to - HOUR_MS).toISOString()}::timestamptz, interval '1 hour') h`,
  );
  return fits?.fits ? "rollups" : "turns";
}

/**
 * Daily rows answer a range that starts and ends at local midnights when all of them that could hold its calls are of
 * the account's present zone. A day row of another zone is left from before the zone changed: its day straddles the
 * present zone's days, so the range falls back to the hourly rows until the rebuild the change queued has recut the
 * account's days in the new zone (daily-rollups-rebuild.ts). The margin covers a day of another zone starting up to a
 * day before `from`.
 */
async function dailyRollupsFit(db: PgDatabase, accountId: string, from: number, to: number, timeZone: string): Promise<boolean> {
  const [fromTs, toTs] = [new Date(from).toISOString(), new Date(to).toISOString()];
  const [fits] = await rowsOf(
    db,
    sql`select date_trunc('day', ${fromTs}::timestamptz, ${timeZone}) = ${fromTs}::timestamptz and date_trunc('day', ${toTs}::timestamptz, ${timeZone}) = ${toTs}::timestamptz
          and not exists (select 1 from call_rollups_daily r where r.account_id = ${accountId} and r.grain = 'all'
            and r.day > ${fromTs}::timestamptz - interval '2 days' and r.day < ${toTs}::timestamptz and r.time_zone <> ${timeZone}) as fits`,
  );
  return Boolean(fits?.fits);
}

/** The requested percentiles of one stage's merged histogram (a rollup latency row), rounded to 0.1 ms as the raw path's. */
function histogramMeasures(q: AnalyticsQuery, row: ReportRow): ReportRow {
  const histogram = { buckets: row.buckets as unknown as number[], counts: row.counts as unknown as number[] };
  const out: ReportRow = {};
  for (const m of q.measures.filter(isLatencyMeasure)) {
    const { stage, fraction } = splitLatencyMeasure(m);
    if (stage !== row.stage) continue;
    const value = histogramQuantile(histogram, fraction);
    out[m] = value === null ? null : Math.round(value * 10) / 10;
  }
  return out;
}

async function rowsOf(db: PgDatabase, query: SQL): Promise<ReportRow[]> {
  return (await db.execute<ReportRow>(query)).rows;
}
