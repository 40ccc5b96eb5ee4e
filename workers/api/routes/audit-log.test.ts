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
    expect((await a.post("/v1/api-keys", { name: "ci", scopes: ["agents:read"] }, { "idempotency-key": "k1" })).headers.get("idempotent-replayed")).toBe("true");
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
    expect(verify.json).toEqual({ valid: true, checked: 7, broken_at_seq: null });
  });

  it("reports the first tampered, deleted or inserted entry", async () => {
    const t = await createTenant();
    for (const email of ["a@example.com", "b@example.com", "c@example.com"]) await api(t.key).post("/v1/users", { email, role: "viewer" });
    expect((await api(t.key).get("/v1/audit-log/verify")).json).toEqual({ valid: true, checked: 4, broken_at_seq: null });

    await env.DB.prepare("UPDATE audit_log SET actor = 'user:USR-SOMEONEELS' WHERE account_id = ? AND seq = 3").bind(t.accountId).run();
    expect((await api(t.key).get("/v1/audit-log/verify")).json).toEqual({ valid: false, checked: 2, broken_at_seq: 3 });

    const other = await createTenant();
    await api(other.key).post("/v1/users", { email: "a@example.com", role: "viewer" });
    await api(other.key).post("/v1/users", { email: "b@example.com", role: "viewer" });
    await env.DB.prepare("DELETE FROM audit_log WHERE account_id = ? AND seq = 2").bind(other.accountId).run();
    expect((await api(other.key).get("/v1/audit-log/verify")).json).toEqual({ valid: false, checked: 1, broken_at_seq: 2 });
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
