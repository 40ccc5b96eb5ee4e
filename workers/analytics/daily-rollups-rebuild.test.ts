import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withPostgres } from "../../shared/pg/client.ts";
import { callRollupsDaily } from "../../shared/pg/schema.ts";
import { api } from "../../test/workers/api-client.ts";
import { billedTenant } from "../../test/workers/billing-fixtures.ts";
import { fetchWithEnv } from "../../test/workers/worker-with-env.ts";
import { consumeUsage } from "../queue/usage-consumer.ts";
import { histogramQuantile, latencyBucket } from "./latency-histogram.ts";
import { seedFacts, type SeededCall } from "./testing-fixtures.ts";

const query = (key: string, params: Record<string, string>) => api(key).get(`/v1/analytics/calls?${new URLSearchParams(params)}`);

type Row = Record<string, string | number | null>;
const LATENCY = ["v2v_p50", "v2v_p90", "v2v_p99"];
const SUMS = ["count", "minutes", "cost", "turns", "success_rate"];
const MEASURES = [...SUMS, ...LATENCY].join(",");

/** A call every 2 h 37 min for nine days (so in every local half hour), with spread-out latencies and verdicts. */
const CALLS: SeededCall[] = Array.from({ length: 83 }, (_, i) => ({
  startedAt: new Date(Date.parse("2026-05-02T20:10:00Z") + i * 157 * 60_000).toISOString(),
  agentId: i % 3 === 0 ? "AGT-BBBBBBBBBB" : "AGT-AAAAAAAAAA",
  direction: i % 5 === 0 ? "outbound" : "inbound",
  durationS: 20 + i * 7,
  costMinor: 10 + i,
  succeeded: [true, false, null, true][i % 4],
  v2v: Array.from({ length: 1 + (i % 4) }, (_, k) => 300 + ((i * 97 + k * 331) % 2_700)),
}));
// Seven days from a Kolkata midnight (00:00 +05:30 is 18:30 UTC the day before).
const WEEK = { from: "2026-05-03T18:30:00Z", to: "2026-05-10T18:30:00Z" };

const dailyRowsOf = (accountId: string) =>
  withPostgres(env, (db) =>
    db.select().from(callRollupsDaily).where(eq(callRollupsDaily.accountId, accountId))
      .orderBy(callRollupsDaily.grain, callRollupsDaily.day, callRollupsDaily.agentId, callRollupsDaily.agentVersion, callRollupsDaily.number, callRollupsDaily.direction, callRollupsDaily.endReason),
  );

/** The operator's PATCH through the real app, with the facts' queue replaced by a recorder. */
async function setTimeZone(accountId: string, timeZone: string) {
  const sent: unknown[] = [];
  const res = await fetchWithEnv(
    new Request(`https://api.test/v1/operator/accounts/${accountId}/billing`, {
      method: "PATCH",
      headers: { "x-operator-secret": env.OPERATOR_SECRET, "content-type": "application/json" },
      body: JSON.stringify({ time_zone: timeZone }),
    }),
    { CALL_EVENTS: { send: async (body: unknown) => void sent.push(body) } as unknown as Env["CALL_EVENTS"] },
  );
  return { status: res.status, sent };
}

/** Delivers the messages to the facts' consumer as the queue would; returns the ids it acknowledged. */
async function deliver(bodies: unknown[]) {
  const ctx = createExecutionContext();
  const batch = createMessageBatch("call-events", bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
  await consumeUsage(batch, env);
  return (await getQueueResult(batch, ctx)).explicitAcks;
}

/** The percentile a merged histogram gives over these spans (as analytics-report.ts rounds it). */
function histogramPercentile(spans: number[], fraction: number): number {
  const counts = new Map<number, number>();
  for (const ms of spans) counts.set(latencyBucket(ms), (counts.get(latencyBucket(ms)) ?? 0) + 1);
  const buckets = [...counts.keys()].sort((a, b) => a - b);
  return Math.round(histogramQuantile({ buckets, counts: buckets.map((b) => counts.get(b)!) }, fraction)! * 10) / 10;
}

describe("daily rollups after a time-zone change", () => {
  it("rebuilds the account's days in its new zone off the request, once, and leaves other accounts' rows alone", async () => {
    const [t, other] = [await billedTenant({ time_zone: "America/New_York" }), await billedTenant({ time_zone: "America/New_York" })];
    await seedFacts(t.accountId, CALLS);
    await seedFacts(other.accountId, CALLS.slice(0, 20));
    const othersRows = await dailyRowsOf(other.accountId);
    expect(othersRows.length).toBeGreaterThan(0);

    const changed = await setTimeZone(t.accountId, "Asia/Kolkata");
    expect(changed).toEqual({ status: 200, sent: [{ type: "analytics.daily_rebuild", account_id: t.accountId }] });

    // Pending: the New York days straddle Kolkata's, and UTC hours do not start Kolkata hours, so the raw rows answer.
    const raw = await query(t.key, { ...WEEK, interval: "day", measures: MEASURES });
    expect([raw.status, raw.json.source, raw.json.rows.length]).toEqual([200, "turns", 7]);

    expect(await deliver(changed.sent)).toEqual(["m0"]);
    const rebuilt = await dailyRowsOf(t.accountId);
    expect(new Set(rebuilt.map((r) => r.timeZone))).toEqual(new Set(["Asia/Kolkata"]));

    const daily = await query(t.key, { ...WEEK, interval: "day", measures: MEASURES });
    expect(daily.json.source).toBe("daily_rollups");
    expect(daily.json.rows.map((r: Row) => r.local_start)).toEqual(raw.json.rows.map((r: Row) => r.local_start));
    daily.json.rows.forEach((row: Row, i: number) => {
      const exact = raw.json.rows[i] as Row;
      for (const m of SUMS) expect(row[m], `${row.local_start} ${m}`).toEqual(exact[m]);
      for (const m of LATENCY) expect(Math.abs((row[m] as number) - (exact[m] as number)), `${row.local_start} ${m}`).toBeLessThanOrEqual(0.02 * (exact[m] as number) + 0.05);
    });
    // The week's total merges its days' histograms exactly: the percentiles of one histogram of all its spans.
    const total = await query(t.key, { ...WEEK, measures: MEASURES });
    const inWeek = CALLS.filter((c) => Date.parse(c.startedAt) >= Date.parse(WEEK.from) && Date.parse(c.startedAt) < Date.parse(WEEK.to));
    const spans = inWeek.flatMap((c) => c.v2v ?? []);
    expect(total.json.source).toBe("daily_rollups");
    expect(total.json.rows).toHaveLength(1);
    expect(total.json.rows[0]).toMatchObject({
      count: inWeek.length,
      cost: inWeek.reduce((n, c) => n + c.costMinor!, 0),
      v2v_p50: histogramPercentile(spans, 0.5),
      v2v_p90: histogramPercentile(spans, 0.9),
      v2v_p99: histogramPercentile(spans, 0.99),
    });

    // A redelivered rebuild finds every row in the present zone and writes nothing; the other account kept its rows.
    expect(await deliver(changed.sent)).toEqual(["m0"]);
    expect(await dailyRowsOf(t.accountId)).toEqual(rebuilt);
    expect(await dailyRowsOf(other.accountId)).toEqual(othersRows);
  }, 30_000);
});
