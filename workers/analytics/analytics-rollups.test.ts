import { describe, expect, it } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { billedTenant } from "../../test/workers/billing-fixtures.ts";
import { seedFacts, type SeededCall } from "./testing-fixtures.ts";

const query = (key: string, params: Record<string, string>) => api(key).get(`/v1/analytics/calls?${new URLSearchParams(params)}`);

const LATENCY = ["v2v_p50", "v2v_p90", "v2v_p99", "stt_p50", "stt_p99"];
const MEASURES = ["count", "minutes", "cost", "turns", ...LATENCY].join(",");

/**
 * A day of calls, two or three an hour (so each hour's rollup rows are added to again: their sums added, their
 * histograms merged), across two agents, versions, directions and end reasons, with spread-out latencies.
 */
function aDayOfCalls(): SeededCall[] {
  const calls: SeededCall[] = [];
  for (let i = 0; i < 60; i++) {
    const v2v = Array.from({ length: 1 + (i % 4) }, (_, k) => 300 + ((i * 97 + k * 331) % 2_700));
    calls.push({
      startedAt: new Date(Date.UTC(2026, 4, 4) + i * 23 * 60_000).toISOString(),
      agentId: i % 3 === 0 ? "AGT-BBBBBBBBBB" : "AGT-AAAAAAAAAA",
      agentVersion: 1 + (i % 2),
      direction: i % 5 === 0 ? "outbound" : "inbound",
      endReason: ["caller_hangup", "agent_hangup", "transfer"][i % 3],
      durationS: 20 + i * 7,
      costMinor: 10 + i,
      v2v,
      stt: v2v.map((ms) => Math.round(ms / 5)),
    });
  }
  return calls;
}

type Row = Record<string, string | number | null>;

/** The same rows, sums equal, each percentile within 2 % of the exact one. */
function expectAgreement(rollups: Row[], turns: Row[]) {
  expect(rollups.length).toBe(turns.length);
  rollups.forEach((row, i) => {
    const exact = turns[i]!;
    for (const [k, v] of Object.entries(exact)) {
      if (LATENCY.includes(k) && typeof v === "number") expect(Math.abs((row[k] as number) - v), `${k} of ${JSON.stringify(exact)}`).toBeLessThanOrEqual(0.02 * v + 0.05);
      else expect(row[k], k).toEqual(v);
    }
  });
}

describe("GET /v1/analytics/calls over the hourly rollups", () => {
  it("answers long ranges from the rollups with the raw rows' sums and percentiles within 2 %, in every breakdown and interval", async () => {
    const t = await billedTenant({ time_zone: "Europe/Paris" });
    await seedFacts(t.accountId, aDayOfCalls());
    // Whole hours, 72 of them: the rollups. One second earlier: the same calls, read from the raw rows.
    const long = { from: "2026-05-04T00:00:00Z", to: "2026-05-07T00:00:00Z", measures: MEASURES };
    const raw = { ...long, from: "2026-05-03T23:59:59Z" };
    const variants: Record<string, string>[] = [{}, { interval: "day" }, { interval: "hour" }, { group_by: "agent", interval: "hour" }, { group_by: "agent" }, { group_by: "agent_version", interval: "day" }, { group_by: "number" }, { group_by: "direction" }, { group_by: "end_reason", interval: "week" }];
    for (const extra of variants) {
      const fromRollups = await query(t.key, { ...long, ...extra });
      const fromTurns = await query(t.key, { ...raw, ...extra });
      expect([fromRollups.status, fromRollups.json.source, fromTurns.json.source], JSON.stringify(extra)).toEqual([200, "rollups", "turns"]);
      expect(fromRollups.json.rows.length, JSON.stringify(extra)).toBeGreaterThan(0);
      expectAgreement(fromRollups.json.rows, fromTurns.json.rows);
    }
    // Paris days start at 22:00 UTC in May: the rollups cut days in the account's zone (calls run to 22:37 UTC).
    const days = await query(t.key, { ...long, interval: "day", measures: "count" });
    expect(days.json.rows).toEqual([
      { start: "2026-05-03T22:00:00Z", local_start: "2026-05-04T00:00:00", count: 58 },
      { start: "2026-05-04T22:00:00Z", local_start: "2026-05-05T00:00:00", count: 2 },
    ]);
    const hours = await query(t.key, { ...long, interval: "hour", measures: "count" });
    expect(Math.max(...hours.json.rows.map((r: Row) => r.count as number))).toBe(3);
  }, 60_000);

  it("reads the raw rows in a zone whose hours are not UTC hours", async () => {
    const t = await billedTenant({ time_zone: "Asia/Kolkata" });
    await seedFacts(t.accountId, [{ startedAt: "2026-05-04T18:20:00Z" }, { startedAt: "2026-05-04T18:40:00Z" }]);
    // 18:30 UTC is midnight in Kolkata (+05:30): the hour 18:00–19:00 UTC straddles two local days.
    const res = await query(t.key, { from: "2026-05-03T00:00:00Z", to: "2026-05-06T00:00:00Z", interval: "day", measures: "count" });
    expect(res.json.source).toBe("turns");
    expect(res.json.rows).toEqual([
      { start: "2026-05-03T18:30:00Z", local_start: "2026-05-04T00:00:00", count: 1 },
      { start: "2026-05-04T18:30:00Z", local_start: "2026-05-05T00:00:00", count: 1 },
    ]);
  });

  it("answers only the caller's account from the rollups too", async () => {
    const a = await billedTenant();
    const b = await billedTenant();
    await seedFacts(a.accountId, [{ callId: "CAL-SHARED", startedAt: "2026-06-01T12:00:00Z", costMinor: 10, v2v: [100, 200] }]);
    await seedFacts(b.accountId, [
      { callId: "CAL-SHARED", startedAt: "2026-06-01T12:00:00Z", costMinor: 500, v2v: [9000, 9000, 9000] },
      { startedAt: "2026-06-02T13:00:00Z", costMinor: 500, agentId: "AGT-BBBBBBBBBB" },
    ]);
    const params = { from: "2026-05-01T00:00:00Z", to: "2026-07-01T00:00:00Z", measures: "count,cost,v2v_p50" };
    const ofA = await query(a.key, params);
    expect(ofA.json.source).toBe("daily_rollups");
    expect(ofA.json.rows).toEqual([{ count: 1, cost: 10, v2v_p50: expect.any(Number) }]);
    expect(Math.abs(ofA.json.rows[0].v2v_p50 - 150)).toBeLessThanOrEqual(3);
    expect((await query(a.key, { ...params, group_by: "agent" })).json.rows).toEqual([{ agent_id: "AGT-AAAAAAAAAA", count: 1, cost: 10, v2v_p50: expect.any(Number) }]);
    const ofB = await query(b.key, params);
    expect(ofB.json.rows).toEqual([{ count: 2, cost: 1000, v2v_p50: expect.any(Number) }]);
    expect(Math.abs(ofB.json.rows[0].v2v_p50 - 9000)).toBeLessThanOrEqual(180);
  });
});
