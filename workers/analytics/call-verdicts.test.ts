import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { billedTenant } from "../../test/workers/billing-fixtures.ts";
import { consumeUsage } from "../queue/usage-consumer.ts";
import { seedFacts } from "./testing-fixtures.ts";

const query = (key: string, params: Record<string, string>) => api(key).get(`/v1/analytics/calls?${new URLSearchParams(params)}`);

/** Delivers verdict messages to the facts' consumer, as the analysis consumer sends them (one batch, in order). */
async function deliverVerdicts(accountId: string, verdicts: [callId: string, version: number, succeeded: boolean | null][]) {
  const ctx = createExecutionContext();
  const batch = createMessageBatch(
    "call-events",
    verdicts.map(([callId, version, succeeded], i) => ({
      id: `v${i}`,
      timestamp: new Date(),
      attempts: 1,
      body: { type: "call.verdict", account_id: accountId, call_id: callId, analysis_version: version, succeeded },
    })),
  );
  await consumeUsage(batch, env);
  return getQueueResult(batch, ctx);
}

describe("success_rate: analysis verdicts in the call facts", () => {
  it("counts each call's latest verdict once, in the raw rows and the rollups alike, and is null without verdicts", async () => {
    const t = await billedTenant({ time_zone: "UTC" });
    const call = (callId: string, startedAt: string, agentId = "AGT-AAAAAAAAAA") => ({ callId: `${t.accountId}-${callId}`, startedAt, agentId });
    const id = (name: string) => `${t.accountId}-${name}`;
    // 10:00 hour: A, B, C by agent A, D by agent B; 11:00 hour: E, never judged.
    await seedFacts(t.accountId, [
      call("A", "2026-05-04T10:05:00Z"),
      call("B", "2026-05-04T10:15:00Z"),
      call("C", "2026-05-04T10:25:00Z"),
      call("D", "2026-05-04T10:35:00Z", "AGT-BBBBBBBBBB"),
      call("E", "2026-05-04T11:05:00Z"),
    ]);
    const delivered = await deliverVerdicts(t.accountId, [
      [id("A"), 1, true],
      [id("A"), 1, true], // a redelivery: counted once
      [id("B"), 1, false],
      [id("B"), 2, true], // a re-run: replaces B's verdict (false → true)
      [id("C"), 2, false],
      [id("C"), 1, true], // an older version arriving late: ignored
      [id("D"), 1, null], // analysed without a verdict (a descriptive rubric, a failed analysis): not judged
      [id("Z"), 1, true], // no facts yet (its usage message still queued): retried
    ]);
    expect(delivered.explicitAcks).toEqual(["v0", "v1", "v2", "v3", "v4", "v5", "v6"]);
    expect(delivered.retryMessages.map((m) => m.msgId)).toEqual(["v7"]);

    // By hand: 10:00 holds A ✓, B ✓ (v2), C ✗ (v2), D (no verdict): 2 of 3 judged; 11:00 has none judged.
    // Agent A: 2 of 3; agent B: none judged.
    const day = { from: "2026-05-04T00:00:00Z", to: "2026-05-07T00:00:00Z", measures: "count,success_rate" };
    const raw = { ...day, from: "2026-05-03T23:59:59Z" };
    for (const [params, source] of [[day, "rollups"], [raw, "turns"]] as const) {
      const hourly = await query(t.key, { ...params, interval: "hour" });
      expect([hourly.status, hourly.json.source]).toEqual([200, source]);
      expect(hourly.json.rows.map((r: Record<string, unknown>) => [r.start, r.count, r.success_rate])).toEqual([
        ["2026-05-04T10:00:00Z", 4, 0.6667],
        ["2026-05-04T11:00:00Z", 1, null],
      ]);
      const byAgent = await query(t.key, { ...params, group_by: "agent" });
      expect(byAgent.json.rows).toEqual([
        { agent_id: "AGT-AAAAAAAAAA", count: 4, success_rate: 0.6667 },
        { agent_id: "AGT-BBBBBBBBBB", count: 1, success_rate: null },
      ]);
    }

    // The daily rollups moved with the hourly ones: a week by day and agent reads them.
    const week = { from: "2026-05-01T00:00:00Z", to: "2026-05-08T00:00:00Z", measures: "count,success_rate" };
    const byDay = await query(t.key, { ...week, interval: "day", group_by: "agent" });
    expect([byDay.json.source, byDay.json.rows.map((r: Record<string, unknown>) => [r.start, r.agent_id, r.count, r.success_rate])]).toEqual([
      "daily_rollups",
      [
        ["2026-05-04T00:00:00Z", "AGT-AAAAAAAAAA", 4, 0.6667],
        ["2026-05-04T00:00:00Z", "AGT-BBBBBBBBBB", 1, null],
      ],
    ]);

    // A later re-run without a verdict takes A out of the judged calls: 1 of 2, hourly and daily.
    await deliverVerdicts(t.accountId, [[id("A"), 2, null]]);
    const total = await query(t.key, { ...day, group_by: "direction" });
    expect(total.json.rows).toEqual([{ direction: "inbound", count: 5, success_rate: 0.5 }]);
    const weekTotal = await query(t.key, { ...week, group_by: "direction" });
    expect([weekTotal.json.source, weekTotal.json.rows]).toEqual(["daily_rollups", [{ direction: "inbound", count: 5, success_rate: 0.5 }]]);
  }, 30_000);
});
