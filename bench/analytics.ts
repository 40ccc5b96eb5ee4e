/**
 * Bench section 9: one tenant's analytics dashboard over a seeded Postgres (bench/analytics-seed.ts). Each dashboard
 * query runs through `analyticsReport`, the route's own function, over the Neon driver and the WebSocket bridge as
 * the Worker reaches Postgres, `reps` times; its wall-clock latency is summarised, its statements EXPLAIN ANALYZEd.
 * One reference query reads 30 days from the raw rows, to show what the rollups save. Last, the tenant moves to a
 * zone half an hour off UTC, and the rebuild of its daily rollups (what the queue consumer runs then) is timed.
 */
import { eq, sql } from "drizzle-orm";
import { withPostgres, type PgDatabase } from "../shared/pg/client.ts";
import { billingAccounts, callRollupsDaily } from "../shared/pg/schema.ts";
import { AnalyticsQuery } from "../workers/analytics/analytics-query.ts";
import { analyticsReport, type Report } from "../workers/analytics/analytics-report.ts";
import { analyticsSettings } from "../workers/analytics/analytics-settings.ts";
import { dailyRollupsRebuild, rebuildDailyRollups } from "../workers/analytics/daily-rollups-rebuild.ts";
import { reportQueries, type ReportSource } from "../workers/analytics/report-queries.ts";
import { startLocalPostgres } from "../scripts/lib/local-postgres.ts";
import { BENCH_TENANT, seedAnalytics, WINDOW_DAYS, WINDOW_START, type SeedPlan, type SeedTimings } from "./analytics-seed.ts";
import { summarize, type Summary } from "./stats.ts";

export interface AnalyticsPlan extends SeedPlan {
  reps: number;
}

export const ANALYTICS_FULL: AnalyticsPlan = { calls: 1_000_000, tenantCalls: 100_000, otherTenants: 90, turnsPerCall: 10, reps: 20 };
/** A few minutes on the shared machine: the tenant's hours as dense as the full run's third, few other tenants. */
export const ANALYTICS_REDUCED: AnalyticsPlan = { calls: 40_000, tenantCalls: 30_000, otherTenants: 10, turnsPerCall: 10, reps: 5 };
export const ANALYTICS_SMALL: AnalyticsPlan = { calls: 3_000, tenantCalls: 1_000, otherTenants: 20, turnsPerCall: 10, reps: 2 };

const DAY_MS = 86_400_000;
const at = (days: number) => new Date(Date.parse(WINDOW_START) + days * DAY_MS).toISOString();
const LATENCY = "v2v_p50,v2v_p90,v2v_p99";

/** The dashboard: what a tenant's analytics page asks for, over the month, the week and the last day. */
export const DASHBOARD: { name: string; params: Record<string, string> }[] = [
  { name: "30 days, daily: count, minutes, cost, v2v p50/p90/p99", params: { from: at(0), to: at(WINDOW_DAYS), interval: "day", measures: `count,minutes,cost,${LATENCY}` } },
  { name: "30 days by agent: count, minutes, cost, v2v and LLM p90", params: { from: at(0), to: at(WINDOW_DAYS), group_by: "agent", measures: `count,minutes,cost,${LATENCY},llm_ttft_p90` } },
  { name: "30 days by end reason: count, minutes, cost", params: { from: at(0), to: at(WINDOW_DAYS), group_by: "end_reason", measures: "count,minutes,cost" } },
  { name: "30 days, hourly: count, v2v p90", params: { from: at(0), to: at(WINDOW_DAYS), interval: "hour", measures: "count,v2v_p90" } },
  { name: "7 days, daily by agent version: count, v2v p50/p90/p99", params: { from: at(WINDOW_DAYS - 7), to: at(WINDOW_DAYS), interval: "day", group_by: "agent_version", measures: `count,${LATENCY}` } },
  { name: "24 hours, hourly: count, every stage p50/p90/p99", params: { from: at(WINDOW_DAYS - 1), to: at(WINDOW_DAYS), interval: "hour", measures: "count,v2v_p50,v2v_p90,v2v_p99,stt_p50,stt_p90,stt_p99,llm_ttft_p50,llm_ttft_p90,llm_ttft_p99,tts_ttfb_p50,tts_ttfb_p90,tts_ttfb_p99,overhead_p50,overhead_p90,overhead_p99" } },
  { name: "24 hours by number: count, minutes, v2v p90", params: { from: at(WINDOW_DAYS - 1), to: at(WINDOW_DAYS), group_by: "number", measures: "count,minutes,v2v_p90" } },
];

