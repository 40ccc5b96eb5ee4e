import { eq, sql, type SQL } from "drizzle-orm";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { billingAccounts } from "../../shared/pg/schema.ts";
import { CALL_MEASURES, GROUPINGS, isLatencyMeasure, LATENCY_STAGES, PERCENTILES, type AnalyticsQuery, type CallMeasure, type LatencyMeasure } from "./analytics-query.ts";

export type ReportRow = Record<string, string | number | null>;

export interface Report {
  time_zone: string;
  currency: string | null;
  rows: ReportRow[];
}

/**
 * Answers an analytics query for one account from call_facts and turn_facts. Every statement is filtered on the
 * account, and turns are joined on (account, call) with the account repeated, so no other tenant's row can enter.
 * Buckets are cut in the account's time zone by Postgres (`date_trunc(unit, ts, zone)`: a day is local midnight to
 * midnight, 23 or 25 hours across a DST change; an hour keeps its offset, so the repeated hour of a fall-back is two
 * buckets). Latency percentiles are `percentile_cont` over the raw turn rows of each bucket and group: never an
 * average of percentiles.
 */
export async function analyticsReport(db: PgDatabase, accountId: string, q: AnalyticsQuery): Promise<Report> {
  const [settings] = await db.select({ timeZone: billingAccounts.timeZone, currency: billingAccounts.currency }).from(billingAccounts).where(eq(billingAccounts.accountId, accountId));
  const timeZone = settings?.timeZone ?? "UTC";
  const callMeasures = q.measures.filter((m): m is CallMeasure => !isLatencyMeasure(m));
  const latencyMeasures = q.measures.filter(isLatencyMeasure);

  // Each call's bucket is computed once in a subquery, so the grouping and the selected expressions name one column.
  const bucket = q.interval ? sql`date_trunc(${q.interval}, c.started_at, ${timeZone})` : sql`null::timestamptz`;
  const facts = sql`(select ${bucket} as bucket, c.* from call_facts c
    where c.account_id = ${accountId} and c.started_at >= ${new Date(q.from).toISOString()}::timestamptz and c.started_at < ${new Date(q.to).toISOString()}::timestamptz) c`;
  const groupColumns = q.group_by ? GROUPINGS[q.group_by].map((col) => sql.raw(`c.${col}`)) : [];
  const keys = sql.join([sql`c.bucket`, ...groupColumns], sql`, `);
  const selectKeys = sql.join(
    [sql`to_char(c.bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as start`, sql`to_char(c.bucket at time zone ${timeZone}, 'YYYY-MM-DD"T"HH24:MI:SS') as local_start`, ...groupColumns],
    sql`, `,
  );
  const byKeys = sql`group by ${keys} order by ${keys}`;

  const measuresOf = (exprs: SQL[]) => (exprs.length ? sql`, ${sql.join(exprs, sql`, `)}` : sql``);
  const callRows = await rowsOf(db, sql`select ${selectKeys}${measuresOf(callMeasures.map((m) => sql.raw(`${CALL_MEASURES[m]} as ${m}`)))} from ${facts} ${byKeys}`);
  const latencyRows = latencyMeasures.length
    ? await rowsOf(
        db,
        sql`select ${selectKeys}${measuresOf(latencyMeasures.map(percentileOf))}
            from ${facts} join turn_facts t on t.account_id = c.account_id and t.call_id = c.call_id
            where t.account_id = ${accountId} and t.role = 'agent' ${byKeys}`,
      )
    : [];

  // Every call's turns are in its call's bucket and group, so latency rows key into the call rows.
  const keyOf = (row: ReportRow) => JSON.stringify([row.start, ...(q.group_by ? GROUPINGS[q.group_by].map((col) => row[col]) : [])]);
  const latencyByKey = new Map(latencyRows.map((row) => [keyOf(row), row]));
  const rows = callRows.map((row) => {
    const latency = latencyByKey.get(keyOf(row));
    const out: ReportRow = q.interval ? { start: row.start ?? null, local_start: row.local_start ?? null } : {};
    for (const col of q.group_by ? GROUPINGS[q.group_by] : []) out[col] = row[col] ?? null;
    for (const m of q.measures) out[m] = (isLatencyMeasure(m) ? latency?.[m] : row[m]) ?? null;
    return out;
  });
  return { time_zone: timeZone, currency: settings?.currency ?? null, rows };
}

function percentileOf(m: LatencyMeasure): SQL {
  const [, stage, p] = /^(.+)_(p\d+)$/.exec(m)!;
  const column = LATENCY_STAGES[stage as keyof typeof LATENCY_STAGES];
  const fraction = PERCENTILES[p as keyof typeof PERCENTILES];
  // Rounded to 0.1 ms: the spans are whole ms, and interpolation's floating-point tails say nothing.
  return sql.raw(`round((percentile_cont(${fraction}) within group (order by t.${column}))::numeric, 1)::float8 as ${m}`);
}

async function rowsOf(db: PgDatabase, query: SQL): Promise<ReportRow[]> {
  return (await db.execute<ReportRow>(query)).rows;
}
