import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { api, createTenant } from "../../../test/workers/api-client.ts";
import { settleAudit } from "../../../test/workers/audit-fixtures.ts";

const userCount = async (accountId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM users WHERE account_id = ?").bind(accountId).first<{ n: number }>())!.n;

const roleOf = async (id: string) => (await env.DB.prepare("SELECT role FROM users WHERE id = ?").bind(id).first<{ role: string }>())?.role;

describe("users", () => {
  it("adds users and lists them across pages, newest first", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const created = [];
    for (const [i, role] of (["admin", "developer", "viewer"] as const).entries()) {
      const res = await a.post("/v1/users", { email: `Person${i}@Example.com`, name: `Person ${i}`, role });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ email: `person${i}@example.com`, role });
      expect(res.json.id).toMatch(ID_PATTERNS.user);
      created.push(res.json.id as string);
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof a.get>> = await a.get(`/v1/users?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.json.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.json.data.map((u: { id: string }) => u.id));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(new Set(seen)).toEqual(new Set([t.ownerId, ...created]));

    const one = await a.get(`/v1/users/${created[1]}`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual({ id: created[1], email: "person1@example.com", name: "Person 1", role: "developer", created_at: expect.any(String) });
  });

  it("lists every validation issue and stores nothing", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/users", { email: "not-an-email", role: "superuser", team: "x" });
    expect(res.status).toBe(422);
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["(root)", "email", "role"]);
    const empty = await api(t.key).patch(`/v1/users/${t.ownerId}`, {});
    expect(empty.status).toBe(422);
    expect(empty.json.errors[0].message).toBe("send `name`, `role` or both");
    const badId = await api(t.key).get("/v1/users/not-a-user");
    expect(badId.status).toBe(422);
    expect(await userCount(t.accountId)).toBe(1);
  });

  it("refuses a second user with the same email in an account, whatever its case", async () => {
    const t = await createTenant();
    const first = await api(t.key).post("/v1/users", { email: "dup@example.com", role: "viewer" });
    expect(first.status).toBe(201);
    const again = await api(t.key).post("/v1/users", { email: "DUP@example.com", role: "admin" });
    expect(again.status).toBe(409);
    expect(again.json.type).toBe("https://docs.ayb.dev/problems/conflict");
    expect(again.json.detail).toContain("dup@example.com is already a user");
    expect(await userCount(t.accountId)).toBe(2);
    expect(await roleOf(first.json.id)).toBe("viewer");

    // Emails are unique per account, not globally.
    const other = await createTenant();
    expect((await api(other.key).post("/v1/users", { email: "dup@example.com", role: "viewer" })).status).toBe(201);
  });

  it("changes a user's name and role", async () => {
    const t = await createTenant();
    const { json: user } = await api(t.key).post("/v1/users", { email: "dev@example.com", role: "developer" });
    const res = await api(t.key).patch(`/v1/users/${user.id}`, { role: "admin", name: "Dana" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: user.id, role: "admin", name: "Dana" });
    expect(await roleOf(user.id)).toBe("admin");
  });

  it("never leaves an account without an owner", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const demote = await a.patch(`/v1/users/${t.ownerId}`, { role: "admin" });
    expect(demote.status).toBe(409);
    expect(demote.json.detail).toBe("this is the account's last owner; make another user an owner first");
    const remove = await a.delete(`/v1/users/${t.ownerId}`);
    expect(remove.status).toBe(409);
    expect(await roleOf(t.ownerId)).toBe("owner");

    // Renaming the last owner is fine; so is demoting or removing one once another owner exists.
    expect((await a.patch(`/v1/users/${t.ownerId}`, { name: "Founder" })).status).toBe(200);
    const { json: second } = await a.post("/v1/users", { email: "second@example.com", role: "owner" });
    expect((await a.patch(`/v1/users/${t.ownerId}`, { role: "admin" })).status).toBe(200);
    expect(await roleOf(t.ownerId)).toBe("admin");
    expect((await a.delete(`/v1/users/${second.id}`)).status).toBe(409);
    expect((await a.patch(`/v1/users/${t.ownerId}`, { role: "owner" })).status).toBe(200);
    expect((await a.delete(`/v1/users/${second.id}`)).status).toBe(204);
    expect(await roleOf(second.id)).toBeUndefined();
    expect((await a.get(`/v1/users/${second.id}`)).status).toBe(404);
  });

  it("lets only one of two concurrent demotions of the last two owners through", async () => {
    const t = await createTenant();
    const { json: second } = await api(t.key).post("/v1/users", { email: "second@example.com", role: "owner" });
    const results = await Promise.all([t.ownerId, second.id].map((id) => api(t.key).patch(`/v1/users/${id}`, { role: "viewer" })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const { results: owners } = await env.DB.prepare("SELECT id FROM users WHERE account_id = ? AND role = 'owner'").bind(t.accountId).all();
    expect(owners).toHaveLength(1);
  });

  it("mints a one-hour dashboard token that acts as the user until the user is removed", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const { json: user } = await a.post("/v1/users", { email: "dev@example.com", role: "developer" });
    const before = Math.floor(Date.now() / 1000);
    const res = await a.post(`/v1/users/${user.id}/tokens`);
    expect(res.status).toBe(201);
    const claims = decodeJwt(res.json.token);
    expect(claims).toMatchObject({ sub: user.id, account_id: t.accountId, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE });
    expect(claims.exp! - before).toBeGreaterThanOrEqual(3600);
    expect(claims.exp! - before).toBeLessThanOrEqual(3601);
    expect(res.json.expires_at).toBe(new Date(claims.exp! * 1000).toISOString());

    const asUser = api(res.json.token);
    expect((await asUser.get("/v1/accounts/me")).json.id).toBe(t.accountId);
    const agent = await asUser.post("/v1/agents", { name: "x", config: { system_prompt: "Be brief.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } });
    expect(agent.status).toBe(201);
    await settleAudit(t.accountId);
    const { results } = await env.DB.prepare("SELECT actor FROM audit_log WHERE account_id = ? AND resource = ?").bind(t.accountId, agent.json.id).all<{ actor: string }>();
    expect(results).toEqual([{ actor: `user:${user.id}` }]);

    expect((await a.delete(`/v1/users/${user.id}`)).status).toBe(204);
    const after = await asUser.get("/v1/accounts/me");
    expect(after.status).toBe(401);
    expect(after.json.detail).toBe("the token's user does not exist in that account");
  });

  it("a role change applies to tokens already issued", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const { json: user } = await a.post("/v1/users", { email: "dev@example.com", role: "developer" });
    const { json: session } = await a.post(`/v1/users/${user.id}/tokens`);
    const body = { name: "x", config: { system_prompt: "Be brief.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } };
    expect((await api(session.token).post("/v1/agents", body)).status).toBe(201);
    await a.patch(`/v1/users/${user.id}`, { role: "viewer" });
    const denied = await api(session.token).post("/v1/agents", body);
    expect(denied.status).toBe(403);
    expect(denied.json.required_scope).toBe("agents:write");
  });

  it("replays a create sent twice with the same Idempotency-Key and refuses the key for another body", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const first = await a.post("/v1/users", { email: "once@example.com", role: "viewer" }, { "idempotency-key": "add-once" });
    const replay = await a.post("/v1/users", { email: "once@example.com", role: "viewer" }, { "idempotency-key": "add-once" });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual(first.json);
    const reused = await a.post("/v1/users", { email: "other@example.com", role: "viewer" }, { "idempotency-key": "add-once" });
    expect(reused.status).toBe(422);
    expect(reused.json.type).toBe("https://docs.ayb.dev/problems/idempotency-key-reused");
    expect(await userCount(t.accountId)).toBe(2);
  });

  it("answers 404 for another tenant's user on every route and changes nothing", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    const { json: victim } = await api(theirs.key).post("/v1/users", { email: "victim@example.com", name: "Victim", role: "admin" });
    const a = api(mine.key);
    const attempts = await Promise.all([
      a.get(`/v1/users/${victim.id}`),
      a.patch(`/v1/users/${victim.id}`, { role: "viewer" }),
      a.delete(`/v1/users/${victim.id}`),
      a.post(`/v1/users/${victim.id}/tokens`),
      a.patch(`/v1/users/${theirs.ownerId}`, { name: "pwned" }),
    ]);
    for (const res of attempts) {
      expect(res.status).toBe(404);
      expect(res.json.detail).toBe("user not found");
      expect(res.text).not.toContain("victim@example.com");
    }
    const list = await a.get("/v1/users");
    expect(list.json.data.map((u: { id: string }) => u.id)).toEqual([mine.ownerId]);
    const row = await env.DB.prepare("SELECT name, role FROM users WHERE id = ?").bind(victim.id).first();
    expect(row).toEqual({ name: "Victim", role: "admin" });
    expect(await env.DB.prepare("SELECT name FROM users WHERE id = ?").bind(theirs.ownerId).first()).toEqual({ name: null });
  });
});
