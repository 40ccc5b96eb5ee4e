import { sql, type SQL } from "drizzle-orm";
import type { LatencyStage } from "../../shared/pg/schema.ts";
import { CALL_MEASURES, GROUPINGS, isLatencyMeasure, LATENCY_STAGES, PERCENTILES, type AnalyticsQuery, type CallMeasure, type LatencyMeasure } from "./analytics-query.ts";

/**
 * Where a report reads: the raw facts (exact percentiles), the hourly rollups or the daily ones (both with
 * percentiles within 2 %, and equal to each other: histograms merge exactly).
 */
export const REPORT_SOURCES = ["turns", "rollups", "daily_rollups"] as const;
export type ReportSource = (typeof REPORT_SOURCES)[number];

export interface ReportQueries {
  /** One row per period and group: `start`, `local_start`, the group's columns and each call measure. */
  calls: SQL;
  /**
   * Null without latency measures. From turns: one row per period and group with each latency measure. From
   * rollups: one row per period, group and stage with its merged histogram (`stage`, `buckets`, `counts`).
   */
  latency: SQL | null;
}

export const splitLatencyMeasure = (m: LatencyMeasure) => {
  const [, stage, p] = /^(.+)_(p\d+)$/.exec(m)!;
  return { stage: stage as LatencyStage, fraction: PERCENTILES[p as keyof typeof PERCENTILES] };
};

/**
 * The statements of one report. Every one is filtered on the account first (the rollups' and the facts' indexes
 * lead with it), and turns are joined on (account, call) with the account repeated, so no other tenant's row can
 * enter. Periods are cut in the account's time zone by Postgres (`date_trunc(unit, ts, zone)`): from rollups, each
 * UTC hour is truncated as one instant, which is exact when the range's ends and the zone's offsets are whole hours
 * (`analyticsReport` reads rollups only then). Daily rows are local days of `timeZone` (`day` is the instant one starts),
 * read only for a range from local midnight to local midnight, in days or weeks or as one total.
 */
export function reportQueries(accountId: string, q: AnalyticsQuery, timeZone: string, source: ReportSource): ReportQueries {
  const from = sql`${new Date(q.from).toISOString()}::timestamptz`;
  const to = sql`${new Date(q.to).toISOString()}::timestamptz`;
  const periodOf = (ts: SQL) => (q.interval ? sql`date_trunc(${q.interval}, ${ts}, ${timeZone})` : sql`null::timestamptz`);
  const groupColumns = q.group_by ? GROUPINGS[q.group_by].map((col) => sql.raw(`c.${col}`)) : [];
  const keys = sql.join([sql`c.period`, ...groupColumns], sql`, `);
  const selectKeys = sql.join(
    [sql`to_char(c.period at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as start`, sql`to_char(c.period at time zone ${timeZone}, 'YYYY-MM-DD"T"HH24:MI:SS') as local_start`, ...groupColumns],
    sql`, `,
  );
  const measuresOf = (exprs: SQL[]) => (exprs.length ? sql`, ${sql.join(exprs, sql`, `)}` : sql``);
  const callMeasures = measuresOf(q.measures.filter((m): m is CallMeasure => !isLatencyMeasure(m)).map((m) => sql.raw(`${CALL_MEASURES[m]} as ${m}`)));
  const latencyMeasures = q.measures.filter(isLatencyMeasure);

  if (source === "turns") {
    // Each call's period is computed once in a subquery, so the grouping and the selected expressions name one column.
    const facts = sql`(select ${periodOf(sql`c.started_at`)} as period, 1 as calls,
      (c.succeeded is not null)::int as judged_calls, coalesce(c.succeeded::int, 0) as succeeded_calls, c.* from call_facts c
      where c.account_id = ${accountId} and c.started_at >= ${from} and c.started_at < ${to}) c`;
    const byKeys = sql`group by ${keys} order by ${keys}`;
    return {
      calls: sql`select ${selectKeys}${callMeasures} from ${facts} ${byKeys}`,
      latency: latencyMeasures.length
        ? sql`select ${selectKeys}${measuresOf(latencyMeasures.map(percentileOf))}
            from ${facts} join turn_facts t on t.account_id = c.account_id and t.call_id = c.call_id
            where t.account_id = ${accountId} and t.role = 'agent' ${byKeys}`
        : null,
    };
  }

  const grain = q.group_by ?? "all";
  const [table, start] = source === "daily_rollups" ? ["call_rollups_daily", "day"] : ["call_rollups_hourly", "hour"];
  const zoned = source === "daily_rollups" ? sql` and r.time_zone = ${timeZone}` : sql``;
  const inRange = sql`r.account_id = ${accountId} and r.grain = ${grain} and r.${sql.raw(start)} >= ${from} and r.${sql.raw(start)} < ${to}${zoned}`;
  const rollupRows = sql`(select ${periodOf(sql.raw(`r.${start}`))} as period, r.* from ${sql.raw(table)} r where ${inRange})`;
  const stages = [...new Set(latencyMeasures.map((m) => splitLatencyMeasure(m).stage))];
  const groupNames = sql.raw(["period", ...(q.group_by ? GROUPINGS[q.group_by] : [])].map((col) => `r.${col}`).join(", "));
  const stageHistograms = (row: string) => sql.raw(`(values ${stages.map((stage) => `('${stage}', ${row}.${stage}_buckets, ${row}.${stage}_counts)`).join(", ")}) st(stage, buckets, counts)`);
  return {
    calls: sql`select ${selectKeys}${callMeasures}
      from ${rollupRows} c
      group by ${keys} order by ${keys}`,
    latency: !stages.length
      ? null
      : q.interval === start
        ? // Hours over hourly rows, days over daily ones: each period and group is one row, whose histograms are the
          // answer as stored (buckets ascending); merging would only unnest and gather them again.
          sql`select ${selectKeys}, st.stage, st.buckets, st.counts from ${rollupRows} c cross join lateral ${stageHistograms("c")} order by ${keys}, st.stage`
        : // Histograms are merged by adding counts per bucket over the period's hours (or days), then gathered as two arrays.
          sql`select ${selectKeys}, c.stage, array_agg(c.bucket order by c.bucket) as buckets, array_agg(c.n order by c.bucket) as counts
          from (
            select ${groupNames}, st.stage, b.bucket, sum(b.n)::int as n
            from ${rollupRows} r
            cross join lateral ${stageHistograms("r")}
            cross join lateral unnest(st.buckets, st.counts) b(bucket, n)
            group by ${groupNames}, st.stage, b.bucket
          ) c
          group by ${keys}, c.stage order by ${keys}, c.stage`,
  };
}

function percentileOf(m: LatencyMeasure): SQL {
  const { stage, fraction } = splitLatencyMeasure(m);
  // Rounded to 0.1 ms: the spans are whole ms, and interpolation's floating-point tails say nothing.
  return sql.raw(`round((percentile_cont(${fraction}) within group (order by t.${LATENCY_STAGES[stage]}))::numeric, 1)::float8 as ${m}`);
}
