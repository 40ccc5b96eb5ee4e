import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { LATENCY_STAGES } from "./analytics-query.ts";

type Executor = Pick<PgDatabase, "execute">;

/**
 * Adds the calls matching `filter` (over `call_facts c`: one account's) and their agent turns to the hourly and the
 * daily rollups, days cut in `timeZone` (the account's: analytics-settings.ts). Called in the transaction that
 * inserts a call's facts, for that call only (`recordCallFacts`): the facts' primary key makes a
 * redelivery insert nothing and so roll up nothing, and the rollups commit with the facts or not at all. That is
 * why the rollups are kept here rather than by a scheduled job, which would need a watermark, and a way to tell a
 * late call (settled hours after it started) from one already counted. The bench builds its seeded rollups with the
 * same statement over all the bench tenant's calls.
 *
 * Rows are upserted in key order, so two transactions adding to the same hour take their row locks in one order
 * and never deadlock; histograms already there are merged with the new ones.
 */
export async function rollUpCalls(db: Executor, filter: SQL, timeZone: string): Promise<void> {
  // Hourly rows first, then daily, as the verdict updates lock them (call-verdicts.ts): one lock order.
  await db.execute(rollupStatement(filter, HOURLY));
  await rollUpDays(db, filter, timeZone);
}

/** The daily rollups alone: what a rebuild of an account's days writes (daily-rollups-rebuild.ts). */
export const rollUpDays = (db: Executor, filter: SQL, timeZone: string) => db.execute(rollupStatement(filter, daily(timeZone)));

/**
 * One call's rollups. The account's zone is read once the shared lock is held: a zone change's rebuild, which takes
 * it exclusively, then runs wholly before this call is counted (and the zone read is the new one) or wholly after
 * (and recuts this call's day too).
 */
export async function rollUpCall(db: Executor, accountId: string, callId: string, timeZone: () => Promise<string>): Promise<void> {
  await db.execute(dailyRollupsLock(accountId, "shared"));
  await rollUpCalls(db, sql`c.account_id = ${accountId} and c.call_id = ${callId}`, await timeZone());
}

/**
 * Taken shared (until the transaction ends) by whatever adds a call to the account's daily rows (its facts, its
 * verdict), and exclusively by a rebuild of those rows (daily-rollups-rebuild.ts): a call is counted before a rebuild
 * or after it, never in between, where it would be counted twice or not at all.
 */
export const dailyRollupsLock = (accountId: string, mode: "shared" | "exclusive") =>
  sql`select ${sql.raw(mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock")}(hashtext(${`call_rollups_daily:${accountId}`}))`;

/** Where a rollup statement writes, and how it places a call: its period columns (part of the table's key) and their values. */
interface RollupTarget {
  table: string;
  period: string[];
  /** The period columns over `call_facts c`, and what they need joined to it. */
  periodOf: string;
  join: SQL;
}
const HOURLY: RollupTarget = { table: "call_rollups_hourly", period: ["hour"], periodOf: "date_trunc('hour', c.started_at, 'UTC') as hour", join: sql`` };
/**
 * Days are cut in the zone the account has now, which the row records. The zone is a parameter, not a join on
 * billing_accounts: an EU account's analytics database holds no billing rows (shared/residency/residency.ts).
 */
const daily = (timeZone: string): RollupTarget => ({
  table: "call_rollups_daily",
  period: ["day", "time_zone"],
  periodOf: "date_trunc('day', c.started_at, z.time_zone) as day, z.time_zone",
  join: sql`cross join (select ${timeZone}::text as time_zone) z`,
});
const DIMENSIONS = "agent_id, agent_version, number, direction, end_reason";
const SUMS = ["calls", "duration_s", "cost_minor", "turns", "interruptions", "tool_calls", "provider_failures", "judged_calls", "succeeded_calls"];
const STAGES = Object.keys(LATENCY_STAGES);
const HISTOGRAMS = STAGES.flatMap((stage) => [`${stage}_buckets`, `${stage}_counts`]);

/**
 * The grains (schema.ts ROLLUP_GRAINS) as grouping sets over the call dimensions: one pass over the input feeds
 * all six. `grouping()` sets a bit per dimension left out (agent_id the highest), which names the grain; `dims` names
 * a row's values in one text (a record's text tells null from ''), so its sums and its histograms join on a hashable
 * equality.
 */
const GRAIN_SETS = "grouping sets ((), (agent_id), (agent_id, agent_version), (number), (direction), (end_reason))";
const GRAIN = `case grouping(agent_id, agent_version, number, direction, end_reason)
    when 31 then 'all' when 15 then 'agent' when 7 then 'agent_version' when 27 then 'number' when 29 then 'direction' else 'end_reason' end`;
