/**
 * A mergeable latency histogram on fixed log-scale buckets, for percentiles over rollups: two histograms of the same
 * layout add bucket by bucket, so an hour's, a day's and a tenant's histograms combine exactly, where averaging
 * their percentiles would not.
 *
 * Layout: bucket 0 holds [0, 1) ms; bucket i ≥ 1 holds [BASE^(i-1), BASE^i) ms up to MAX_MS; the last bucket holds
 * everything from MAX_MS on. A bucket answers with the value that minimises the worst relative error over its span,
 * 2·lo·hi / (lo + hi), so for any latency in [1 ms, 120 s] the answer is within (BASE − 1) / (BASE + 1) = 1.96 % of
 * it. Below 1 ms the answer is 0 (off by under 1 ms); from 120 s on it is 120 s (a latency that long is an outage,
 * and "at least 120 s" is what matters). A percentile is the nearest rank's: the value of the ⌈q·n⌉-th smallest
 * sample, within that error.
 */
export const BASE = 1.04;
export const MAX_MS = 120_000;
/** Log-scale buckets from 1 ms to MAX_MS, plus the one below 1 ms and the one from MAX_MS on. */
export const BUCKETS = Math.ceil(Math.log(MAX_MS) / Math.log(BASE)) + 2;
export const RELATIVE_ERROR = (BASE - 1) / (BASE + 1);

const OVERFLOW = BUCKETS - 1;

/** Counts per bucket, BUCKETS long. */
export type LatencyHistogram = number[];

export const emptyHistogram = (): LatencyHistogram => new Array<number>(BUCKETS).fill(0);

export function bucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  if (ms >= MAX_MS) return OVERFLOW;
  // Floating-point log can land a boundary value one bucket low or high; the bounds check settles it.
  let i = Math.floor(Math.log(ms) / Math.log(BASE)) + 1;
  if (ms < lowerBound(i)) i--;
  else if (ms >= lowerBound(i + 1)) i++;
  return Math.min(i, OVERFLOW - 1);
}

const lowerBound = (i: number) => (i === 0 ? 0 : BASE ** (i - 1));

/** The value a bucket answers with (see the layout above). */
export function bucketValue(i: number): number {
  if (i === 0) return 0;
  if (i >= OVERFLOW) return MAX_MS;
  const lo = lowerBound(i);
  const hi = Math.min(BASE ** i, MAX_MS);
  return (2 * lo * hi) / (lo + hi);
}

export function record(histogram: LatencyHistogram, ms: number): void {
  histogram[bucketOf(ms)]!++;
}

export function merge(into: LatencyHistogram, other: LatencyHistogram): LatencyHistogram {
  for (let i = 0; i < BUCKETS; i++) into[i]! += other[i] ?? 0;
  return into;
}

export const sampleCount = (histogram: LatencyHistogram) => histogram.reduce((a, b) => a + b, 0);

/** The nearest-rank q-quantile (0 < q ≤ 1), or null for an empty histogram. */
export function quantile(histogram: LatencyHistogram, q: number): number | null {
  const n = sampleCount(histogram);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return bucketValue(i);
  }
  return bucketValue(OVERFLOW);
}
