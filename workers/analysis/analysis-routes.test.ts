import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api, createTenant, type Tenant } from "../../test/workers/api-client.ts";
import { agentWithAnalysis, BOOKING_CALL, finishedCall, FULL_ANALYSIS } from "./testing-fixtures.ts";

/** Waits (with a deadline) until the call's analysis of this version is settled by the real queue consumer. */
const settled = (t: Tenant, callId: string, version: number) =>
  vi.waitFor(
    async () => {
      const analysis = (await api(t.key).get(`/v1/calls/${callId}`)).json.analysis.find((a: { analysis_version: number }) => a.analysis_version === version);
      if (!analysis || analysis.status === "queued") throw new Error(`analysis ${version} of ${callId} not settled: ${JSON.stringify(analysis)}`);
      return analysis;
    },
    { timeout: 30_000, interval: 100 },
  );

const listed = async (t: Tenant, query: string) => (await api(t.key).get(`/v1/calls?${query}`)).json.data.map((c: { id: string }) => c.id);

describe("POST /v1/calls/{id}/analyze", () => {
  it("queues a new analysis version that the queue settles; lists filter on the latest analysis", { timeout: 90_000 }, async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, BOOKING_CALL);
    const quiet = await finishedCall(t, agent, [["agent", "Hello?"], ["caller", "Wrong number, this is terrible."], ["agent", "Sorry. I will arrange a callback."]]);

    const first = await api(t.key).post(`/v1/calls/${callId}/analyze`);
    expect(first.status).toBe(202);
    expect(first.json).toEqual({ call_id: callId, analysis_version: 1, agent_version: agent.version, status: "queued" });
    expect(await settled(t, callId, 1)).toMatchObject({ status: "succeeded", sentiment: "positive", disposition: "booked", succeeded: true });
    expect((await api(t.key).post(`/v1/calls/${quiet}/analyze`)).status).toBe(202);
    expect(await settled(t, quiet, 1)).toMatchObject({ status: "succeeded", sentiment: "negative", disposition: "callback", succeeded: false });

    expect(await listed(t, "sentiment=positive")).toEqual([callId]);
    expect(await listed(t, "disposition=callback")).toEqual([quiet]);
    expect(await listed(t, "success=false")).toEqual([quiet]);
    expect(await listed(t, "success=true&disposition=callback")).toEqual([]);

    const again = await api(t.key).post(`/v1/calls/${callId}/analyze`);
    expect(again.json.analysis_version).toBe(2);
    await settled(t, callId, 2);
    const analyses = (await api(t.key).get(`/v1/calls/${callId}`)).json.analysis;
    expect(analyses.map((a: { analysis_version: number }) => a.analysis_version)).toEqual([2, 1]);
  });

  it("analyses an EU account's call from its transcript in DB_EU, and stores the analysis there only", { timeout: 60_000 }, async () => {
    const t = await createTenant({ region: "eu" });
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, BOOKING_CALL, "completed", "eu");
    expect(callId).toMatch(/^CAL-EU-/);
    const res = await api(t.key).post(`/v1/calls/${callId}/analyze`);
    expect(res.status, res.text).toBe(202);
    // The booking's answers come from the transcript, which only DB_EU holds.
    expect(await settled(t, callId, 1)).toMatchObject({ status: "succeeded", sentiment: "positive", disposition: "booked", succeeded: true });
    const analyses = async (db: D1Database) => (await db.prepare("SELECT analysis_version, status FROM call_analyses WHERE call_id = ?").bind(callId).all()).results;
    expect(await analyses(env.DB_EU)).toEqual([{ analysis_version: 1, status: "succeeded" }]);
    expect(await analyses(env.DB)).toEqual([]);
    expect(await listed(t, "disposition=booked")).toEqual([callId]);
  });

  it("refuses a call that has not ended, and an agent that turned the summary off and asks for nothing else, with 409", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const live = await finishedCall(t, agent, BOOKING_CALL, "in-progress");
    const res = await api(t.key).post(`/v1/calls/${live}/analyze`);
    expect([res.status, res.json.type]).toEqual([409, "https://docs.ayb.dev/problems/conflict"]);
    const silent = await agentWithAnalysis(t, { summary: false });
    const other = await finishedCall(t, silent, BOOKING_CALL);
    const refused = await api(t.key).post(`/v1/calls/${other}/analyze`);
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toMatch(/no live version that asks for an analysis/);
    // Without any `analysis` config, the summary is still asked for.
    const plain = await agentWithAnalysis(t, undefined);
    expect((await api(t.key).post(`/v1/calls/${await finishedCall(t, plain, BOOKING_CALL)}/analyze`)).status).toBe(202);
  });

  it("is a 404 for another tenant's call, which keeps no analysis; the filters never show another tenant's calls", { timeout: 60_000 }, async () => {
    const owner = await createTenant();
    const intruder = await createTenant();
    const agent = await agentWithAnalysis(owner, FULL_ANALYSIS);
    const callId = await finishedCall(owner, agent, BOOKING_CALL);
    const res = await api(intruder.key).post(`/v1/calls/${callId}/analyze`);
    expect([res.status, res.json.type]).toEqual([404, "https://docs.ayb.dev/problems/not-found"]);
    expect((await api(owner.key).get(`/v1/calls/${callId}`)).json.analysis).toEqual([]);
    await api(owner.key).post(`/v1/calls/${callId}/analyze`);
    await settled(owner, callId, 1);
    expect(await listed(intruder, "sentiment=positive")).toEqual([]);
  });

  it("needs calls:write", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, BOOKING_CALL);
    const key = await api(t.key).post("/v1/api-keys", { name: "reader", scopes: ["calls:read"] });
    const res = await api(key.json.key).post(`/v1/calls/${callId}/analyze`);
    expect(res.status).toBe(403);
  });
});