export interface QueryResult {
  name: string;
  params: Record<string, string>;
  source: ReportSource;
  rows: number;
  ms: Summary;
  plans: string[];
}

export interface AnalyticsResults {
  plan: AnalyticsPlan;
  seed: SeedTimings;
  queries: QueryResult[];
  /** The first dashboard query answered from the raw rows instead (no rollups): its ms, and its largest deviation. */
  rawReference: { name: string; ms: Summary; plans: string[]; maxRelativeDeviation: number };
  /** The tenant's daily rollups rebuilt after it moved to `timeZone`: how long, and how many rows it then has. */
  zoneChange: { timeZone: string; rebuildS: number; rows: number };
}

/** As the route answers: the tenant's zone and currency read first (one database here for both), then its report. */
const tenantReport = async (db: PgDatabase, q: AnalyticsQuery) => analyticsReport(db, BENCH_TENANT, q, await analyticsSettings(db, BENCH_TENANT));

export async function runAnalyticsBench(plan: AnalyticsPlan, log: (line: string) => void): Promise<AnalyticsResults> {
  const pg = await startLocalPostgres();
  try {
    return await withPostgres(pg.config, async (db) => {
      log(`seeding ${plan.calls} calls × ${plan.turnsPerCall} turns (${plan.tenantCalls} for the bench tenant over ${WINDOW_DAYS} days)…`);
      const seed = await seedAnalytics(db, plan);
      log(`seeded: facts ${seed.factsS.toFixed(0)} s, turns ${seed.turnsS.toFixed(0)} s, rollups ${seed.rollupsS.toFixed(0)} s; ${JSON.stringify(seed.rows)}`);

      const timedReport = async (q: AnalyticsQuery) => {
        const t0 = performance.now();
        const report = await tenantReport(db, q);
        return { report, ms: performance.now() - t0 };
      };
      const explain = async (q: AnalyticsQuery, source: ReportSource) => {
        const queries = reportQueries(BENCH_TENANT, q, "UTC", source);
        const plans: string[] = [];
        for (const statement of [queries.calls, queries.latency]) {
          if (!statement) continue;
          const rows = (await db.execute<{ "QUERY PLAN": string }>(sql`explain (analyze, buffers) ${statement}`)).rows;
          plans.push(rows.map((r) => r["QUERY PLAN"]).join("\n"));
        }
        return plans;
      };

      const queries: QueryResult[] = [];
      for (const { name, params } of DASHBOARD) {
        const q = AnalyticsQuery.parse(params);
        await timedReport(q); // warm the cache and the plan, as a dashboard that is open is
        const samples: number[] = [];
        let report!: Report;
        for (let i = 0; i < plan.reps; i++) {
          const timed = await timedReport(q);
          report = timed.report;
          samples.push(timed.ms);
        }
        const result = { name, params, source: report.source, rows: report.rows.length, ms: summarize(samples), plans: await explain(q, report.source) };
        log(`${name}: ${result.source}, ${result.rows} rows, p50 ${result.ms.p50.toFixed(0)} ms, p95 ${result.ms.p95.toFixed(0)} ms`);
        queries.push(result);
      }

      const rawReference = await compareWithRaw(db, plan, explain, log);
      const zoneChange = await rebuildInNewZone(db, log);
      return { plan, seed, queries, rawReference, zoneChange };
    });
  } finally {
    await pg.close();
  }
}

