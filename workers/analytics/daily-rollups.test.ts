import { env } from "cloudflare:workers";
import { eq, sql, TransactionRollbackError } from "drizzle-orm";
import backfill from "../../migrations/postgres/0019_analytics_daily_rollups_backfill.sql?raw";
import { describe, expect, it } from "vitest";
import { withPostgres, type PgDatabase } from "../../shared/pg/client.ts";
import { billingAccounts, callRollupsDaily } from "../../shared/pg/schema.ts";
import { api } from "../../test/workers/api-client.ts";
import { billedTenant } from "../../test/workers/billing-fixtures.ts";
import { seedFacts, type SeededCall } from "./testing-fixtures.ts";

const query = (key: string, params: Record<string, string>) => api(key).get(`/v1/analytics/calls?${new URLSearchParams(params)}`);

const LATENCY = ["v2v_p50", "v2v_p90", "v2v_p99", "stt_p50", "stt_p99"];
const MEASURES = ["count", "minutes", "cost", "turns", "success_rate", ...LATENCY].join(",");
const HOUR_MS = 3_600_000;
const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString().replace(".000", "");

/**
 * Calls every 2 h 37 min over five days around a daylight-saving change (so they fall in every local hour, the
 * skipped and the repeated one included), with spread-out latencies and verdicts, across agents, versions,
 * directions and end reasons.
 */
function callsAround(firstUtc: string): SeededCall[] {
  return Array.from({ length: 46 }, (_, i) => {
    const v2v = Array.from({ length: 1 + (i % 4) }, (_, k) => 300 + ((i * 97 + k * 331) % 2_700));
    return {
      startedAt: shifted(firstUtc, i * 157 * 60_000),
      agentId: i % 3 === 0 ? "AGT-BBBBBBBBBB" : "AGT-AAAAAAAAAA",
      agentVersion: 1 + (i % 2),
      direction: i % 5 === 0 ? "outbound" : "inbound",
      endReason: ["caller_hangup", "agent_hangup", "transfer"][i % 3],
      durationS: 20 + i * 7,
      costMinor: 10 + i,
      succeeded: [true, false, null, true][i % 4],
      v2v,
      stt: v2v.map((ms) => Math.round(ms / 5)),
    };
  });
}

type Row = Record<string, string | number | null>;

/** The same rows, sums equal, each percentile within 2 % of the exact one. */
function expectWithinHistogramError(rollups: Row[], exact: Row[]) {
  expect(rollups.length).toBe(exact.length);
  rollups.forEach((row, i) => {
    for (const [k, v] of Object.entries(exact[i]!)) {
      if (LATENCY.includes(k) && typeof v === "number") expect(Math.abs((row[k] as number) - v), k).toBeLessThanOrEqual(0.02 * v + 0.05);
      else expect(row[k], k).toEqual(v);
    }
  });
}

const VARIANTS: Record<string, string>[] = [
  { interval: "day" },
  { interval: "week" },
  {},
  { interval: "day", group_by: "agent" },
  { interval: "day", group_by: "agent_version" },
  { interval: "week", group_by: "number" },
  { interval: "day", group_by: "direction" },
  { group_by: "end_reason" },
];

/**
 * Each variant over [from, to) (local midnights) from the daily rollups; the same an hour later from the hourly ones
 * (no call starts in the first hour, so the calls are the same): the same answers exactly, percentiles included,
 * since both merge the same histograms; and a second later from the raw rows, within the histograms' error.
 */
async function expectDailyEqualsHourly(key: string, from: string, to: string) {
  for (const extra of VARIANTS) {
    const label = JSON.stringify(extra);
    const daily = await query(key, { from, to, measures: MEASURES, ...extra });
    const hourly = await query(key, { from: shifted(from, HOUR_MS), to, measures: MEASURES, ...extra });
    const raw = await query(key, { from: shifted(from, 1000), to, measures: MEASURES, ...extra });
    expect([daily.status, daily.json.source, hourly.json.source, raw.json.source], label).toEqual([200, "daily_rollups", "rollups", "turns"]);
    expect(daily.json.rows.length, label).toBeGreaterThan(0);
    expect(daily.json.rows, label).toEqual(hourly.json.rows);
    expectWithinHistogramError(daily.json.rows, raw.json.rows);
  }
}

