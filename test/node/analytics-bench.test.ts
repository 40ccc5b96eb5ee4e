import { describe, expect, it } from "vitest";
import { ANALYTICS_SMALL, DASHBOARD, runAnalyticsBench } from "../../bench/analytics.ts";
import { renderAnalytics } from "../../bench/analytics-run.ts";
import { DAILY_ROLLUP_MIN_RANGE_DAYS, ROLLUP_MIN_RANGE_HOURS } from "../../workers/analytics/analytics-report.ts";

// Bench section 9 at small scale: the seeding, every dashboard query and the comparison with the raw rows run
// end to end against a real Postgres; no figure is asserted (speed is the full bench's business).
describe("analytics bench (small scale)", () => {
  it("seeds the facts, rolls them up, answers every dashboard query and agrees with the raw rows", async () => {
    const result = await runAnalyticsBench(ANALYTICS_SMALL, () => {});
    expect(result.seed.rows).toMatchObject({
      call_facts: ANALYTICS_SMALL.calls,
      "call_facts (tenant)": ANALYTICS_SMALL.tenantCalls,
      turn_facts: ANALYTICS_SMALL.calls * ANALYTICS_SMALL.turnsPerCall,
      "turn_facts (tenant)": ANALYTICS_SMALL.tenantCalls * ANALYTICS_SMALL.turnsPerCall,
    });
    // Month and week (UTC midnights) by day or in total: the daily rollups; by hour: the hourly ones; the last day: the raw rows.
    const sourceOf = (params: Record<string, string>) => {
      const rangeMs = Date.parse(params.to!) - Date.parse(params.from!);
      if (params.interval !== "hour" && rangeMs >= DAILY_ROLLUP_MIN_RANGE_DAYS * 86_400_000) return "daily_rollups";
      return rangeMs >= ROLLUP_MIN_RANGE_HOURS * 3_600_000 ? "rollups" : "turns";
    };
    const expected = DASHBOARD.map((d) => [d.name, sourceOf(d.params)]);
    expect(result.queries.map((q) => [q.name, q.source])).toEqual(expected);
    expect(new Set(expected.map(([, source]) => source))).toEqual(new Set(["daily_rollups", "rollups", "turns"]));
    expect(result.seed.rows["call_rollups_daily (tenant)"]).toBeGreaterThan(0);
    for (const q of result.queries) {
      expect(q.rows, q.name).toBeGreaterThan(0);
      expect(q.ms.n).toBe(ANALYTICS_SMALL.reps);
      expect(q.plans.join("\n"), q.name).toMatch(/Execution Time/);
    }
    expect(result.rawReference.maxRelativeDeviation).toBeLessThanOrEqual(0.02);
    expect(result.zoneChange).toMatchObject({ timeZone: "Asia/Kolkata", rows: expect.any(Number) });
    expect(renderAnalytics(result).join("\n")).toContain("## Plans");
  }, 240_000);
});
