import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withPostgres } from "../../shared/pg/client.ts";
import { bucketValue, histogramQuantile, latencyBucket, RELATIVE_ERROR, ZERO_BUCKET, type Histogram } from "./latency-histogram.ts";

// Floating-point slack on the bound: at a bucket's upper end the error is α itself, computed with a rounding.
const BOUND = RELATIVE_ERROR * (1 + 1e-9);

/** A histogram of spans as the rollups hold it (sparse, ascending buckets). */
function histogramOf(spans: number[]): Histogram {
  const counts = new Map<number, number>();
  for (const v of spans) counts.set(latencyBucket(v), (counts.get(latencyBucket(v)) ?? 0) + 1);
  const buckets = [...counts.keys()].sort((a, b) => a - b);
  return { buckets, counts: buckets.map((b) => counts.get(b)!) };
}

/** The merge the rollup queries do in SQL (`sum(count) … group by bucket`): counts added per bucket. */
function merge(a: Histogram, b: Histogram): Histogram {
  const spans = (h: Histogram) => h.buckets.flatMap((bucket, i) => Array<number>(h.counts[i]!).fill(bucket));
  const counts = new Map<number, number>();
  for (const bucket of [...spans(a), ...spans(b)]) counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  const buckets = [...counts.keys()].sort((x, y) => x - y);
  return { buckets, counts: buckets.map((x) => counts.get(x)!) };
}

/** Postgres's percentile_cont over the raw spans. */
function percentileCont(spans: number[], q: number): number {
  const sorted = [...spans].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * q;
  const lo = Math.floor(rank);
  return sorted[lo]! + (rank - lo) * (sorted[Math.ceil(rank)]! - sorted[lo]!);
}

const relativeError = (estimate: number, exact: number) => (exact === 0 ? Math.abs(estimate) : Math.abs(estimate - exact) / exact);
const spansArb = fc.array(fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 120_000 })), { minLength: 1, maxLength: 300 });
const quantileArb = fc.oneof(fc.constantFrom(0, 0.5, 0.9, 0.99, 1), fc.double({ min: 0, max: 1, noNaN: true }));

describe("log-scale latency buckets", () => {
  it("stand for every whole ms from 0 to 10^6 within 2 %", () => {
    expect(bucketValue(latencyBucket(0))).toBe(0);
    let worst = 0;
    for (let v = 1; v <= 1_000_000; v++) worst = Math.max(worst, relativeError(bucketValue(latencyBucket(v)), v));
    expect(worst).toBeLessThanOrEqual(BOUND);
    // The bound is tight: the formula spends no more buckets than 2 % needs.
    expect(worst).toBeGreaterThan(0.019);
    expect(latencyBucket(1_000_000)).toBe(346);
  });

  // From 1 ms up: spans are whole ms (the database's latency_bucket takes an integer), and below 1 ms the band
  // (γ^−2, γ^−1] would share its index with the zero bucket.
  it("stand for any value from 1 ms up within 2 %, fractions and hours included", () => {
    fc.assert(fc.property(fc.double({ min: 1, max: 1e9, noNaN: true }), (v) => relativeError(bucketValue(latencyBucket(v)), v) <= BOUND));
  });

  it("agree with the database's latency_bucket on every whole ms from 0 to 10^6", async () => {
    // Both are monotone in ms, so agreeing on each bucket's first and last ms is agreeing on all of them.
    const rows = await withPostgres(env, async (db) =>
      (await db.execute<{ bucket: number; first: number; last: number }>(sql`select latency_bucket(v) as bucket, min(v) as first, max(v) as last from generate_series(0, 1000000) v group by 1 order by 1`)).rows,
    );
    expect(rows[0]).toEqual({ bucket: ZERO_BUCKET, first: 0, last: 0 });
    for (const [i, row] of rows.entries()) {
      expect([latencyBucket(row.first), latencyBucket(row.last)], JSON.stringify(row)).toEqual([row.bucket, row.bucket]);
      if (i > 0) expect(row.first).toBe(rows[i - 1]!.last + 1);
    }
    expect(rows.at(-1)!.last).toBe(1_000_000);
  });
});

describe("merged histograms", () => {
  it("merge associatively and commutatively into the histogram of all the spans", () => {
    fc.assert(
      fc.property(spansArb, spansArb, spansArb, (a, b, c) => {
        const [ha, hb, hc] = [histogramOf(a), histogramOf(b), histogramOf(c)];
        const whole = histogramOf([...a, ...b, ...c]);
        expect(merge(merge(ha, hb), hc)).toEqual(whole);
        expect(merge(ha, merge(hb, hc))).toEqual(whole);
        expect(merge(hc, merge(hb, ha))).toEqual(whole);
      }),
    );
  });

  it("merge in the database (histogram_buckets_add, histogram_counts_add) as counts added per bucket, in any grouping", async () => {
    await withPostgres(env, (db) =>
      fc.assert(
        fc.asyncProperty(spansArb, spansArb, spansArb, async (a, b, c) => {
          const [ha, hb, hc] = [histogramOf(a), histogramOf(b), histogramOf(c)];
          const arr = (xs: number[]) => sql`${`{${xs.join(",")}}`}::int[]`;
          const [A, B, C] = [ha, hb, hc].map((h) => ({ b: arr(h.buckets), c: arr(h.counts) }));
          const [row] = (
            await db.execute<Record<"lb" | "lc" | "rb" | "rc", number[]>>(sql`
              with ab as (select histogram_buckets_add(${A!.b}, ${B!.b}) as b, histogram_counts_add(${A!.b}, ${A!.c}, ${B!.b}, ${B!.c}) as c),
                bc as (select histogram_buckets_add(${B!.b}, ${C!.b}) as b, histogram_counts_add(${B!.b}, ${B!.c}, ${C!.b}, ${C!.c}) as c),
                l as (select histogram_buckets_add(ab.b, ${C!.b}) as b, histogram_counts_add(ab.b, ab.c, ${C!.b}, ${C!.c}) as c from ab),
                r as (select histogram_buckets_add(${A!.b}, bc.b) as b, histogram_counts_add(${A!.b}, ${A!.c}, bc.b, bc.c) as c from bc)
              select l.b as lb, l.c as lc, r.b as rb, r.c as rc from l, r`)
          ).rows;
          const whole = histogramOf([...a, ...b, ...c]);
          expect({ buckets: row!.lb, counts: row!.lc }).toEqual(whole);
          expect({ buckets: row!.rb, counts: row!.rc }).toEqual(whole);
        }),
        { numRuns: 25 },
      ),
    );
  });

  it("answer every quantile within 2 % of percentile_cont over the raw spans, however the spans were split", () => {
    fc.assert(
      fc.property(spansArb, spansArb, quantileArb, (a, b, q) => {
        const exact = percentileCont([...a, ...b], q);
        const estimate = histogramQuantile(merge(histogramOf(a), histogramOf(b)), q)!;
        expect(relativeError(estimate, exact)).toBeLessThanOrEqual(BOUND);
      }),
    );
  });

  it("answer null without samples", () => {
    expect(histogramQuantile({ buckets: [], counts: [] }, 0.5)).toBeNull();
  });
});
