import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { inboundParams, parseConnect, telephonyTenant, twilioPost } from "../../test/workers/telephony-fixtures.ts";
import { newAccountId, newAgentId } from "../ids.ts";
import { agentKey, agentVersionKey, cacheAgentIfCurrent, type AgentStamp } from "./agent-config-cache.ts";
import { liveAgentVersion } from "./live-agent.ts";

const LLM = { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" };

/** The agent's row as the API view's stamp, read straight from D1. */
async function stampOf(agentId: string): Promise<AgentStamp> {
  const row = await env.DB.prepare("SELECT id, status, live_version, latest_version, updated_at FROM agents WHERE id = ?").bind(agentId).first<AgentStamp>();
  return row!;
}

/** The agent version the inbound call's record says it runs. */
async function inboundCallVersion(t: Awaited<ReturnType<typeof telephonyTenant>>): Promise<number> {
  const res = await twilioPost("/twilio/voice", inboundParams(t), t.authToken);
  const callId = parseConnect(res.text).params.call_id;
  expect(callId, res.text).toBeDefined();
  return (await env.DB.prepare("SELECT agent_version FROM calls WHERE id = ?").bind(callId).first<{ agent_version: number }>())!.agent_version;
}

/** GET /v1/agents/{id} fills KV after answering; wait until that write has landed. */
async function warmAgentView(key: string, agentId: string) {
  expect((await api(key).get(`/v1/agents/${agentId}`)).status).toBe(200);
  await vi.waitFor(async () => expect(await env.CONFIG_CACHE.get(agentKey(agentId))).not.toBeNull(), { timeout: 10_000, interval: 10 });
}

describe("the call path's agent configuration", () => {
  it("comes from KV first: a cached live pointer and version are used without touching D1", async () => {
    // Neither the agent nor its version exists in D1: only KV can answer.
    const accountId = newAccountId();
    const agentId = newAgentId();
    const config = { system_prompt: "served from KV", llm: LLM, tools: [] };
    await env.CONFIG_CACHE.put(agentKey(agentId), JSON.stringify({ account_id: accountId, view: { id: agentId, status: "active", live_version: 3 } }));
    await env.CONFIG_CACHE.put(agentVersionKey(agentId, 3), JSON.stringify({ account_id: accountId, agent_id: agentId, version: 3, config }));

    expect(await liveAgentVersion(env, accountId, agentId)).toEqual({ account_id: accountId, agent_id: agentId, version: 3, config });
    // A KV hit is never trusted across tenants.
    expect(await liveAgentVersion(env, newAccountId(), agentId)).toBeUndefined();
  });

  it("follows publish and rollback: a call after a rollback runs the rolled-back version, with the agent's view warm in KV", async () => {
    const t = await telephonyTenant();
    const a = api(t.key);
    expect((await a.patch(`/v1/agents/${t.agentId}`, { config: { system_prompt: "Version two.", llm: LLM } })).status).toBe(200);
    expect((await a.post(`/v1/agents/${t.agentId}/publish`)).status).toBe(201);
    await warmAgentView(t.key, t.agentId);
    expect(await inboundCallVersion(t)).toBe(2);

    expect((await a.post(`/v1/agents/${t.agentId}/rollback`, { version: 1 })).status).toBe(200);
    expect(await inboundCallVersion(t)).toBe(1);
    await warmAgentView(t.key, t.agentId);
    expect(await inboundCallVersion(t)).toBe(1);
    expect((await liveAgentVersion(env, t.accountId, t.agentId))?.config.system_prompt).toBe("You answer the phone.");
  });

  it("is not re-cached from a read that a publish overtook: the older view never outlives the publish", async () => {
    const t = await telephonyTenant();
    const before = await stampOf(t.agentId);
    expect(before.live_version).toBe(1);

    // GET read the agent (v1 live), then a publish committed and dropped the cache, then GET's deferred write ran.
    expect((await api(t.key).post(`/v1/agents/${t.agentId}/publish`)).status).toBe(201);
    await cacheAgentIfCurrent(env, { account_id: t.accountId, view: before });
    expect(await env.CONFIG_CACHE.get(agentKey(t.agentId))).toBeNull();
    expect((await liveAgentVersion(env, t.accountId, t.agentId))?.version).toBe(2);
    expect(await inboundCallVersion(t)).toBe(2);

    // A view that is still current is kept.
    const now = await stampOf(t.agentId);
    await cacheAgentIfCurrent(env, { account_id: t.accountId, view: now });
    expect(await env.CONFIG_CACHE.get(agentKey(t.agentId), "json")).toEqual({ account_id: t.accountId, view: now });
  });
});
