/**
 * Mergeable latency histograms: fixed log-scale buckets, the same for every account, hour and stage, so merging two
 * histograms is adding their counts per bucket (associative and commutative: any hours and groups merge exactly).
 *
 * The formula, with α = 0.02 and γ = (1 + α) / (1 − α) = 51/49:
 *   a span of v ≥ 1 ms falls in bucket i = ⌈ln v / ln γ⌉, which holds (γ^(i−1), γ^i];
 *   a span of 0 ms (or less: a clock step) falls in bucket −1, which stands for 0 (spans are whole ms, so no v ≥ 1
 *   lands there);
 *   bucket i stands for r(i) = (1 − α)·γ^i, its upper end less α, which is also its lower end plus α:
 *   (1 − α)·γ^i = (1 + α)·γ^(i−1). So |r(i) − v| ≤ α·v for every v in the bucket: at most 2 %.
 * 1 ms to 16 minutes take 346 buckets. The database assigns buckets (`latency_bucket(ms)`, custom migration
 * analytics_rollups_backfill); `latencyBucket` here is the same formula, and a test checks that both agree on every
 * whole ms up to 10^6.
 */
export const RELATIVE_ERROR = 0.02;
const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LN_GAMMA = Math.log(GAMMA);
export const ZERO_BUCKET = -1;

/** The bucket of a span of `ms` whole milliseconds (as the database's `latency_bucket(ms integer)`). */
export function latencyBucket(ms: number): number {
  return ms <= 0 ? ZERO_BUCKET : Math.ceil(Math.log(ms) / LN_GAMMA);
}

/** The value bucket `i` stands for: within α of every span in it. */
export function bucketValue(i: number): number {
  return i === ZERO_BUCKET ? 0 : (1 - RELATIVE_ERROR) * GAMMA ** i;
}

/** A histogram: its non-empty buckets in ascending order, with their counts. */
export interface Histogram {
  buckets: number[];
  counts: number[];
}

/**
 * The q-quantile as Postgres's `percentile_cont` computes it over the raw spans (linear interpolation between the
 * spans at ranks ⌊(n − 1)q⌋ and ⌈(n − 1)q⌉), with each of those two spans read as its bucket's value. Buckets are
 * ordered as spans are, so each is the bucket of the very span percentile_cont would read, and a weighted mean of
 * two values each within α of their spans is within α of the same mean of the spans. Null without samples.
 */
export function histogramQuantile(h: Histogram, q: number): number | null {
  const n = h.counts.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const rank = (n - 1) * q;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const lower = valueAtRank(h, lo);
  return lower + (rank - lo) * (valueAtRank(h, hi) - lower);
}

function valueAtRank(h: Histogram, rank: number): number {
  let seen = 0;
  for (let i = 0; i < h.buckets.length; i++) {
    seen += h.counts[i]!;
    if (seen > rank) return bucketValue(h.buckets[i]!);
  }
  throw new Error(`rank ${rank} is past the histogram's ${seen} samples`);
}
