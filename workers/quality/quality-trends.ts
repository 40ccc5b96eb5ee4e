import type { VIOLATION_KINDS } from "../../shared/analysis/call-quality.ts";
import type { QualityRow } from "./quality-store.ts";

export type TrendInterval = "day" | "week";

export interface TrendPoint {
  period_start: string;
  agent_version: number;
  calls: number;
  scored_calls: number;
  average_score: number | null;
  violations: number;
  calls_with_violations: number;
  violations_by_kind: Partial<Record<(typeof VIOLATION_KINDS)[number], number>>;
  violations_by_check: Record<string, number>;
}

/** The UTC day, or the Monday of the UTC week, a call started in (ISO date). */
export function periodStart(startedAt: string, interval: TrendInterval): string {
  const day = new Date(`${startedAt.slice(0, 10)}T00:00:00.000Z`);
  if (interval === "week") day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
}

/**
 * Score and violation trends per agent version and period: the mean weighted total of the scored calls (to 0.1),
 * the violations counted per kind and per check. Ordered by period, then version; periods without calls are absent.
 */
export function qualityTrends(rows: readonly QualityRow[], interval: TrendInterval): TrendPoint[] {
  const points = new Map<string, TrendPoint & { scoreSum: number }>();
  for (const row of rows) {
    const period = periodStart(row.startedAt, interval);
    const key = `${period} ${String(row.agentVersion).padStart(10, "0")}`;
    let point = points.get(key);
    if (!point) {
      point = { period_start: period, agent_version: row.agentVersion, calls: 0, scored_calls: 0, average_score: null, violations: 0, calls_with_violations: 0, violations_by_kind: {}, violations_by_check: {}, scoreSum: 0 };
      points.set(key, point);
    }
    point.calls++;
    if (row.qualityScore !== null) {
      point.scored_calls++;
      point.scoreSum += row.qualityScore;
    }
    const violations = row.quality?.violations ?? [];
    point.violations += violations.length;
    if (violations.length > 0) point.calls_with_violations++;
    for (const v of violations) {
      point.violations_by_kind[v.kind] = (point.violations_by_kind[v.kind] ?? 0) + 1;
      point.violations_by_check[v.check] = (point.violations_by_check[v.check] ?? 0) + 1;
    }
  }
  return [...points.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, { scoreSum, ...point }]) => ({ ...point, average_score: point.scored_calls === 0 ? null : Math.round((scoreSum / point.scored_calls) * 10) / 10 }));
}