describe("GET /v1/analytics/calls over the daily rollups", () => {
  it("cuts days in the account's zone across a 23-hour and a 25-hour day, with the hourly rollups' answers", async () => {
    const t = await billedTenant({ time_zone: "America/New_York" });
    // Spring forward on 8 March 2026 (02:00 EST → 03:00 EDT), fall back on 1 November (02:00 EDT → 01:00 EST).
    await seedFacts(t.accountId, [...callsAround("2026-03-06T05:10:00Z"), ...callsAround("2026-10-30T04:10:00Z")]);

    const counts = async (from: string, to: string) => (await query(t.key, { from, to, interval: "day", measures: "count" })).json;
    const march = await counts("2026-03-02T05:00:00Z", "2026-03-16T04:00:00Z");
    expect(march.source).toBe("daily_rollups");
    const marchDays = march.rows.map((r: Row) => [r.start, r.local_start]);
    expect(marchDays).toContainEqual(["2026-03-08T05:00:00Z", "2026-03-08T00:00:00"]);
    expect(marchDays).toContainEqual(["2026-03-09T04:00:00Z", "2026-03-09T00:00:00"]);
    const november = await counts("2026-10-26T04:00:00Z", "2026-11-09T05:00:00Z");
    const novemberDays = november.rows.map((r: Row) => [r.start, r.local_start]);
    expect(novemberDays).toContainEqual(["2026-11-01T04:00:00Z", "2026-11-01T00:00:00"]);
    expect(novemberDays).toContainEqual(["2026-11-02T05:00:00Z", "2026-11-02T00:00:00"]);
    // By hand: calls 19 to 27 start in each changed day (the 23-hour one ends at 04:00 UTC, after call 27 at 03:49
    // UTC, 23:49 EDT), and every call is in exactly one day.
    const dayCount = (rows: Row[], start: string) => rows.find((r) => r.start === start)?.count;
    expect(march.rows.reduce((n: number, r: Row) => n + (r.count as number), 0)).toBe(46);
    expect(november.rows.reduce((n: number, r: Row) => n + (r.count as number), 0)).toBe(46);
    expect([dayCount(march.rows, "2026-03-08T05:00:00Z"), dayCount(november.rows, "2026-11-01T04:00:00Z")]).toEqual([9, 9]);

    await expectDailyEqualsHourly(t.key, "2026-03-02T05:00:00Z", "2026-03-16T04:00:00Z");
    await expectDailyEqualsHourly(t.key, "2026-10-26T04:00:00Z", "2026-11-09T05:00:00Z");
  }, 60_000);

  it("falls back to the hourly rollups over days of a zone the account has left, and reads daily rows of its new zone", async () => {
    const t = await billedTenant({ time_zone: "America/New_York" });
    await seedFacts(t.accountId, [{ startedAt: "2026-03-10T03:30:00Z", costMinor: 7 }]);
    await withPostgres(env, (db) => db.update(billingAccounts).set({ timeZone: "Europe/Paris" }).where(eq(billingAccounts.accountId, t.accountId)));
    // 03:30 UTC on 10 March is the 9th in New York, the 10th in Paris: only the hourly rows can say so now.
    const before = await query(t.key, { from: "2026-03-01T23:00:00Z", to: "2026-03-15T23:00:00Z", interval: "day", measures: "count,cost" });
    expect([before.json.source, before.json.rows]).toEqual(["rollups", [{ start: "2026-03-09T23:00:00Z", local_start: "2026-03-10T00:00:00", count: 1, cost: 7 }]]);

    await seedFacts(t.accountId, [{ startedAt: "2026-06-10T22:30:00Z", costMinor: 9 }]);
    const after = await query(t.key, { from: "2026-05-31T22:00:00Z", to: "2026-06-30T22:00:00Z", interval: "day", measures: "count,cost" });
    expect([after.json.source, after.json.rows]).toEqual(["daily_rollups", [{ start: "2026-06-10T22:00:00Z", local_start: "2026-06-11T00:00:00", count: 1, cost: 9 }]]);
  });

  it("backfills the daily rows the consumer would have written (the custom migration)", async () => {
    const t = await billedTenant({ time_zone: "America/New_York" });
    await seedFacts(t.accountId, callsAround("2026-10-30T04:10:00Z"));
    const ofTenant = (db: Pick<PgDatabase, "select">) =>
      db.select().from(callRollupsDaily).where(eq(callRollupsDaily.accountId, t.accountId)).orderBy(callRollupsDaily.grain, callRollupsDaily.day, callRollupsDaily.agentId, callRollupsDaily.agentVersion, callRollupsDaily.number, callRollupsDaily.direction, callRollupsDaily.endReason);
    const kept = await withPostgres(env, ofTenant);
    expect(kept.length).toBeGreaterThan(6);
    // Rebuilt from the facts alone, inside a transaction rolled back, so the other tests' rows are untouched (the
    // table lock first, so their writers wait for it rather than take row locks in an order of their own).
    let rebuilt: typeof kept = [];
    await withPostgres(env, (db) =>
      db
        .transaction(async (tx) => {
          await tx.execute(sql`lock table call_rollups_daily in exclusive mode`);
          await tx.execute(sql`delete from call_rollups_daily`);
          await tx.execute(sql.raw(backfill));
          rebuilt = await ofTenant(tx);
          tx.rollback();
        })
        .catch((e: unknown) => {
          if (!(e instanceof TransactionRollbackError)) throw e;
        }),
    );
    expect(rebuilt).toEqual(kept);
  });
});
