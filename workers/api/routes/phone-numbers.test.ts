import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { database } from "../../../shared/db/client.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { api, createTenant, request, type Tenant } from "../../../test/workers/api-client.ts";
import { settleAudit } from "../../../test/workers/audit-fixtures.ts";
import { issueApiKey } from "../../services/api-key-issuer.ts";
import { numberRouteKey, resolveNumberRoute } from "../../services/number-routing.ts";

let nextLine = 100;
/** A number no other test uses: numbers are unique across accounts while active. */
const freshNumber = () => `+1628555${String(nextLine++).padStart(4, "0")}`;

async function newAgent(t: Tenant, name = "Front desk"): Promise<string> {
  const res = await api(t.key).post("/v1/agents", { name, config: { system_prompt: "Be brief.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } });
  expect(res.status).toBe(201);
  return res.json.id;
}

const numberRows = async (accountId: string) =>
  (await env.DB.prepare("SELECT id, e164, status, agent_id FROM phone_numbers WHERE account_id = ? ORDER BY id").bind(accountId).all()).results;

const cachedRoute = (e164: string) => env.CONFIG_CACHE.get(numberRouteKey(e164), "json");

describe("phone numbers", () => {
  it("imports a number with an agent, reads it back and drops its cached route", async () => {
    const t = await createTenant();
    const agentId = await newAgent(t);
    const e164 = freshNumber();
    // A route left in KV by the number's previous holder.
    await env.CONFIG_CACHE.put(numberRouteKey(e164), JSON.stringify({ account_id: "AYB-2222-2222-2222", agent_id: null }));
    // A SIP-trunk number (a Twilio number with a SID is re-pointed through Twilio: phone-number-purchase.test.ts).
    const res = await api(t.key).post("/v1/phone-numbers", { e164, source: "sip", provider_sid: "TK" + "0".repeat(32), agent_id: agentId });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ e164, source: "sip", agent_id: agentId, status: "active", provider_sid: "TK" + "0".repeat(32) });
    expect(res.json.id).toMatch(ID_PATTERNS.phoneNumber);
    expect(await cachedRoute(e164)).toBeNull();
    expect(await resolveNumberRoute(env, e164)).toEqual({ account_id: t.accountId, agent_id: agentId });
    expect(await cachedRoute(e164)).toEqual({ account_id: t.accountId, agent_id: agentId });
    const got = await api(t.key).get(`/v1/phone-numbers/${res.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(res.json);
    await settleAudit(t.accountId);
    const audit = await env.DB.prepare("SELECT resource FROM audit_log WHERE account_id = ? AND action = 'POST /v1/phone-numbers'").bind(t.accountId).all();
    expect(audit.results).toEqual([{ resource: res.json.id }]);
  });

  it("rejects a number that is not E.164, naming the fix, and stores nothing", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/phone-numbers", { e164: "(628) 555-0199", source: "pstn", extra: 1 });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const byPath = Object.fromEntries(res.json.errors.map((e: { path: string; message: string }) => [e.path, e.message]));
    expect(byPath.e164).toContain("+16285550199");
    expect(Object.keys(byPath)).toEqual(expect.arrayContaining(["e164", "source"]));
    expect(await numberRows(t.accountId)).toEqual([]);
  });

  it("refuses an agent that is missing, archived or another tenant's, naming agent_id, and changes nothing", async () => {
    const [t, other] = [await createTenant(), await createTenant()];
    const archived = await newAgent(t, "Old");
    expect((await api(t.key).delete(`/v1/agents/${archived}`)).status).toBe(200);
    const foreign = await newAgent(other);
    const e164 = freshNumber();
    for (const agentId of ["AGT-2222222222", archived, foreign]) {
      const res = await api(t.key).post("/v1/phone-numbers", { e164, source: "sip", agent_id: agentId });
      expect(res.status).toBe(422);
      expect(res.json.errors).toEqual([expect.objectContaining({ path: "agent_id" })]);
    }
    expect(await numberRows(t.accountId)).toEqual([]);

    const { json: number } = await api(t.key).post("/v1/phone-numbers", { e164, source: "sip" });
    const patched = await api(t.key).patch(`/v1/phone-numbers/${number.id}`, { agent_id: foreign });
    expect(patched.status).toBe(422);
    expect(patched.json.errors[0].path).toBe("agent_id");
    expect(await numberRows(t.accountId)).toEqual([{ id: number.id, e164, status: "active", agent_id: null }]);
  });

  it("refuses a number active on any account with 409 until it is released", async () => {
    const [t1, t2] = [await createTenant(), await createTenant()];
    const e164 = freshNumber();
    const first = await api(t1.key).post("/v1/phone-numbers", { e164, source: "sip" });
    expect(first.status).toBe(201);
    expect(await resolveNumberRoute(env, e164)).toEqual({ account_id: t1.accountId, agent_id: null });

    const again = await api(t1.key).post("/v1/phone-numbers", { e164, source: "sip" });
    expect(again.status).toBe(409);
    expect(again.json.detail).toContain(first.json.id);
    const elsewhere = await api(t2.key).post("/v1/phone-numbers", { e164, source: "sip" });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.json.type).toBe("https://docs.ayb.dev/problems/conflict");
    // The other account learns the number is taken, never by whom.
    expect(elsewhere.text).not.toContain(first.json.id);
    expect(elsewhere.text).not.toContain(t1.accountId);
    expect(await numberRows(t1.accountId)).toHaveLength(1);
    expect(await numberRows(t2.accountId)).toEqual([]);

    expect((await api(t1.key).delete(`/v1/phone-numbers/${first.json.id}`)).status).toBe(200);
    const moved = await api(t2.key).post("/v1/phone-numbers", { e164, source: "sip" });
    expect(moved.status).toBe(201);
    expect(await resolveNumberRoute(env, e164)).toEqual({ account_id: t2.accountId, agent_id: null });
    expect((await api(t1.key).get(`/v1/phone-numbers/${first.json.id}`)).json.status).toBe("released");
  });

  it("assigns and unassigns an agent, and the call path's route follows", async () => {
    const t = await createTenant();
    const agentId = await newAgent(t);
    const e164 = freshNumber();
    const { json: number } = await api(t.key).post("/v1/phone-numbers", { e164, source: "sip" });
    expect(await resolveNumberRoute(env, e164)).toEqual({ account_id: t.accountId, agent_id: null });

    const assigned = await api(t.key).patch(`/v1/phone-numbers/${number.id}`, { agent_id: agentId });
    expect(assigned.status).toBe(200);
    expect(assigned.json.agent_id).toBe(agentId);
    expect(await resolveNumberRoute(env, e164)).toEqual({ account_id: t.accountId, agent_id: agentId });

    const unassigned = await api(t.key).patch(`/v1/phone-numbers/${number.id}`, { agent_id: null });
    expect(unassigned.json.agent_id).toBeNull();
    expect(await resolveNumberRoute(env, e164)).toEqual({ account_id: t.accountId, agent_id: null });

    expect((await api(t.key).patch(`/v1/phone-numbers/${number.id}`, {})).status).toBe(422);
  });

  it("releases a number: unassigned, kept, no longer routable, and releasing again changes nothing", async () => {
    const t = await createTenant();
    const agentId = await newAgent(t);
    const e164 = freshNumber();
    const { json: number } = await api(t.key).post("/v1/phone-numbers", { e164, source: "sip", agent_id: agentId });
    expect(await resolveNumberRoute(env, e164)).toEqual({ account_id: t.accountId, agent_id: agentId });

    const released = await api(t.key).delete(`/v1/phone-numbers/${number.id}`);
    expect(released.status).toBe(200);
    expect(released.json).toMatchObject({ id: number.id, status: "released", agent_id: null });
    expect(await resolveNumberRoute(env, e164)).toBeNull();
    expect(await numberRows(t.accountId)).toEqual([{ id: number.id, e164, status: "released", agent_id: null }]);

    const twice = await api(t.key).delete(`/v1/phone-numbers/${number.id}`);
    expect(twice.json).toEqual(released.json);
    const reassign = await api(t.key).patch(`/v1/phone-numbers/${number.id}`, { agent_id: agentId });
    expect(reassign.status).toBe(409);
    expect(await numberRows(t.accountId)).toEqual([{ id: number.id, e164, status: "released", agent_id: null }]);
  });

  it("never shows or changes another tenant's number", async () => {
    const [t1, t2] = [await createTenant(), await createTenant()];
    const e164 = freshNumber();
    const { json: number } = await api(t1.key).post("/v1/phone-numbers", { e164, source: "sip" });
    const t2Agent = await newAgent(t2);
    for (const res of [
      await api(t2.key).get(`/v1/phone-numbers/${number.id}`),
      await api(t2.key).patch(`/v1/phone-numbers/${number.id}`, { agent_id: t2Agent }),
      await api(t2.key).delete(`/v1/phone-numbers/${number.id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.json.detail).toBe("phone number not found");
      expect(res.text).not.toContain(e164);
    }
    expect((await api(t2.key).get("/v1/phone-numbers")).json.data).toEqual([]);
    expect(await numberRows(t1.accountId)).toEqual([{ id: number.id, e164, status: "active", agent_id: null }]);
  });

  it("refuses missing, invalid, revoked and under-scoped credentials, storing nothing", async () => {
    const t = await createTenant();
    const db = database(env.DB);
    const readOnly = await issueApiKey(db, { accountId: t.accountId, name: "read", scopes: ["numbers:read"], createdBy: "test" });
    const revoked = await issueApiKey(db, { accountId: t.accountId, name: "gone", scopes: ["numbers:write"], createdBy: "test" });
    await env.DB.prepare("UPDATE api_keys SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE id = ?").bind(revoked.row.id).run();
    const body = { e164: freshNumber(), source: "sip" };

    expect((await request("POST", "/v1/phone-numbers", { body })).status).toBe(401);
    expect((await api("ayb_live_" + "x".repeat(32)).post("/v1/phone-numbers", body)).status).toBe(401);
    expect((await api(revoked.secret).post("/v1/phone-numbers", body)).status).toBe(401);
    const forbidden = await api(readOnly.secret).post("/v1/phone-numbers", body);
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.required_scope).toBe("numbers:write");
    expect((await api(readOnly.secret).get("/v1/phone-numbers")).status).toBe(200);
    expect(await numberRows(t.accountId)).toEqual([]);
  });

  it("replays an idempotent import instead of importing twice", async () => {
    const t = await createTenant();
    const body = { e164: freshNumber(), source: "sip" };
    const first = await api(t.key).post("/v1/phone-numbers", body, { "idempotency-key": "import-1" });
    const again = await api(t.key).post("/v1/phone-numbers", body, { "idempotency-key": "import-1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(first.json);
    const other = await api(t.key).post("/v1/phone-numbers", { ...body, provider_sid: "TK1" }, { "idempotency-key": "import-1" });
    expect(other.status).toBe(422);
    expect(await numberRows(t.accountId)).toHaveLength(1);
  });

  it("pages through numbers and filters by agent and status", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const agentId = await newAgent(t);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await a.post("/v1/phone-numbers", { e164: freshNumber(), source: "sip", agent_id: i < 2 ? agentId : undefined })).json.id);
    await a.delete(`/v1/phone-numbers/${ids[4]}`);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await a.get(`/v1/phone-numbers?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      pages.push(res.json.data.map((n: { id: string }) => n.id));
      cursor = res.json.next_cursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().sort()).toEqual([...ids].sort());

    const byAgent = await a.get(`/v1/phone-numbers?agent_id=${agentId}`);
    expect(byAgent.json.data.map((n: { id: string }) => n.id).sort()).toEqual(ids.slice(0, 2).sort());
    const released = await a.get("/v1/phone-numbers?status=released");
    expect(released.json.data.map((n: { id: string }) => n.id)).toEqual([ids[4]]);
    expect((await a.get("/v1/phone-numbers?status=lost")).status).toBe(422);
  });
});
