import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant, type Tenant } from "../../test/workers/api-client.ts";
import { finishedCall, MODEL } from "../analysis/testing-fixtures.ts";
import { deliver } from "../analysis/testing-delivery.ts";
import { COMPLIANT_CALL, QUALITY, VIOLATING_CALL, VIOLATIONS } from "./testing-quality.ts";

/** An agent with QUALITY published as version 1, then (unchanged) as version 2. */
async function agentWithTwoVersions(t: Tenant) {
  const created = await api(t.key).post("/v1/agents", { name: "Front desk", config: { system_prompt: "Be brief.", llm: { model: MODEL }, quality: QUALITY } });
  const v1 = await api(t.key).post(`/v1/agents/${created.json.id}/publish`);
  const v2 = await api(t.key).post(`/v1/agents/${created.json.id}/publish`);
  expect([v1.json.version, v2.json.version]).toEqual([1, 2]);
  return created.json.id as string;
}

/** A judged call of that version: the transcript in the region's D1 and its analysis settled by the consumer. */
async function judgedCall(t: Tenant, id: string, version: number, turns: ["caller" | "agent", string][], region: "us" | "eu" = "us") {
  const callId = await finishedCall(t, { id, version }, turns, "completed", region);
  await deliver(t, callId, { id, version });
  return callId;
}

const today = () => new Date().toISOString().slice(0, 10);

describe("GET /v1/agents/{id}/quality and /coaching", () => {
  it("returns score and violation trends per agent version, and the lowest-scoring calls with suggestions and evidence", async () => {
    const t = await createTenant();
    const id = await agentWithTwoVersions(t);
    const good = await judgedCall(t, id, 1, COMPLIANT_CALL);
    const bad = await judgedCall(t, id, 1, VIOLATING_CALL);
    await judgedCall(t, id, 2, COMPLIANT_CALL);

    const res = await api(t.key).get(`/v1/agents/${id}/quality`);
    expect(res.status).toBe(200);
    const byKind = { required_phrase: 1, forbidden_phrase: 1, sensitive_readback: 1, policy: 1 };
    const byCheck = { recording: 1, guarantee: 1, sensitive_readback: 1, no_medical_advice: 1 };
    expect(res.json.series).toEqual([
      { period_start: today(), agent_version: 1, calls: 2, scored_calls: 2, average_score: 62.5, violations: 4, calls_with_violations: 1, violations_by_kind: byKind, violations_by_check: byCheck },
      { period_start: today(), agent_version: 2, calls: 1, scored_calls: 1, average_score: 100, violations: 0, calls_with_violations: 0, violations_by_kind: {}, violations_by_check: {} },
    ]);
    const weekly = await api(t.key).get(`/v1/agents/${id}/quality?interval=week`);
    expect(weekly.json.series.map((p: { calls: number }) => p.calls)).toEqual([2, 1]);
    // A range that ended before the calls holds none of them.
    expect((await api(t.key).get(`/v1/agents/${id}/quality?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`)).json.series).toEqual([]);

    const coaching = await api(t.key).get(`/v1/agents/${id}/coaching?limit=2&agent_version=1`);
    expect(coaching.status).toBe(200);
    expect(coaching.json.calls.map((c: { call_id: string; score: number }) => [c.call_id, c.score])).toEqual([
      [bad, 25],
      [good, 100],
    ]);
    expect(coaching.json.calls[0]).toMatchObject({
      agent_version: 1,
      analysis_version: 1,
      criteria: [
        { id: "disclosure", weight: 3, score: 0, evidence: VIOLATING_CALL[0]![1] },
        { id: "greeting", weight: 1, score: 10, evidence: VIOLATING_CALL[0]![1] },
      ],
      violations: VIOLATIONS,
      suggestions: [{ suggestion: 'Add to the prompt: say "virtual assistant".', evidence: VIOLATING_CALL[0]![1] }],
    });
    expect((await api(t.key).get(`/v1/agents/${id}/coaching?limit=1`)).json.calls.map((c: { call_id: string }) => c.call_id)).toEqual([bad]);
  });

  it("counts a re-analysed call once, by its latest analysis", async () => {
    const t = await createTenant();
    const id = await agentWithTwoVersions(t);
    const callId = await judgedCall(t, id, 1, VIOLATING_CALL);
    await deliver(t, callId, { id, version: 1 }, 2);
    const series = (await api(t.key).get(`/v1/agents/${id}/quality`)).json.series;
    expect(series.map((p: { calls: number; violations: number }) => [p.calls, p.violations])).toEqual([[1, 4]]);
  });

  it("reads an EU account's trends and coaching from its analyses in DB_EU", async () => {
    const t = await createTenant({ region: "eu" });
    const id = await agentWithTwoVersions(t);
    const bad = await judgedCall(t, id, 1, VIOLATING_CALL, "eu");
    const good = await judgedCall(t, id, 2, COMPLIANT_CALL, "eu");
    const analyses = async (db: D1Database) => (await db.prepare("SELECT count(*) AS n FROM call_analyses WHERE account_id = ?").bind(t.accountId).first<{ n: number }>())!.n;
    expect([await analyses(env.DB_EU), await analyses(env.DB)]).toEqual([2, 0]);

    const series = (await api(t.key).get(`/v1/agents/${id}/quality`)).json.series;
    expect(series.map((p: { agent_version: number; calls: number; average_score: number; violations: number }) => [p.agent_version, p.calls, p.average_score, p.violations])).toEqual([
      [1, 1, 25, 4],
      [2, 1, 100, 0],
    ]);
    const coaching = await api(t.key).get(`/v1/agents/${id}/coaching`);
    expect(coaching.json.calls.map((c: { call_id: string; score: number }) => [c.call_id, c.score])).toEqual([
      [bad, 25],
      [good, 100],
    ]);
    expect(coaching.json.calls[0].violations).toEqual(VIOLATIONS);
  });

  it("answers 404 for another tenant's agent, and shows nothing of it", async () => {
    const owner = await createTenant();
    const other = await createTenant();
    const id = await agentWithTwoVersions(owner);
    await judgedCall(owner, id, 1, VIOLATING_CALL);
    for (const path of [`/v1/agents/${id}/quality`, `/v1/agents/${id}/coaching`]) {
      const res = await api(other.key).get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(res.json.type).toBe("https://docs.ayb.dev/problems/not-found");
    }
  });

  it.each([
    ["/quality?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
    ["/quality?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"],
    ["/quality?to=yesterday", "to"],
    ["/quality?interval=month", "interval"],
    ["/coaching?limit=0", "limit"],
    ["/coaching?agent_version=x", "agent_version"],
  ])("refuses %s with a problem naming the parameter", async (suffix, path) => {
    const t = await createTenant();
    const id = await agentWithTwoVersions(t);
    const res = await api(t.key).get(`/v1/agents/${id}${suffix}`);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});
