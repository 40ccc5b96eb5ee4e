/** Percentiles and medians of repetitions. Percentiles interpolate linearly between closest ranks (numpy's default). */

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (sorted.length === 1) return sorted[0]!;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return percentile(sorted, 50);
}

/** Field-wise median of several repetitions' summaries; `n` is the total sample count across repetitions. */
export function medianOfSummaries(reps: readonly Summary[]): Summary & { reps: number } {
  const field = (k: keyof Summary) => median(reps.map((r) => r[k]));
  return {
    reps: reps.length,
    n: reps.reduce((a, r) => a + r.n, 0),
    p50: field("p50"),
    p90: field("p90"),
    p95: field("p95"),
    p99: field("p99"),
    min: field("min"),
    max: field("max"),
  };
}

/** Rounds to `digits` decimals for the report (NaN stays NaN, shown as "–"). */
export const round = (v: number, digits = 1): number => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : Number.NaN);

export const fmt = (v: number | undefined, digits = 1): string => (v === undefined || !Number.isFinite(v) ? "–" : round(v, digits).toFixed(digits));
