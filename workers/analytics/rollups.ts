import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { LATENCY_STAGES } from "./analytics-query.ts";

type Executor = Pick<PgDatabase, "execute">;

/**
 * Adds the calls matching `filter` (over `call_facts c`) and their agent turns to the hourly rollups. Called in the
 * transaction that inserts a call's facts, for that call only (`recordCallFacts`): the facts' primary key makes a
 * redelivery insert nothing and so roll up nothing, and the rollups commit with the facts or not at all. That is
 * why the rollups are kept here rather than by a scheduled job, which would need a watermark, and a way to tell a
 * late call (settled hours after it started) from one already counted. The bench builds its seeded rollups with the
 * same statements over every call.
 *
 * Rows are upserted in key order, so two transactions adding to the same hour take their row locks in one order
 * and never deadlock.
 */
export async function rollUpCalls(db: Executor, filter: SQL): Promise<void> {
  await db.execute(callRollupStatement(filter));
  await db.execute(latencyRollupStatement(filter));
}

export const rollUpCall = (db: Executor, accountId: string, callId: string) => rollUpCalls(db, sql`c.account_id = ${accountId} and c.call_id = ${callId}`);

const KEY = sql`account_id, grain, hour, agent_id, agent_version, number, direction, end_reason`;

/** One row per grain (schema.ts ROLLUP_GRAINS) for each row of `src`: its value of that breakdown, nulls elsewhere. */
const grainsOf = (src: string) =>
  sql.raw(`cross join lateral (values
    ('all', null::text, null::integer, null::text, null::text, null::text),
    ('agent', ${src}.agent_id, null, null, null, null),
    ('agent_version', ${src}.agent_id, ${src}.agent_version, null, null, null),
    ('number', null, null, ${src}.number, null, null),
    ('direction', null, null, null, ${src}.direction, null),
    ('end_reason', null, null, null, null, ${src}.end_reason)
  ) g(grain, agent_id, agent_version, number, direction, end_reason)`);

const GRAIN_COLUMNS = sql`g.grain, s.hour, g.agent_id, g.agent_version, g.number, g.direction, g.end_reason`;

function callRollupStatement(filter: SQL): SQL {
  const added = ["calls", "duration_s", "cost_minor", "turns", "interruptions", "tool_calls", "provider_failures"].map((col) => `${col} = call_rollups_hourly.${col} + excluded.${col}`);
  return sql`insert into call_rollups_hourly (${KEY}, calls, duration_s, cost_minor, turns, interruptions, tool_calls, provider_failures)
    select s.account_id, ${GRAIN_COLUMNS}, count(*), coalesce(sum(s.duration_s), 0), coalesce(sum(s.cost_minor), 0),
      sum(s.turns), sum(s.interruptions), sum(s.tool_calls), sum(s.provider_failures)
    from (select c.*, date_trunc('hour', c.started_at, 'UTC') as hour from call_facts c where ${filter}) s
    ${grainsOf("s")}
    group by s.account_id, ${GRAIN_COLUMNS}
    order by s.account_id, ${GRAIN_COLUMNS}
    on conflict on constraint call_rollups_hourly_key do update set ${sql.raw(added.join(", "))}`;
}

/**
 * Spans are first counted per call dimensions, stage and bucket, then per grain: over many calls (the bench, a
 * backfill) that multiplies by six grains a few rows per hour and bucket rather than every span.
 */
function latencyRollupStatement(filter: SQL): SQL {
  const stages = Object.entries(LATENCY_STAGES).map(([stage, column]) => `('${stage}', t.${column})`);
  return sql`insert into latency_rollups_hourly (${KEY}, stage, bucket, count)
    select s.account_id, ${GRAIN_COLUMNS}, s.stage, s.bucket, sum(s.n)
    from (
      select c.account_id, date_trunc('hour', c.started_at, 'UTC') as hour, c.agent_id, c.agent_version, c.number, c.direction, c.end_reason,
        v.stage, latency_bucket(v.ms) as bucket, count(*) as n
      from call_facts c
      join turn_facts t on t.account_id = c.account_id and t.call_id = c.call_id and t.role = 'agent'
      cross join lateral (values ${sql.raw(stages.join(", "))}) v(stage, ms)
      where ${filter} and v.ms is not null
      group by 1, 2, 3, 4, 5, 6, 7, 8, 9
    ) s
    ${grainsOf("s")}
    group by s.account_id, ${GRAIN_COLUMNS}, s.stage, s.bucket
    order by s.account_id, ${GRAIN_COLUMNS}, s.stage, s.bucket
    on conflict on constraint latency_rollups_hourly_key do update set count = latency_rollups_hourly.count + excluded.count`;
}
