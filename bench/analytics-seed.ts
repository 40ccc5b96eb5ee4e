/**
 * Seeds call_facts and turn_facts in bulk with `generate_series` (one statement each), then builds the bench
 * tenant's hourly rollups with the very statement the usage consumer runs per call (workers/analytics/rollups.ts),
 * over all its calls at once.
 *
 * One tenant (`BENCH_TENANT`) holds `tenantCalls` calls spread over `WINDOW_DAYS` days; the others share the rest,
 * in the same window, so the tenant's rows are interleaved with theirs in the heap as facts arriving in time order
 * would be. Each call has `turnsPerCall` turns, caller and agent by turns; agent turns carry all five latency spans.
 * The tenant has 6 agents (`round(random() * 4.999)`: the first and the last half as busy) with 2 numbers each, a
 * second agent version from day 15, 80 % inbound calls and four end reasons. Everything comes from `setseed`, so two
 * runs seed the same rows.
 */
import { sql } from "drizzle-orm";
import type { PgDatabase } from "../shared/pg/client.ts";
import { analyticsSettings } from "../workers/analytics/analytics-settings.ts";
import { rollUpCalls } from "../workers/analytics/rollups.ts";

export const BENCH_TENANT = "AYB-BENCH-TENANT";
export const WINDOW_DAYS = 30;
export const WINDOW_START = "2026-04-01T00:00:00Z";

export interface SeedPlan {
  calls: number;
  tenantCalls: number;
  otherTenants: number;
  turnsPerCall: number;
}

export interface SeedTimings {
  factsS: number;
  turnsS: number;
  rollupsS: number;
  analyzeS: number;
  rows: Record<string, number>;
}

export async function seedAnalytics(db: PgDatabase, plan: SeedPlan): Promise<SeedTimings> {
  const timed = async (work: () => Promise<unknown>) => {
    const t0 = performance.now();
    await work();
    return (performance.now() - t0) / 1000;
  };
  // Bulk loading only: foreign-key triggers off for the session (the rows are consistent by construction), and
  // memory for the rollups' aggregation. `set local` holds for the transaction, which pins one pooled connection.
  const bulk = (statement: ReturnType<typeof sql>) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`set local work_mem = '256MB'`);
      await tx.execute(sql`select setseed(0.42)`);
      await tx.execute(statement);
    });

  const factsS = await timed(() =>
    bulk(sql`insert into call_facts (account_id, call_id, agent_id, agent_version, number, direction, started_at, ended_at, duration_s, end_reason, cost_minor, currency, turns, interruptions, tool_calls, provider_failures)
      select account_id, 'CAL-' || i, agent_id, case when started_at >= ${WINDOW_START}::timestamptz + interval '15 days' then 2 else 1 end,
        '+1628555' || lpad((agent * 2 + (i % 2))::text, 4, '0'), case when r < 0.8 then 'inbound' else 'outbound' end,
        started_at, started_at + duration_s * interval '1 second', duration_s,
        case when r2 < 0.6 then 'caller_hangup' when r2 < 0.9 then 'agent_hangup' when r2 < 0.95 then 'transfer' else 'error' end,
        (duration_s * 9 / 60 + 1)::bigint, 'USD', ${plan.turnsPerCall}, (r2 * 3)::int, (r * 2)::int, (r2 > 0.98)::int
      from (
        select i, r, r2, agent, 'AGT-BENCH' || agent as agent_id,
          case when i < ${plan.tenantCalls} then ${BENCH_TENANT} else 'AYB-BENCH-' || lpad((i % ${plan.otherTenants})::text, 6, '0') end as account_id,
          ${WINDOW_START}::timestamptz + random() * interval '${sql.raw(String(WINDOW_DAYS))} days' as started_at,
          (20 + random() * random() * 600)::int as duration_s
        from (select i, random() as r, random() as r2, (random() * 4.999)::int as agent from generate_series(0, ${plan.calls - 1}) i) g
      ) c
      order by started_at`),
  );

  // Latencies: a long right tail (products of uniforms), stages of realistic size; the caller's turns have none.
  const turnsS = await timed(() =>
    bulk(sql`insert into turn_facts (account_id, call_id, turn, role, started_at, interrupted, voice_to_voice_ms, stt_ms, llm_ttft_ms, tts_ttfb_ms, platform_overhead_ms)
      select c.account_id, c.call_id, k, case when k % 2 = 0 then 'agent' else 'caller' end, c.started_at + k * interval '6 seconds', k % 7 = 0,
        case when k % 2 = 0 then (450 + 3000 * random() * random() * random())::int end,
        case when k % 2 = 0 then (80 + 400 * random() * random())::int end,
        case when k % 2 = 0 then (200 + 2000 * random() * random() * random())::int end,
        case when k % 2 = 0 then (90 + 500 * random() * random())::int end,
        case when k % 2 = 0 then (4 + 60 * random() * random())::int end
      from call_facts c cross join generate_series(1, ${plan.turnsPerCall}) k
      order by c.started_at, k`),
  );

  // The bench tenant's calls only (hourly and daily rollups, as the consumer adds both): hourly histograms of six grains barely merge for tenants with a few calls an hour,
  // so rolling up the others' 900k calls would cost this shared machine many minutes, and the tenant's queries read
  // its own rows by index prefix (account, grain, hour) whatever the others hold.
  const rollupsS = await timed(() =>
    db.transaction(async (tx) => {
      await tx.execute(sql`set local work_mem = '256MB'`);
      await rollUpCalls(tx, sql`c.account_id = ${BENCH_TENANT}`, (await analyticsSettings(db, BENCH_TENANT)).timeZone);
    }),
  );
  // Vacuumed too, as autovacuum leaves tables that grow by appends: index-only scans need the visibility map.
  const analyzeS = await timed(() => db.execute(sql`vacuum analyze call_facts, turn_facts, call_rollups_hourly, call_rollups_daily`));

  const rows: Record<string, number> = {};
  for (const table of ["call_facts", "turn_facts", "call_rollups_hourly", "call_rollups_daily"]) {
    const all = await db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)}`);
    const tenant = await db.execute<{ n: number }>(sql`select count(*)::int as n from ${sql.identifier(table)} where account_id = ${BENCH_TENANT}`);
    rows[table] = all.rows[0]!.n;
    rows[`${table} (tenant)`] = tenant.rows[0]!.n;
  }
  return { factsS, turnsS, rollupsS, analyzeS, rows };
}
