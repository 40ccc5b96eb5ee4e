import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { api, createTenant } from "../../../test/workers/api-client.ts";

const keyCount = async (accountId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE account_id = ?").bind(accountId).first<{ n: number }>())!.n;

describe("api keys", () => {
  it("creates a key shown once, limited to the scopes it was given", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/api-keys", { name: "CI", scopes: ["agents:read", "agents:write"] });
    expect(res.status).toBe(201);
    const owner = await env.DB.prepare("SELECT id FROM api_keys WHERE account_id = ? AND name = 'Owner key'").bind(t.accountId).first<{ id: string }>();
    expect(res.json).toMatchObject({ name: "CI", scopes: ["agents:read", "agents:write"], created_by: `key:${owner!.id}`, revoked_at: null, last_used_at: null });
    expect(res.json.id).toMatch(ID_PATTERNS.apiKey);
    expect(res.json.key).toMatch(/^ayb_live_[0-9A-Za-z]{32}$/);
    expect(res.json.prefix).toBe(res.json.key.slice(0, 13));

    const stored = await env.DB.prepare("SELECT hash FROM api_keys WHERE id = ?").bind(res.json.id).first<{ hash: string }>();
    expect(stored!.hash).not.toContain(res.json.key);

    const ci = api(res.json.key);
    expect((await ci.get("/v1/agents")).status).toBe(200);
    const denied = await ci.get("/v1/users");
    expect(denied.status).toBe(403);
    expect(denied.json.required_scope).toBe("users:read");
  });

  it("lists keys across pages without ever returning a secret or hash", async () => {
    const t = await createTenant();
    const secrets = [t.key];
    for (let i = 0; i < 4; i++) secrets.push((await api(t.key).post("/v1/api-keys", { name: `k${i}`, scopes: ["calls:read"] })).json.key);
    const hashes = (await env.DB.prepare("SELECT hash FROM api_keys WHERE account_id = ?").bind(t.accountId).all<{ hash: string }>()).results.map((r) => r.hash);

    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<ReturnType<typeof api>["get"]>> = await api(t.key).get(`/v1/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      for (const secret of [...secrets, ...hashes]) expect(page.text).not.toContain(secret);
      for (const key of page.json.data) expect(Object.keys(key).sort()).toEqual(["created_at", "created_by", "id", "last_used_at", "name", "prefix", "revoked_at", "scopes"]);
      names.push(...page.json.data.map((k: { name: string }) => k.name));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(names.sort()).toEqual(["Owner key", "k0", "k1", "k2", "k3"]);
  });

  it("records when a key was last used", async () => {
    const t = await createTenant();
    const { json: created } = await api(t.key).post("/v1/api-keys", { name: "reader", scopes: ["keys:read"] });
    await api(created.key).get("/v1/accounts/me"); // 403, but the key itself was valid and used
    await vi.waitFor(async () => {
      const { json } = await api(created.key).get("/v1/api-keys?limit=1");
      expect(json.data[0]).toMatchObject({ id: created.id, last_used_at: expect.any(String) });
    });
  });

  it("refuses to grant scopes the caller does not hold and stores nothing", async () => {
    const t = await createTenant();
    const { json: narrow } = await api(t.key).post("/v1/api-keys", { name: "narrow", scopes: ["keys:write", "agents:read"] });
    const before = await keyCount(t.accountId);
    const res = await api(narrow.key).post("/v1/api-keys", { name: "wider", scopes: ["agents:read", "agents:write", "users:write"] });
    expect(res.status).toBe(403);
    expect(res.json.detail).toBe("you cannot grant scopes you do not hold: agents:write, users:write; remove them from `scopes`");
    expect(res.json.scopes_not_held).toEqual(["agents:write", "users:write"]);
    expect(await keyCount(t.accountId)).toBe(before);
    // Within its own scopes the narrow key may mint keys.
    expect((await api(narrow.key).post("/v1/api-keys", { name: "same", scopes: ["agents:read"] })).status).toBe(201);
  });

  it("lists every validation issue", async () => {
    const t = await createTenant();
    const cases = [
      [{ name: "", scopes: ["agents:read"] }, "name"],
      [{ name: "x", scopes: [] }, "scopes"],
      [{ name: "x", scopes: ["agents:admin"] }, "scopes.0"],
      [{ name: "x", scopes: ["agents:read", "agents:read"] }, "scopes"],
    ] as const;
    for (const [body, path] of cases) {
      const res = await api(t.key).post("/v1/api-keys", body);
      expect(res.status).toBe(422);
      expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    }
    expect(await keyCount(t.accountId)).toBe(1);
  });

  it("revokes a key: it stops working at once and the first revocation time is kept", async () => {
    const t = await createTenant();
    const { json: created } = await api(t.key).post("/v1/api-keys", { name: "temp", scopes: ["agents:read"] });
    expect((await api(created.key).get("/v1/agents")).status).toBe(200);

    const revoked = await api(t.key).delete(`/v1/api-keys/${created.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id: created.id, revoked_at: expect.any(String) });
    expect(revoked.text).not.toContain(created.key);

    const refused = await api(created.key).get("/v1/agents");
    expect(refused.status).toBe(401);
    expect(refused.json.detail).toBe("the API key was revoked; create a new one");

    const again = await api(t.key).delete(`/v1/api-keys/${created.id}`);
    expect(again.status).toBe(200);
    expect(again.json.revoked_at).toBe(revoked.json.revoked_at);
    const listed = (await api(t.key).get("/v1/api-keys")).json.data.find((k: { id: string }) => k.id === created.id);
    expect(listed.revoked_at).toBe(revoked.json.revoked_at);
  });

  it("answers 404 for another tenant's key and leaves it working", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    const { json: victim } = await api(theirs.key).post("/v1/api-keys", { name: "theirs", scopes: ["agents:read"] });
    const res = await api(mine.key).delete(`/v1/api-keys/${victim.id}`);
    expect(res.status).toBe(404);
    expect(res.json.detail).toBe("API key not found");
    const list = await api(mine.key).get("/v1/api-keys");
    expect(list.json.data.map((k: { name: string }) => k.name)).toEqual(["Owner key"]);
    expect((await api(victim.key).get("/v1/agents")).status).toBe(200);
    const row = await env.DB.prepare("SELECT revoked_at FROM api_keys WHERE id = ?").bind(victim.id).first();
    expect(row).toEqual({ revoked_at: null });
  });
});
