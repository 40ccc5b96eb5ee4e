import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { liveAgentVersion } from "../../../shared/agents/live-agent.ts";
import { api, createTenant, type Tenant } from "../../../test/workers/api-client.ts";
import { fetchWithEnv } from "../../../test/workers/worker-with-env.ts";

const config = { system_prompt: "You answer the phone.", first_message: "Version one.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } };
const agentBody = () => ({ name: "Front desk", config });

/** The real KV namespace, except that writes (put, delete) fail when `fails` says so; n counts writes from 1. */
function flakyKv(fails: (n: number) => boolean): KVNamespace {
  let n = 0;
  const real = env.CONFIG_CACHE;
  return new Proxy(real, {
    get(target, prop: keyof KVNamespace) {
      const value = target[prop];
      if (typeof value !== "function") return value;
      if (prop !== "put" && prop !== "delete") return value.bind(target);
      return (...args: unknown[]) => (fails(++n) ? Promise.reject(new Error("KV unavailable")) : (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

const publishWith = async (t: Tenant, agentId: string, kv: KVNamespace) => {
  const res = await fetchWithEnv(new Request(`https://api.test/v1/agents/${agentId}/publish`, { method: "POST", headers: { authorization: `Bearer ${t.key}` } }), { CONFIG_CACHE: kv });
  return { status: res.status, json: await res.json<any>() };
};

const state = async (t: Tenant, agentId: string) => {
  const agent = await env.DB.prepare("SELECT live_version, latest_version FROM agents WHERE id = ?").bind(agentId).first();
  const versions = (await env.DB.prepare("SELECT version FROM agent_versions WHERE agent_id = ? ORDER BY version").bind(agentId).all<{ version: number }>()).results.map((r) => r.version);
  const log = (await api(t.key).get("/v1/audit-log?limit=100")).json.data as { action: string; resource: string; detail: { version?: number } | null }[];
  const publishes = log.filter((e) => e.action === "POST /v1/agents/:id/publish").map((e) => e.detail?.version);
  return { agent, versions, publishes };
};

describe("publishing an agent either happens, with its audit entry, or not at all, as the client is told", () => {
  it("fails with nothing changed when the cache cannot be cleared before the commit", async () => {
    const t = await createTenant();
    const agent = (await api(t.key).post("/v1/agents", agentBody())).json;
    const res = await publishWith(t, agent.id, flakyKv(() => true));
    expect(res.status).toBe(500);
    expect(await state(t, agent.id)).toEqual({ agent: { live_version: null, latest_version: 0 }, versions: [], publishes: [] });
  });

  it("answers 201 when KV fails after the commit, and calls run the new version (D1 is the truth)", async () => {
    const t = await createTenant();
    const agent = (await api(t.key).post("/v1/agents", agentBody())).json;
    expect((await api(t.key).post(`/v1/agents/${agent.id}/publish`)).status).toBe(201);
    // The agent's view cached at the edge, pointing at version 1.
    await api(t.key).get(`/v1/agents/${agent.id}`);
    await api(t.key).patch(`/v1/agents/${agent.id}`, { config: { ...config, first_message: "Version two." } });
    await api(t.key).get(`/v1/agents/${agent.id}`);

    // The first KV write (the delete before the commit) succeeds; every later one fails.
    const res = await publishWith(t, agent.id, flakyKv((n) => n > 1));
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ version: 2, live: true });
    expect(await state(t, agent.id)).toEqual({ agent: { live_version: 2, latest_version: 2 }, versions: [1, 2], publishes: [2, 1] });
    const live = await liveAgentVersion(env, t.accountId, agent.id);
    expect(live).toMatchObject({ version: 2, config: { first_message: "Version two." } });
  });

  it("refuses a draft that cannot be serialised before anything is committed", async () => {
    const t = await createTenant();
    const agent = (await api(t.key).post("/v1/agents", agentBody())).json;
    // Stored directly: too deep for JSON.stringify (the API's own input limits are not what this test is about).
    const depth = 20_000;
    const draft = await env.DB.prepare("SELECT draft FROM agents WHERE id = ?").bind(agent.id).first<{ draft: string }>();
    const deep = `${draft!.draft.slice(0, -1)},"metadata":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    await env.DB.prepare("UPDATE agents SET draft = ? WHERE id = ?").bind(deep, agent.id).run();

    const res = await api(t.key).post(`/v1/agents/${agent.id}/publish`);
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: "config", message: "cannot be serialised" }]);
    expect(await state(t, agent.id)).toEqual({ agent: { live_version: null, latest_version: 0 }, versions: [], publishes: [] });
  });
});
