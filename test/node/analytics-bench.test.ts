import { describe, expect, it } from "vitest";
import { ANALYTICS_SMALL, DASHBOARD, runAnalyticsBench } from "../../bench/analytics.ts";
import { renderAnalytics } from "../../bench/analytics-run.ts";
import { ROLLUP_MIN_RANGE_HOURS } from "../../workers/analytics/analytics-report.ts";

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
    // Month and week on whole hours: the rollups; the last day: the raw rows.
    const expected = DASHBOARD.map((d) => [d.name, Date.parse(d.params.to!) - Date.parse(d.params.from!) >= ROLLUP_MIN_RANGE_HOURS * 3_600_000 ? "rollups" : "turns"]);
    expect(result.queries.map((q) => [q.name, q.source])).toEqual(expected);
    expect(expected.map(([, source]) => source)).toContain("turns");
    for (const q of result.queries) {
      expect(q.rows, q.name).toBeGreaterThan(0);
      expect(q.ms.n).toBe(ANALYTICS_SMALL.reps);
      expect(q.plans.join("\n"), q.name).toMatch(/Execution Time/);
    }
    expect(result.rawReference.maxRelativeDeviation).toBeLessThanOrEqual(0.02);
    expect(renderAnalytics(result).join("\n")).toContain("## Plans");
  }, 240_000);
});
