import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { api, createTenant } from "../../../test/workers/api-client.ts";

export const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

export const agentBody = (overrides: Record<string, unknown> = {}) => ({
  name: "Front desk",
  config: {
    system_prompt: "You are the front desk of Acme Dental. Be brief.",
    first_message: "Hi, Acme Dental, how can I help?",
    llm: { model: HAIKU },
    tools: [
      {
        type: "http",
        name: "lookup_appointment",
        description: "Find the caller's next appointment",
        url: "https://crm.acme.test/appointments",
        headers: { authorization: { secret: "Bearer s3cr3t-token" }, "x-tenant": { value: "acme" } },
      },
      { type: "end_call" },
    ],
    ...overrides,
  },
});

describe("agents", () => {
  it("creates a draft with defaults applied, secrets sealed and redacted", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/agents", agentBody());
    expect(res.status).toBe(201);
    expect(res.json.id).toMatch(ID_PATTERNS.agent);
    expect(res.json.live_version).toBeNull();
    expect(res.json.draft.voice).toBe("aura-2-thalia-en");
    expect(res.json.draft.stt.endpointing_ms).toBe(300);
    expect(res.json.draft.tools[0].headers).toEqual({ authorization: { secret_set: true }, "x-tenant": { value: "acme" } });
    expect(res.text).not.toContain("s3cr3t");
    const stored = await env.DB.prepare("SELECT draft FROM agents WHERE id = ?").bind(res.json.id).first<{ draft: string }>();
    expect(stored!.draft).not.toContain("s3cr3t");
    expect(stored!.draft).toContain('"sealed"');
  });

  it("rejects an invalid configuration with every issue listed", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/agents", {
      name: "x",
      config: { system_prompt: "", llm: { model: "gpt-4", temperature: 3 }, voice: "robot", tools: [{ type: "http", name: "1bad", url: "ftp://x" }] },
    });
    expect(res.status).toBe(422);
    const paths = res.json.errors.map((e: { path: string }) => e.path);
    for (const p of ["config.system_prompt", "config.llm.model", "config.llm.temperature", "config.voice"]) expect(paths).toContain(p);
    const { results } = await env.DB.prepare("SELECT id FROM agents WHERE account_id = ?").bind(t.accountId).all();
    expect(results).toHaveLength(0);
  });

  it("accepts a Flux agent with its end-of-turn settings, and refuses them out of range or on a Nova model, at the field", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const flux = { model: "flux-general-en", eot_threshold: 0.75, eager_eot_threshold: 0.5, eot_timeout_ms: 4000 };
    const ok = await a.post("/v1/agents", agentBody({ stt: flux }));
    expect(ok.status).toBe(201);
    expect(ok.json.draft.stt).toMatchObject(flux);

    const cases: [Record<string, unknown>, string, string][] = [
      [{ model: "flux-general-en", eot_threshold: 0.95 }, "config.stt.eot_threshold", "0.9"],
      [{ model: "flux-general-en", eot_threshold: 0.45 }, "config.stt.eot_threshold", "0.5"],
      [{ model: "flux-general-en", eager_eot_threshold: 0.2 }, "config.stt.eager_eot_threshold", "0.3"],
      [{ model: "flux-general-en", eager_eot_threshold: 0.8 }, "config.stt.eager_eot_threshold", "at most eot_threshold"],
      [{ model: "flux-general-en", eot_threshold: 0.6, eager_eot_threshold: 0.65 }, "config.stt.eager_eot_threshold", "at most eot_threshold"],
      [{ model: "flux-general-en", eot_timeout_ms: 400 }, "config.stt.eot_timeout_ms", "500"],
      [{ model: "flux-general-en", eot_timeout_ms: 60_001 }, "config.stt.eot_timeout_ms", "60000"],
      [{ model: "nova-3", eot_threshold: 0.7 }, "config.stt.eot_threshold", "Flux models only"],
      [{ model: "flux-general-xx" }, "config.stt.model", ""],
      [{ model: "flux-general-en", language: "es" }, "config.stt.language", "English only"],
    ];
    for (const [stt, path, message] of cases) {
      const res = await a.post("/v1/agents", agentBody({ stt }));
      expect(res.status, JSON.stringify(stt)).toBe(422);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const issue = res.json.errors.find((e: { path: string }) => e.path === path);
      expect(issue, `${JSON.stringify(stt)}: ${JSON.stringify(res.json.errors)}`).toBeDefined();
      expect(JSON.stringify(issue)).toContain(message);
    }
  });

  it("publishes immutable versions, rolls back, and serves the change through the cache", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const { json: agent } = await a.post("/v1/agents", agentBody());
    expect((await a.get(`/v1/agents/${agent.id}`)).json.live_version).toBeNull(); // warms the cache

    const v1 = await a.post(`/v1/agents/${agent.id}/publish`);
    expect(v1.status).toBe(201);
    expect(v1.json).toMatchObject({ version: 1, live: true });
    expect((await a.get(`/v1/agents/${agent.id}`)).json.live_version).toBe(1);

    const edited = await a.patch(`/v1/agents/${agent.id}`, agentBody({ first_message: "Hello from v2", tools: [] }));
    expect(edited.status).toBe(200);
    expect((await a.get(`/v1/agents/${agent.id}/versions/1`)).json.config.first_message).toBe("Hi, Acme Dental, how can I help?");

    const v2 = await a.post(`/v1/agents/${agent.id}/publish`);
    expect(v2.json.version).toBe(2);
    expect(v2.json.config.first_message).toBe("Hello from v2");

    const rolled = await a.post(`/v1/agents/${agent.id}/rollback`, { version: 1 });
    expect(rolled.status).toBe(200);
    expect(rolled.json.live_version).toBe(1);
    expect((await a.get(`/v1/agents/${agent.id}`)).json.live_version).toBe(1);

    const versions = await a.get(`/v1/agents/${agent.id}/versions?limit=1`);
    expect(versions.json.data.map((v: { version: number; live: boolean }) => [v.version, v.live])).toEqual([[2, false]]);
    const next = await a.get(`/v1/agents/${agent.id}/versions?limit=1&cursor=${versions.json.next_cursor}`);
    expect(next.json.data.map((v: { version: number; live: boolean }) => [v.version, v.live])).toEqual([[1, true]]);
    expect(next.json.next_cursor).toBeNull();

    expect((await a.post(`/v1/agents/${agent.id}/rollback`, { version: 9 })).status).toBe(422);
    const cached = await env.CONFIG_CACHE.get(`agent-version:${agent.id}:1`, "json");
    expect(cached).toMatchObject({ account_id: t.accountId, version: 1 });
  });

  it("keeps a stored secret when the draft sends secret_set back, and refuses one that was never set", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const { json: agent } = await a.post("/v1/agents", agentBody());
    const before = await env.DB.prepare("SELECT draft FROM agents WHERE id = ?").bind(agent.id).first<{ draft: string }>();
    const sealed = JSON.parse(before!.draft).tools[0].headers.authorization.sealed;

    const kept = await a.patch(`/v1/agents/${agent.id}`, { config: agent.draft });
    expect(kept.status).toBe(200);
    const after = await env.DB.prepare("SELECT draft FROM agents WHERE id = ?").bind(agent.id).first<{ draft: string }>();
    expect(JSON.parse(after!.draft).tools[0].headers.authorization.sealed).toEqual(sealed);

    const bad = structuredClone(agent.draft);
    bad.tools[0].headers["x-new"] = { secret_set: true };
    const res = await a.patch(`/v1/agents/${agent.id}`, { config: bad });
    expect(res.status).toBe(422);
    expect(res.json.detail).toContain("x-new");
  });

  it("archives an agent only when no number routes to it", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const { json: agent } = await a.post("/v1/agents", agentBody());
    await env.DB.prepare("INSERT INTO phone_numbers (id, account_id, e164, source, agent_id, status, created_at, updated_at) VALUES ('PN-2222222222', ?, '+14155550100', 'twilio', ?, 'active', '2026-01-01', '2026-01-01')")
      .bind(t.accountId, agent.id)
      .run();
    const refused = await a.delete(`/v1/agents/${agent.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain("+14155550100");
    await env.DB.prepare("UPDATE phone_numbers SET agent_id = NULL WHERE id = 'PN-2222222222'").run();
    const archived = await a.delete(`/v1/agents/${agent.id}`);
    expect(archived.json.status).toBe("archived");
    expect((await a.post(`/v1/agents/${agent.id}/publish`)).status).toBe(409);
  });

  it("never shows one tenant's agent to another, even from a warm cache", async () => {
    const [t1, t2] = [await createTenant(), await createTenant()];
    const { json: agent } = await api(t1.key).post("/v1/agents", agentBody());
    await api(t1.key).get(`/v1/agents/${agent.id}`);
    for (const res of [
      await api(t2.key).get(`/v1/agents/${agent.id}`),
      await api(t2.key).patch(`/v1/agents/${agent.id}`, { name: "stolen" }),
      await api(t2.key).post(`/v1/agents/${agent.id}/publish`),
      await api(t2.key).get(`/v1/agents/${agent.id}/versions`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.text).not.toContain("Front desk");
    }
    expect((await api(t2.key).get("/v1/agents")).json.data).toEqual([]);
  });

  it("replays an idempotent publish instead of publishing twice, and refuses the key for another request", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const { json: agent } = await a.post("/v1/agents", agentBody());
    const first = await a.post(`/v1/agents/${agent.id}/publish`, {}, { "idempotency-key": "pub-1" });
    const again = await a.post(`/v1/agents/${agent.id}/publish`, {}, { "idempotency-key": "pub-1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    expect((await a.get(`/v1/agents/${agent.id}`)).json.latest_version).toBe(1);

    const other = await a.post("/v1/agents", agentBody({ first_message: "other" }), { "idempotency-key": "pub-1" });
    expect(other.status).toBe(422);
    expect(other.json.type).toBe("https://docs.ayb.dev/problems/idempotency-key-reused");
    const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE account_id = ? AND action LIKE '%publish'").bind(t.accountId).first<{ n: number }>();
    expect(audit!.n).toBe(1);
  });

  it("pages through agents with a cursor", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await a.post("/v1/agents", { ...agentBody(), name: `A${i}` })).json.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await a.get(`/v1/agents?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.json.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.data.map((x: { id: string }) => x.id));
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(ids.sort());
    expect((await a.get("/v1/agents?cursor=garbage")).status).toBe(422);
  });
});
