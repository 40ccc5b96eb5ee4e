import { describe, expect, it } from "vitest";
import { BUCKETS, bucketOf, bucketValue, emptyHistogram, MAX_MS, merge, quantile, record, RELATIVE_ERROR } from "./latency-histogram.ts";

/** A deterministic spread of latencies over 1 ms … 120 s (a linear congruential generator, log-uniform). */
function latencies(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.exp((s / 2 ** 31) * Math.log(MAX_MS));
  });
}

const nearestRank = (sorted: number[], q: number) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;

describe("latency histogram", () => {
  it("keeps every bucket's answer within 2 % of any value in it", () => {
    expect(RELATIVE_ERROR).toBeLessThanOrEqual(0.02);
    for (const ms of [...latencies(20_000, 7), 1, 1.04, 1.0816, 999, 1_000, 119_999]) {
      const answer = bucketValue(bucketOf(ms));
      expect(Math.abs(answer - ms) / ms).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-12);
    }
  });

  it("puts sub-millisecond values at 0 and values from 120 s on at 120 s", () => {
    expect(bucketValue(bucketOf(0))).toBe(0);
    expect(bucketValue(bucketOf(0.6))).toBe(0);
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(MAX_MS)).toBe(BUCKETS - 1);
    expect(bucketValue(bucketOf(10 * MAX_MS))).toBe(MAX_MS);
  });

  it("answers p50, p90 and p99 within the bound of the exact nearest-rank percentile", () => {
    const values = latencies(10_000, 42);
    const h = emptyHistogram();
    for (const v of values) record(h, v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = nearestRank(sorted, q);
      expect(Math.abs(quantile(h, q)! - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-12);
    }
  });

  it("merges exactly: hourly histograms added up answer as one histogram of all the samples", () => {
    const hours = [latencies(3_000, 1), latencies(500, 2), latencies(7_000, 3)];
    const whole = emptyHistogram();
    for (const v of hours.flat()) record(whole, v);
    const merged = hours.reduce((acc, hour) => {
      const h = emptyHistogram();
      for (const v of hour) record(h, v);
      return merge(acc, h);
    }, emptyHistogram());
    expect(merged).toEqual(whole);
    for (const q of [0.5, 0.9, 0.99]) expect(quantile(merged, q)).toBe(quantile(whole, q));
  });

  it("has no percentile when empty", () => {
    expect(quantile(emptyHistogram(), 0.5)).toBeNull();
  });
});