/**
 * The month's daily series again, from the raw rows (its `from` one second early, so the rollups cannot answer):
 * its cost, and how far the rollups' answer is from the exact one (counts must match, percentiles within 2 %).
 */
async function compareWithRaw(
  db: PgDatabase,
  plan: AnalyticsPlan,
  explain: (q: AnalyticsQuery, source: ReportSource) => Promise<string[]>,
  log: (line: string) => void,
): Promise<AnalyticsResults["rawReference"]> {
  const { name, params } = DASHBOARD[0]!;
  const fromRollups = await tenantReport(db, AnalyticsQuery.parse(params));
  const rawQuery = AnalyticsQuery.parse({ ...params, from: new Date(Date.parse(params.from!) - 1000).toISOString() });
  const samples: number[] = [];
  let exact: Report | undefined;
  for (let i = 0; i < Math.min(plan.reps, 3); i++) {
    const t0 = performance.now();
    exact = await tenantReport(db, rawQuery);
    samples.push(performance.now() - t0);
  }
  if (exact!.source !== "turns" || fromRollups.source === "turns") throw new Error(`expected rollups against turns, got ${fromRollups.source} and ${exact!.source}`);
  if (exact!.rows.length !== fromRollups.rows.length) throw new Error(`rollups answered ${fromRollups.rows.length} rows, the raw rows ${exact!.rows.length}`);
  let maxRelativeDeviation = 0;
  exact!.rows.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) {
      const got = fromRollups.rows[i]?.[k];
      if (/_p\d+$/.test(k) && typeof v === "number" && typeof got === "number") maxRelativeDeviation = Math.max(maxRelativeDeviation, Math.abs(got - v) / v);
      else if (got !== v) throw new Error(`row ${i} ${k}: rollups ${got}, raw ${v}`);
    }
  });
  const ms = summarize(samples);
  log(`reference, ${name} from the raw rows: p50 ${ms.p50.toFixed(0)} ms; rollups within ${(maxRelativeDeviation * 100).toFixed(2)} %`);
  return { name, ms, plans: await explain(rawQuery, "turns"), maxRelativeDeviation };
}

/** Asia/Kolkata (+05:30): no day row of UTC survives, and no UTC hour tiles its days. */
const NEW_ZONE = "Asia/Kolkata";
const KOLKATA_OFFSET_MS = 5.5 * 3_600_000;

/**
 * Moves the tenant to NEW_ZONE and rebuilds its daily rollups as the queue consumer does after a zone change (one
 * transaction over all its facts); a week of the new zone's days must then read them.
 */
async function rebuildInNewZone(db: PgDatabase, log: (line: string) => void): Promise<AnalyticsResults["zoneChange"]> {
  await db
    .insert(billingAccounts)
    .values({ accountId: BENCH_TENANT, planId: "payg", currency: "USD", timeZone: NEW_ZONE })
    .onConflictDoUpdate({ target: billingAccounts.accountId, set: { timeZone: NEW_ZONE } });
  const t0 = performance.now();
  const outcome = await rebuildDailyRollups(db, db, dailyRollupsRebuild(BENCH_TENANT));
  const rebuildS = (performance.now() - t0) / 1000;
  const localMidnight = (days: number) => new Date(Date.parse(at(days)) - KOLKATA_OFFSET_MS).toISOString();
  const week = await tenantReport(db, AnalyticsQuery.parse({ from: localMidnight(WINDOW_DAYS - 7), to: localMidnight(WINDOW_DAYS), interval: "day", measures: "count" }));
  if (outcome !== "rebuilt" || week.source !== "daily_rollups") throw new Error(`the rebuild was ${outcome}; a week of ${NEW_ZONE} days then read ${week.source}`);
  const rows = await db.$count(callRollupsDaily, eq(callRollupsDaily.accountId, BENCH_TENANT));
  log(`zone change to ${NEW_ZONE}: daily rollups rebuilt in ${rebuildS.toFixed(1)} s (${rows} rows)`);
  return { timeZone: NEW_ZONE, rebuildS, rows };
}
