import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH } from "../../services/audit-log.ts";
import { api, createTenant } from "../../../test/workers/api-client.ts";

interface Entry {
  seq: number;
  actor: string;
  action: string;
  resource: string | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

async function fullLog(key: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<ReturnType<typeof api>["get"]>> = await api(key).get(`/v1/audit-log?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status).toBe(200);
    expect(page.json.data.length).toBeLessThanOrEqual(2);
    entries.push(...page.json.data);
    cursor = page.json.next_cursor;
  } while (cursor);
  return entries;
}

describe("audit log", () => {
  it("chains exactly one entry per successful write, and none for reads or rejected writes", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const user = await a.post("/v1/users", { email: "dev@example.com", role: "developer" });
    expect((await a.post("/v1/users", { email: "bad", role: "developer" })).status).toBe(422);
    const patched = await a.patch(`/v1/users/${user.json.id}`, { role: "admin" });
    const key = await a.post("/v1/api-keys", { name: "ci", scopes: ["agents:read"] });
    expect((await a.post("/v1/api-keys", { name: "ci", scopes: ["agents:read"] }, { "idempotency-key": "k1" })).status).toBe(201);
    // A new key is shown once: its retry is refused (409 `secret-already-shown`) and writes nothing.
    expect((await a.post("/v1/api-keys", { name: "ci", scopes: ["agents:read"] }, { "idempotency-key": "k1" })).status).toBe(409);
    await a.delete(`/v1/api-keys/${key.json.id}`);
    await a.get("/v1/users");
    expect((await a.delete(`/v1/users/${t.ownerId}`)).status).toBe(409);
    await a.delete(`/v1/users/${user.json.id}`);

    const newestFirst = await fullLog(t.key);
    const log = [...newestFirst].reverse();
    const ownerKeyActor = key.json.created_by;
    expect(log.map((e) => [e.seq, e.actor, e.action, e.resource])).toEqual([
      [1, "operator", "POST /v1/operator/accounts", t.accountId],
      [2, ownerKeyActor, "POST /v1/users", user.json.id],
      [3, ownerKeyActor, "PATCH /v1/users/:id", user.json.id],
      [4, ownerKeyActor, "POST /v1/api-keys", key.json.id],
      [5, ownerKeyActor, "POST /v1/api-keys", expect.stringMatching(/^KEY-/)],
      [6, ownerKeyActor, "DELETE /v1/api-keys/:id", key.json.id],
      [7, ownerKeyActor, "DELETE /v1/users/:id", user.json.id],
    ]);
    expect(log[2]!.request_id).toBe(patched.headers.get("x-request-id"));
    expect(log[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < log.length; i++) expect(log[i]!.prev_hash).toBe(log[i - 1]!.hash);

    const verify = await a.get("/v1/audit-log/verify");
    expect(verify.status).toBe(200);
    expect(verify.json).toEqual({ valid: true, checked: 7, broken_at_seq: null, head_hash: log[6]!.hash });
  });

  it("is append-only in the database: UPDATE and DELETE abort, and the recorded head only moves forward", async () => {
    const t = await createTenant();
    await api(t.key).post("/v1/users", { email: "a@example.com", role: "viewer" });
    const attempts: [string, RegExp][] = [
      ["UPDATE audit_log SET actor = 'someone' WHERE account_id = ?", /audit_log is append-only: entries cannot be changed/],
      ["DELETE FROM audit_log WHERE account_id = ?", /audit_log is append-only: entries cannot be deleted/],
      ["UPDATE audit_heads SET seq = 1 WHERE account_id = ?", /audit_heads only moves forward/],
      ["DELETE FROM audit_heads WHERE account_id = ?", /audit_heads entries cannot be deleted/],
    ];
    for (const [sql, refusal] of attempts) await expect(env.DB.prepare(sql).bind(t.accountId).run()).rejects.toThrow(refusal);
    const head = await env.DB.prepare("SELECT seq, hash FROM audit_heads WHERE account_id = ?").bind(t.accountId).first();
    const newest = await env.DB.prepare("SELECT seq, hash FROM audit_log WHERE account_id = ? ORDER BY seq DESC LIMIT 1").bind(t.accountId).first();
    expect(head).toEqual({ seq: 2, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(head).toEqual(newest);
    expect((await api(t.key).get("/v1/audit-log/verify")).json).toMatchObject({ valid: true, checked: 2 });
  });

  it("reports the first tampered, deleted or inserted entry, including removed newest entries, to someone who bypassed the triggers", async () => {
    // An attacker with raw database access drops the append-only triggers first; the chain and head still tell.
    const { results: triggers } = await env.DB.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_log_no_%'").all<{ name: string; sql: string }>();
    expect(triggers.map((r) => r.name).sort()).toEqual(["audit_log_no_delete", "audit_log_no_update"]);
    for (const { name } of triggers) await env.DB.prepare(`DROP TRIGGER ${name}`).run();
    try {
      const verify = async (key: string) => (await api(key).get("/v1/audit-log/verify")).json;
      const tenantWith = async (users: number) => {
        const t = await createTenant();
        for (let i = 0; i < users; i++) await api(t.key).post("/v1/users", { email: `u${i}@example.com`, role: "viewer" });
        expect(await verify(t.key)).toMatchObject({ valid: true, checked: users + 1 });
        return t;
      };

      const edited = await tenantWith(3);
      await env.DB.prepare("UPDATE audit_log SET actor = 'user:USR-SOMEONEELS' WHERE account_id = ? AND seq = 3").bind(edited.accountId).run();
      expect(await verify(edited.key)).toMatchObject({ valid: false, checked: 2, broken_at_seq: 3 });

      const gap = await tenantWith(2);
      await env.DB.prepare("DELETE FROM audit_log WHERE account_id = ? AND seq = 2").bind(gap.accountId).run();
      expect(await verify(gap.key)).toMatchObject({ valid: false, checked: 1, broken_at_seq: 2 });

      // The remaining chain is internally perfect; only the recorded head shows that entries 3 and 4 existed.
      const truncated = await tenantWith(3);
      await env.DB.prepare("DELETE FROM audit_log WHERE account_id = ? AND seq >= 3").bind(truncated.accountId).run();
      expect(await verify(truncated.key)).toMatchObject({ valid: false, checked: 2, broken_at_seq: 3 });
    } finally {
      for (const { sql } of triggers) await env.DB.prepare(sql).run();
    }
  });

  it("a write whose audit entry cannot be stored answers 500, and a retry with the same key replays it instead of repeating it", async () => {
    const t = await createTenant();
    const agents = async () => (await env.DB.prepare("SELECT id FROM agents WHERE account_id = ?").bind(t.accountId).all<{ id: string }>()).results.map((r) => r.id);
    const body = { name: "Front desk", config: { system_prompt: "Be brief.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } };
    // The audit store fails for this account's agent creations only (a real D1 error, raised by a trigger).
    await env.DB.prepare(
      `CREATE TRIGGER audit_store_down BEFORE INSERT ON audit_log WHEN NEW.account_id = '${t.accountId}' AND NEW.action = 'POST /v1/agents' BEGIN SELECT RAISE(ABORT, 'audit store down'); END`,
    ).run();
    let failed;
    try {
      failed = await api(t.key).post("/v1/agents", body, { "idempotency-key": "create-front-desk" });
    } finally {
      await env.DB.prepare("DROP TRIGGER audit_store_down").run();
    }
    expect(failed.status).toBe(500);
    expect(failed.json.detail).toMatch(/the change was made but its audit entry could not be stored; retry with the same Idempotency-Key/);
    const created = await agents();
    expect(created).toHaveLength(1);

    const retried = await api(t.key).post("/v1/agents", body, { "idempotency-key": "create-front-desk" });
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(retried.json.id).toBe(created[0]);
    expect(await agents()).toEqual(created);
    // The chain stays whole; the missing entry is the one the 500 reported.
    expect((await api(t.key).get("/v1/audit-log/verify")).json).toMatchObject({ valid: true, checked: 1 });
  });

  it("rejects a cursor it did not issue", async () => {
    const t = await createTenant();
    for (const cursor of ["nonsense", btoa(JSON.stringify({ s: "1; DROP" }))]) {
      const res = await api(t.key).get(`/v1/audit-log?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(422);
      expect(res.json.detail).toBe("cursor is not valid; pass the next_cursor of the previous page unchanged");
    }
  });

  it("shows each account only its own entries and needs audit:read", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    await api(theirs.key).post("/v1/users", { email: "x@example.com", role: "viewer" });
    const log = await fullLog(mine.key);
    expect(log.map((e) => e.resource)).toEqual([mine.accountId]);

    const { json: narrow } = await api(mine.key).post("/v1/api-keys", { name: "no audit", scopes: ["agents:read"] });
    for (const path of ["/v1/audit-log", "/v1/audit-log/verify"]) {
      const res = await api(narrow.key).get(path);
      expect(res.status).toBe(403);
      expect(res.json.required_scope).toBe("audit:read");
    }
  });
});