const DIMS = "row(agent_id, agent_version, number, direction, end_reason)::text";

/**
 * Spans are counted per grain, stage and bucket, then gathered per rollup row into each stage's two arrays, which
 * join the row's sums. An upsert onto a row already there adds the sums and merges the histograms
 * (`histogram_buckets_add`, `histogram_counts_add`: counts added per bucket).
 */
function rollupStatement(filter: SQL, target: RollupTarget): SQL {
  const table = target.table;
  const period = target.period.join(", ");
  const KEY = `account_id, grain, ${period}, ${DIMENSIONS}`;
  const spans = Object.entries(LATENCY_STAGES).map(([stage, column]) => `('${stage}', t.${column})`);
  const arrays = STAGES.flatMap((stage) => [
    `coalesce(min(buckets) filter (where stage = '${stage}'), '{}') as ${stage}_buckets`,
    `coalesce(min(counts) filter (where stage = '${stage}'), '{}') as ${stage}_counts`,
  ]);
  const merged = [
    ...SUMS.map((col) => `${col} = ${table}.${col} + excluded.${col}`),
    ...STAGES.flatMap((stage) => {
      const [old, added] = [`${table}.${stage}`, `excluded.${stage}`];
      return [
        `${stage}_buckets = histogram_buckets_add(${old}_buckets, ${added}_buckets)`,
        `${stage}_counts = histogram_counts_add(${old}_buckets, ${old}_counts, ${added}_buckets, ${added}_counts)`,
      ];
    }),
  ];
  const key = KEY.split(", ").map((c) => `u.${c}`).join(", ");
  const samePeriod = target.period.map((col) => `h.${col} = u.${col}`).join(" and ");
  return sql`insert into ${sql.raw(table)} (${sql.raw(KEY)}, ${sql.raw(SUMS.join(", "))}, ${sql.raw(HISTOGRAMS.join(", "))})
    with facts as (
      select c.*, ${sql.raw(target.periodOf)} from call_facts c
      ${target.join} where ${filter}
    ),
    sums as (
      select account_id, ${sql.raw(GRAIN)} as grain, ${sql.raw(period)}, agent_id, agent_version, number, direction, end_reason, ${sql.raw(DIMS)} as dims,
        count(*) as calls, coalesce(sum(duration_s), 0) as duration_s, coalesce(sum(cost_minor), 0) as cost_minor,
        sum(turns) as turns, sum(interruptions) as interruptions, sum(tool_calls) as tool_calls, sum(provider_failures) as provider_failures,
        count(succeeded) as judged_calls, count(*) filter (where succeeded) as succeeded_calls
      from facts
      group by account_id, ${sql.raw(period)}, ${sql.raw(GRAIN_SETS)}
    ),
    spans as (
      select c.account_id, ${sql.raw(target.period.map((col) => `c.${col}`).join(", "))}, c.agent_id, c.agent_version, c.number, c.direction, c.end_reason, v.stage, latency_bucket(v.ms) as bucket
      from facts c
      join turn_facts t on t.account_id = c.account_id and t.call_id = c.call_id and t.role = 'agent'
      cross join lateral (values ${sql.raw(spans.join(", "))}) v(stage, ms)
      where v.ms is not null
    ),
    buckets as (
      select account_id, ${sql.raw(GRAIN)} as grain, ${sql.raw(period)}, ${sql.raw(DIMS)} as dims, stage, bucket, count(*)::int as n
      from spans
      group by account_id, ${sql.raw(period)}, stage, bucket, ${sql.raw(GRAIN_SETS)}
    ),
    stages as (
      select account_id, grain, ${sql.raw(period)}, dims, stage, array_agg(bucket order by bucket) as buckets, array_agg(n order by bucket) as counts
      from buckets group by account_id, grain, ${sql.raw(period)}, dims, stage
    ),
    histograms as (select account_id, grain, ${sql.raw(period)}, dims, ${sql.raw(arrays.join(", "))} from stages group by account_id, grain, ${sql.raw(period)}, dims)
    select ${sql.raw(key)}, ${sql.raw(SUMS.map((c) => `u.${c}`).join(", "))}, ${sql.raw(HISTOGRAMS.map((c) => `coalesce(h.${c}, '{}')`).join(", "))}
    from sums u left join histograms h on h.account_id = u.account_id and h.grain = u.grain and ${sql.raw(samePeriod)} and h.dims = u.dims
    order by ${sql.raw(key)}
    on conflict on constraint ${sql.raw(`${table}_key`)} do update set ${sql.raw(merged.join(", "))}`;
}
