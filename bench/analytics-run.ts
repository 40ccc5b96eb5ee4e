/**
 * `npm run bench -- --analytics [--smoke | --reduced]`: section 9 (bench/analytics.ts) alone, written to
 * results/analytics.{json,md} (`--smoke`: the small scale, written to results/analytics-smoke.{json,md};
 * `--reduced`: 40k calls, 30k of them the tenant's, written to results/analytics-reduced.{json,md}).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { ANALYTICS_FULL, ANALYTICS_REDUCED, ANALYTICS_SMALL, runAnalyticsBench, type AnalyticsResults } from "./analytics.ts";
import { machine } from "./report.ts";

const HERE = new URL("./", import.meta.url).pathname;
/** The target for the tenant's dashboard queries. */
export const DASHBOARD_P95_TARGET_MS = 300;

export async function runAnalyticsOnly(argv: string[]): Promise<number> {
  const smoke = argv.includes("--smoke");
  const reduced = !smoke && argv.includes("--reduced");
  const scale = smoke ? "small" : reduced ? "reduced" : "full";
  const t0 = performance.now();
  const log = (line: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  const m = machine();
  log(`9. analytics dashboard (${scale} scale); ${m.cpuModel}, ${m.cores} cores`);
  const result = await runAnalyticsBench(smoke ? ANALYTICS_SMALL : reduced ? ANALYTICS_REDUCED : ANALYTICS_FULL, log);
  const startedAt = new Date().toISOString();
  const header = `${m.cpuModel}, ${m.cores} cores · Node ${m.node} · commit ${m.commit} · ${startedAt} · ${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const md = [`# Analytics dashboard (bench section 9)`, "", header, "", ...renderAnalytics(result)].join("\n");
  const name = smoke ? "analytics-smoke" : reduced ? "analytics-reduced" : "analytics";
  mkdirSync(`${HERE}results`, { recursive: true });
  writeFileSync(`${HERE}results/${name}.json`, JSON.stringify({ startedAt, machine: m, ...result }, null, 2) + "\n");
  writeFileSync(`${HERE}results/${name}.md`, md + "\n");
  console.log(md);
  return result.queries.every((q) => q.ms.p95 < DASHBOARD_P95_TARGET_MS) ? 0 : 1;
}

export function renderAnalytics(r: AnalyticsResults): string[] {
  const ms = (v: number) => v.toFixed(0);
  const lines = [
    `Seeded ${r.seed.rows.call_facts!.toLocaleString("en")} calls and ${r.seed.rows.turn_facts!.toLocaleString("en")} turns; the tenant ${r.seed.rows["call_facts (tenant)"]!.toLocaleString("en")} calls and ${r.seed.rows["turn_facts (tenant)"]!.toLocaleString("en")} turns over 30 days.`,
    `Rollups: ${r.seed.rows.call_rollups_hourly!.toLocaleString("en")} rows (the tenant's ${r.seed.rows["call_rollups_hourly (tenant)"]!.toLocaleString("en")}: 6 grains × 720 hours × their groups); daily rollups: the tenant's ${r.seed.rows["call_rollups_daily (tenant)"]!.toLocaleString("en")} rows (6 grains × 30 days × their groups).`,
    `Seeding: facts ${ms(r.seed.factsS)} s, turns ${ms(r.seed.turnsS)} s, rollups ${ms(r.seed.rollupsS)} s, vacuum analyze ${ms(r.seed.analyzeS)} s. Each query: 1 warm-up, then ${r.plan.reps} runs through \`analyticsReport\` over the Neon driver and the WebSocket bridge.`,
    "",
    `| dashboard query | source | rows | p50 ms | p95 ms | max ms | p95 < ${DASHBOARD_P95_TARGET_MS} ms |`,
    "|---|---|---:|---:|---:|---:|:---:|",
    ...r.queries.map((q) => `| ${q.name} | ${q.source} | ${q.rows} | ${ms(q.ms.p50)} | ${ms(q.ms.p95)} | ${ms(q.ms.max)} | ${q.ms.p95 < DASHBOARD_P95_TARGET_MS ? "yes" : "**no**"} |`),
    `| *reference: ${r.rawReference.name}, from the raw rows* | turns | | ${ms(r.rawReference.ms.p50)} | ${ms(r.rawReference.ms.p95)} | ${ms(r.rawReference.ms.max)} | |`,
    "",
    `The rollups' answer to the reference query has the raw rows' counts, minutes and cost exactly, and its percentiles within ${(r.rawReference.maxRelativeDeviation * 100).toFixed(2)} % of percentile_cont's (bound: 2 %).`,
    "",
    `After the tenant moved to ${r.zoneChange.timeZone}, its daily rollups were rebuilt from its facts in ${r.zoneChange.rebuildS.toFixed(1)} s (${r.zoneChange.rows.toLocaleString("en")} rows), as the queue consumer does after a zone change.`,
    "",
    "## Plans (EXPLAIN ANALYZE, BUFFERS)",
  ];
  for (const q of [...r.queries, { name: `reference: ${r.rawReference.name}, from the raw rows`, plans: r.rawReference.plans }]) {
    lines.push("", `### ${q.name}`, "");
    for (const plan of q.plans) lines.push("```", plan, "```");
  }
  return lines;
}
