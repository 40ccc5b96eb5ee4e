import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../index.ts";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { billedTenant } from "../../test/workers/billing-fixtures.ts";
import { seedFacts as seed } from "./testing-fixtures.ts";

const query = (key: string, params: Record<string, string>) => api(key).get(`/v1/analytics/calls?${new URLSearchParams(params)}`);

describe("GET /v1/analytics/calls", () => {
  it("answers counts, minutes, cost and latency percentiles as computed by hand, in total and per hour and agent", async () => {
    const t = await billedTenant();
    await seed(t.accountId, [
      { startedAt: "2026-05-04T10:05:00Z", agentId: "AGT-AAAAAAAAAA", durationS: 90, costMinor: 120, v2v: [400, 600, 800] },
      { startedAt: "2026-05-04T10:40:00Z", agentId: "AGT-AAAAAAAAAA", agentVersion: 2, durationS: 30, costMinor: 45, endReason: "agent_hangup", v2v: [1000] },
      { startedAt: "2026-05-04T13:00:00Z", agentId: "AGT-BBBBBBBBBB", direction: "outbound", durationS: 150, costMinor: 200, v2v: [200, 300], stt: [100, 140] },
      // Outside the range: to is exclusive.
      { startedAt: "2026-05-05T00:00:00Z", durationS: 600, costMinor: 999, v2v: [5] },
    ]);
    const range = { from: "2026-05-04T00:00:00Z", to: "2026-05-05T00:00:00Z" };

    const total = await query(t.key, { ...range, measures: "count,minutes,cost,v2v_p50,v2v_p90,v2v_p99,stt_p50" });
    expect(total.status).toBe(200);
    // v2v sorted: 200 300 400 600 800 1000; percentile_cont at rank (n − 1)·q: p50 2.5 → 500, p90 4.5 → 900, p99 4.95 → 990.
    expect(total.json).toEqual({ time_zone: "UTC", currency: "USD", source: "turns", rows: [{ count: 3, minutes: 4.5, cost: 365, v2v_p50: 500, v2v_p90: 900, v2v_p99: 990, stt_p50: 120 }] });

    const hourly = await query(t.key, { ...range, interval: "hour", group_by: "agent", measures: "count,minutes,cost,v2v_p50,stt_p50" });
    expect(hourly.json.rows).toEqual([
      // 400 600 800 1000: p50 at rank 1.5 → 700.
      { start: "2026-05-04T10:00:00Z", local_start: "2026-05-04T10:00:00", agent_id: "AGT-AAAAAAAAAA", count: 2, minutes: 2, cost: 165, v2v_p50: 700, stt_p50: null },
      { start: "2026-05-04T13:00:00Z", local_start: "2026-05-04T13:00:00", agent_id: "AGT-BBBBBBBBBB", count: 1, minutes: 2.5, cost: 200, v2v_p50: 250, stt_p50: 120 },
    ]);

    const versions = await query(t.key, { ...range, group_by: "agent_version", measures: "count,v2v_p90" });
    expect(versions.json.rows).toEqual([
      { agent_id: "AGT-AAAAAAAAAA", agent_version: 1, count: 1, v2v_p90: 760 },
      { agent_id: "AGT-AAAAAAAAAA", agent_version: 2, count: 1, v2v_p90: 1000 },
      { agent_id: "AGT-BBBBBBBBBB", agent_version: 1, count: 1, v2v_p90: 290 },
    ]);

    const reasons = await query(t.key, { ...range, group_by: "end_reason" });
    expect(reasons.json.rows).toEqual([
      { end_reason: "agent_hangup", count: 1, minutes: 0.5, cost: 45 },
      { end_reason: "caller_hangup", count: 2, minutes: 4, cost: 320 },
    ]);
  });

  it("cuts buckets in the account's time zone across both DST changes of America/New_York", async () => {
    const t = await billedTenant({ time_zone: "America/New_York" });
    await seed(t.accountId, [
      { startedAt: "2026-03-08T04:59:00Z" }, // Sat 7 Mar 23:59 EST
      { startedAt: "2026-03-08T05:00:00Z" }, // Sun 8 Mar 00:00 EST
      { startedAt: "2026-03-09T03:59:00Z" }, // Sun 8 Mar 23:59 EDT: the 23-hour day
      { startedAt: "2026-03-09T04:00:00Z" }, // Mon 9 Mar 00:00 EDT
      { startedAt: "2026-11-01T05:10:00Z" }, // Sun 1 Nov 01:10 EDT
      { startedAt: "2026-11-01T06:10:00Z" }, // Sun 1 Nov 01:10 EST: the repeated hour
      { startedAt: "2026-11-02T04:30:00Z" }, // Sun 1 Nov 23:30 EST: the 25-hour day
    ]);

    const spring = await query(t.key, { from: "2026-03-07T00:00:00Z", to: "2026-03-10T00:00:00Z", interval: "day", measures: "count" });
    expect(spring.json.time_zone).toBe("America/New_York");
    expect(spring.json.rows).toEqual([
      { start: "2026-03-07T05:00:00Z", local_start: "2026-03-07T00:00:00", count: 1 },
      { start: "2026-03-08T05:00:00Z", local_start: "2026-03-08T00:00:00", count: 2 },
      { start: "2026-03-09T04:00:00Z", local_start: "2026-03-09T00:00:00", count: 1 },
    ]);

    const fall = { from: "2026-11-01T00:00:00Z", to: "2026-11-03T00:00:00Z", measures: "count" };
    expect((await query(t.key, { ...fall, interval: "hour" })).json.rows).toEqual([
      { start: "2026-11-01T05:00:00Z", local_start: "2026-11-01T01:00:00", count: 1 },
      { start: "2026-11-01T06:00:00Z", local_start: "2026-11-01T01:00:00", count: 1 },
      { start: "2026-11-02T04:00:00Z", local_start: "2026-11-01T23:00:00", count: 1 },
    ]);
    expect((await query(t.key, { ...fall, interval: "day" })).json.rows).toEqual([{ start: "2026-11-01T04:00:00Z", local_start: "2026-11-01T00:00:00", count: 3 }]);
    // Sunday 1 November belongs to the week that began on Monday 26 October, still on daylight time.
    expect((await query(t.key, { ...fall, interval: "week" })).json.rows).toEqual([{ start: "2026-10-26T04:00:00Z", local_start: "2026-10-26T00:00:00", count: 3 }]);
  });

  it("answers only the caller's account, even where another account has a call of the same id", async () => {
    const a = await billedTenant();
    const b = await billedTenant();
    await seed(a.accountId, [{ callId: "CAL-SHARED", startedAt: "2026-06-01T12:00:00Z", costMinor: 10, v2v: [100, 200] }]);
    await seed(b.accountId, [
      { callId: "CAL-SHARED", startedAt: "2026-06-01T12:00:00Z", costMinor: 500, v2v: [9000, 9000, 9000] },
      { startedAt: "2026-06-01T13:00:00Z", costMinor: 500 },
    ]);
    const params = { from: "2026-06-01T00:00:00Z", to: "2026-06-02T00:00:00Z", measures: "count,cost,v2v_p50" };
    expect((await query(a.key, params)).json.rows).toEqual([{ count: 1, cost: 10, v2v_p50: 150 }]);
    expect((await query(b.key, params)).json.rows).toEqual([{ count: 2, cost: 1000, v2v_p50: 9000 }]);
    // An account with no facts (and no billing side) gets no rows, in UTC.
    const none = await createTenant();
    expect((await query(none.key, params)).json).toEqual({ time_zone: "UTC", currency: null, source: "turns", rows: [] });
  });

  it("refuses bad input with a problem+json naming the parameter", async () => {
    const t = await createTenant();
    const range = { from: "2026-05-01T00:00:00Z", to: "2026-05-02T00:00:00Z" };
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ ...range, group_by: "caller" }, "group_by", /./],
      [{ ...range, measures: "count,v2v_p42" }, "measures.1", /unknown measure "v2v_p42"/],
      [{ ...range, measures: "" }, "measures", /at least one measure/],
      [{ from: range.to, to: range.from }, "to", /after from/],
      [{ from: "2025-01-01T00:00:00Z", to: "2026-02-06T00:00:00Z" }, "to", /at most 400 days/],
      [{ from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z", interval: "hour" }, "interval", /more than 1000 hour buckets/],
      [{ ...range, interval: "month" }, "interval", /./],
      [{ to: range.to }, "from", /./],
      [{ ...range, from: "2026-05-01" }, "from", /time zone/],
    ];
    for (const [params, path, message] of cases) {
      const res = await query(t.key, params);
      expect(res.status, JSON.stringify(params)).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.json.type).toBe("https://docs.ayb.dev/problems/validation-error");
      const issue = res.json.errors.find((e: { path: string }) => e.path === path);
      expect(issue, JSON.stringify(res.json.errors)).toBeDefined();
      expect(issue.message).toMatch(message);
    }
  });

  it("answers 503 billing-unavailable while Postgres is down", async () => {
    const t = await createTenant();
    const res = await worker.fetch(
      new Request("https://api.test/v1/analytics/calls?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z", { headers: { authorization: `Bearer ${t.key}` } }),
      { ...env, PG_WS_PROXY: "127.0.0.1:1/v1" },
      { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext,
    );
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("30");
    expect(((await res.json()) as { type: string }).type).toBe("https://docs.ayb.dev/problems/billing-unavailable");
  });

  it("refuses a request without valid credentials", async () => {
    const res = await api("ayb_live_not-a-key").get("/v1/analytics/calls?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z");
    expect(res.status).toBe(401);
  });
});
