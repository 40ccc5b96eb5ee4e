import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api } from "./api-client.ts";
import { telephonyTenant, type TelephonyTenant } from "./telephony-fixtures.ts";
import { createEndpoint, receiverUrl, storedMessage } from "../../workers/webhooks/testing/webhook-fixtures.ts";
import { connectSlackAndHubSpot, failedRun } from "../../workers/workflows/testing/workflow-fixtures.ts";
import { connectThroughOAuth } from "../../workers/integrations/testing/oauth-fixtures.ts";

/** Columns that reads may move on their own (a key's last use is stamped after the response). */
const VOLATILE_COLUMNS = ["last_used_at"];

/**
 * Everything the victim owns: every row of every table with an `account_id` (users, keys, agents, agent versions,
 * numbers, calls, consent, do-not-call, audit log and its head, credentials…), and every KV entry that names it.
 */
async function victimState(victim: TelephonyTenant) {
  const { results: all } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name").all<{ name: string }>();
  const tables: { name: string }[] = [];
  for (const { name } of all) {
    const { results: columns } = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>();
    if (columns.some((c) => c.name === "account_id")) tables.push({ name });
  }
  const rows: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}" WHERE account_id = ? ORDER BY rowid`).bind(victim.accountId).all<Record<string, unknown>>();
    rows[name] = results.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !VOLATILE_COLUMNS.includes(k))));
  }
  const kv: Record<string, string | null> = {};
  for (const { name } of (await env.CONFIG_CACHE.list()).keys) {
    const value = await env.CONFIG_CACHE.get(name);
    if ([victim.accountId, victim.agentId, victim.number].some((id) => name.includes(id) || value?.includes(id))) kv[name] = value;
  }
  return { tables: tables.map((t) => t.name), rows, kv };
}

/** GET /v1/agents/{id} caches the view after answering; wait for that write so it cannot land mid-test. */
async function cachedAgentView(agentId: string) {
  await vi.waitFor(async () => expect(await env.CONFIG_CACHE.get(`agent:${agentId}`)).not.toBeNull(), { timeout: 10_000, interval: 10 });
}

// A string body is a CSV upload (the campaign contacts route); every other body is JSON.
const send = (key: string, method: string, path: string, body?: unknown) =>
  method === "GET" ? api(key).get(path) : method === "PUT" ? api(key).put(path, body) : method === "DELETE" ? api(key).delete(path) : method === "PATCH" ? api(key).patch(path, body) : api(key).post(path, body, typeof body === "string" ? { "content-type": "text/csv" } : undefined);

/**
 * Walks every route that takes an id with another tenant's ids: each must answer 404 and reveal nothing, and
 * nothing may change. The route table must cover every parameterised path in the OpenAPI document, so a new
 * route cannot skip this test.
 */
describe("tenant isolation", () => {
  // Some ninety requests and a full snapshot of the victim's rows twice: seconds of work on a busy machine.
  it("answers 404 on every id-bearing route for another tenant's resources, and changes nothing", { timeout: 30_000 }, async () => {
    const victim = await telephonyTenant();
    const attacker = await telephonyTenant();
    const v = api(victim.key);
    const user = (await v.post("/v1/users", { email: "staff@victim.test", role: "viewer" })).json;
    const key = (await v.post("/v1/api-keys", { name: "ci", scopes: ["agents:read"] })).json;
    const number = (await v.get("/v1/phone-numbers")).json.data[0];
    await v.post("/v1/do-not-call", { phone: "+14155550177", reason: "asked" });
    await v.post("/v1/consent", { phone: "+14155550166", consent_type: "marketing", source: "web form" });
    // A code pending for a callee (texting it is verified-number-routes.test.ts's concern).
    await env.DB.prepare("INSERT INTO verified_numbers (account_id, phone, status, code_hash, code_expires_at, attempts, created_at) VALUES (?, '+14155550144', 'pending', 'k1:00', '2999-01-01T00:00:00Z', 0, '2026-11-01T00:00:00Z')")
      .bind(victim.accountId)
      .run();
    // The victim's agent view and versions are cached in KV, so a cross-tenant hit there is tried too.
    expect((await v.get(`/v1/agents/${victim.agentId}`)).status).toBe(200);
    await cachedAgentView(victim.agentId);
    const callId = "CAL-2222222222XXYZ";
    await env.DB.prepare(
      "INSERT INTO calls (id, account_id, agent_id, agent_version, direction, from_number, to_number, twilio_call_sid, status, created_at) VALUES (?, ?, ?, 1, 'inbound', '+12125550100', ?, 'CA00000000000000000000000000000099', 'in-progress', '2026-11-01T00:00:00Z')",
    )
      .bind(callId, victim.accountId, victim.agentId, victim.number)
      .run();
    const hook = await createEndpoint(victim.key, receiverUrl().url, ["ping"]);
    const messageId = await storedMessage(victim.accountId, hook.id, "failed");
    const campaign = (
      await v.post("/v1/campaigns", {
        name: "Reminders",
        agent_id: victim.agentId,
        caller_ids: [victim.number],
        schedule: { start_date: "2027-01-11", end_date: "2027-01-12", calling_hours: { start: "09:00", end: "17:00" } },
        max_concurrency: 1,
        contacts: [{ phone: "+14155550155" }],
      })
    ).json;
    const { workflowId, runId } = await failedRun(victim.key);
    await connectSlackAndHubSpot(victim.key);
    const secretWords = [victim.accountId, "staff@victim.test", victim.number, "Receptionist", "+14155550177"];

    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/users/${user.id}`],
      ["PATCH", `/v1/users/${user.id}`, { role: "admin" }],
      ["DELETE", `/v1/users/${user.id}`],
      ["POST", `/v1/users/${user.id}/tokens`, {}],
      ["POST", `/v1/users/${user.id}/invitations`, {}],
      ["GET", `/v1/users/${user.id}/phone`],
      ["POST", `/v1/users/${user.id}/phone`, { phone: "+14155550133" }],
      ["POST", `/v1/users/${user.id}/phone/check`, { code: "123456" }],
      ["DELETE", `/v1/api-keys/${key.id}`],
      ["GET", `/v1/agents/${victim.agentId}`],
      ["PATCH", `/v1/agents/${victim.agentId}`, { name: "pwned" }],
      ["DELETE", `/v1/agents/${victim.agentId}`],
      ["POST", `/v1/agents/${victim.agentId}/publish`, {}],
      ["POST", `/v1/agents/${victim.agentId}/rollback`, { version: 1 }],
      ["GET", `/v1/agents/${victim.agentId}/versions`],
      ["GET", `/v1/agents/${victim.agentId}/versions/1`],
      ["GET", `/v1/agents/${victim.agentId}/quality`],
      ["GET", `/v1/agents/${victim.agentId}/coaching`],
      ["GET", `/v1/phone-numbers/${number.id}`],
      ["PATCH", `/v1/phone-numbers/${number.id}`, { agent_id: null }],
      ["DELETE", `/v1/phone-numbers/${number.id}`],
      ["GET", `/v1/calls/${callId}`],
      ["POST", `/v1/calls/${callId}/hangup`, {}],
      ["POST", `/v1/calls/${callId}/analyze`, {}],
      ["POST", `/v1/calls/${callId}/transfer`, { to: "+14155550188" }],
      ["GET", `/v1/calls/${callId}/recording`],
      ["POST", `/v1/calls/${callId}/live-ticket`, {}],
      ["GET", `/v1/do-not-call/${encodeURIComponent("+14155550177")}`],
      ["DELETE", `/v1/do-not-call/${encodeURIComponent("+14155550177")}`],
      ["POST", `/v1/verified-numbers/${encodeURIComponent("+14155550144")}/check`, { code: "123456" }],
      ["DELETE", `/v1/verified-numbers/${encodeURIComponent("+14155550144")}`],
      ["GET", `/v1/webhooks/endpoints/${hook.id}`],
      ["PATCH", `/v1/webhooks/endpoints/${hook.id}`, { enabled: false }],
      ["DELETE", `/v1/webhooks/endpoints/${hook.id}`],
      ["POST", `/v1/webhooks/endpoints/${hook.id}/rotate-secret`, {}],
      ["POST", `/v1/webhooks/endpoints/${hook.id}/ping`, {}],
      ["GET", `/v1/webhooks/deliveries/${messageId}`],
      ["POST", `/v1/webhooks/deliveries/${messageId}/replay`, {}],
      ["GET", `/v1/campaigns/${campaign.id}`],
      ["GET", `/v1/campaigns/${campaign.id}/contacts`],
      ["GET", `/v1/campaigns/${campaign.id}/results.csv`],
      ["POST", `/v1/campaigns/${campaign.id}/start`, {}],
      ["POST", `/v1/campaigns/${campaign.id}/pause`, {}],
      ["POST", `/v1/campaigns/${campaign.id}/resume`, {}],
      ["POST", `/v1/campaigns/${campaign.id}/cancel`, {}],
      ["POST", `/v1/campaigns/${campaign.id}/contacts`, { contacts: [{ phone: "+14155550156" }] }],
      ["POST", `/v1/campaigns/${campaign.id}/contacts/remove`, { phones: ["+14155550155"] }],
      ["POST", `/v1/campaigns/${campaign.id}/contacts/csv`, "phone\n+14155550157\n"],
      ["GET", `/v1/workflows/${workflowId}`],
      ["PUT", `/v1/workflows/${workflowId}`, { name: "pwned", trigger: { type: "manual" }, steps: [{ id: "wait", type: "delay", duration: "1 day" }] }],
      ["DELETE", `/v1/workflows/${workflowId}`],
      ["GET", `/v1/workflows/${workflowId}/runs`],
      ["POST", `/v1/workflows/${workflowId}/runs`, { input: {} }],
      ["GET", `/v1/workflows/${workflowId}/runs/${runId}`],
      ["POST", `/v1/workflows/${workflowId}/runs/${runId}/retry`, {}],
      ["POST", `/v1/workflows/${workflowId}/runs/${runId}/cancel`, {}],
      ["DELETE", "/v1/integration-connections/slack"],
    ];

    const doc = await (await exports.default.fetch("https://api.test/openapi.json")).json<{ paths: Record<string, Record<string, unknown>> }>();
    const documented = Object.entries(doc.paths)
      // A month (`/v1/billing/statements/{month}`) names no resource of anyone's: the statement is always the caller's
      // own (workers/billing/routes/invoices.test.ts shows a tenant none of another's lines).
      // The live transcript takes no credential but a ticket, kept in the call's own object: another call's (any
      // tenant's) is unknown there (workers/api/routes/call-live.test.ts); issuing one is walked here.
      // An integration's name (`/v1/integrations/{name}/connect`) is everyone's: connecting starts the caller's own flow,
      // bound to its account; the attacker connects below, and the victim's state must not change.
      .filter(([path]) => path.startsWith("/v1/") && path.includes("{") && !path.startsWith("/v1/operator") && !path.includes("{month}") && !path.endsWith("/live") && !path.endsWith("/connect"))
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    const walked = routes.map(([m, p]) => `${m} ${p.replace(user.id, "{id}").replace(key.id, "{id}").replace(victim.agentId, "{id}").replace(number.id, "{id}").replace(callId, "{id}").replace(hook.id, "{id}").replace(messageId, "{id}").replace(campaign.id, "{id}").replace(runId, "{run_id}").replace(workflowId, "{id}").replace("/integration-connections/slack", "/integration-connections/{name}").replace("/versions/1", "/versions/{version}").replace(encodeURIComponent("+14155550177"), "{phone}").replace(encodeURIComponent("+14155550144"), "{phone}")}`);
    expect(walked.sort()).toEqual(documented.sort());

    const before = await victimState(victim);
    for (const table of ["agent_versions", "consent_records", "audit_log", "audit_heads", "calls", "do_not_call", "verified_numbers"]) expect(before.rows[table], table).not.toEqual([]);
    expect(Object.keys(before.kv)).toEqual(expect.arrayContaining([`agent:${victim.agentId}`, `agent-version:${victim.agentId}:1`]));
    for (const [method, path, body] of routes) {
      const res = await send(attacker.key, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      for (const word of secretWords) expect(res.text, `${method} ${path} leaks ${word}`).not.toContain(word);
    }
    // The attacker connects HubSpot (which the victim has too) through OAuth: its own account gets the tokens.
    await connectThroughOAuth(attacker.key, "hubspot");
    const after = await victimState(victim);
    expect(after).toEqual(before);
    // And the victim still sees everything.
    expect((await v.get(`/v1/agents/${victim.agentId}`)).status).toBe(200);
  });

  it("refuses another tenant's ids in bodies and filters with 404/422, shows none of its data, and changes nothing", async () => {
    const victim = await telephonyTenant();
    const attacker = await telephonyTenant();
    const v = api(victim.key);
    const consented = "+14155550166";
    await v.post("/v1/consent", { phone: consented, consent_type: "marketing", source: "web form" });
    expect((await v.post("/v1/verification/documents?kind=other", "%PDF-1.7\nvictim\n", { "content-type": "application/pdf" })).status).toBe(201);
    const victimNumber = (await v.get("/v1/phone-numbers")).json.data[0];
    await env.DB.prepare(
      "INSERT INTO calls (id, account_id, agent_id, agent_version, direction, from_number, to_number, status, created_at) VALUES ('CAL-2222222222XXZZ', ?, ?, 1, 'inbound', '+12125550100', ?, 'completed', '2026-11-01T00:00:00Z')",
    )
      .bind(victim.accountId, victim.agentId, victim.number)
      .run();
    const attackerNumber = (await api(attacker.key).get("/v1/phone-numbers")).json.data[0];
    const secretWords = [victim.accountId, victim.agentId, victimNumber.id, "CAL-2222222222XXZZ"];
    const before = await victimState(victim);
    const attackerCalls = async () => (await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE account_id = ?").bind(attacker.accountId).first<{ n: number }>())!.n;
    const attackerCallsBefore = await attackerCalls();

    const outbound = { to: consented, consent_type: "marketing" };
    const refused: [string, string, unknown, number, string?][] = [
      // Placing a call with the victim's agent, or from the victim's number.
      ["POST", "/v1/calls", { ...outbound, agent_id: victim.agentId, from: attacker.number }, 422, "agent_id"],
      ["POST", "/v1/calls", { ...outbound, agent_id: attacker.agentId, from: victim.number }, 422, "from"],
      // The victim's consent record does not let the attacker call its holder.
      ["POST", "/v1/calls", { ...outbound, agent_id: attacker.agentId, from: attacker.number }, 403],
      // Routing the attacker's number to the victim's agent, on import or on update.
      ["PATCH", `/v1/phone-numbers/${attackerNumber.id}`, { agent_id: victim.agentId }, 422, "agent_id"],
      ["POST", "/v1/phone-numbers", { e164: "+14155550999", source: "sip", agent_id: victim.agentId }, 422, "agent_id"],
      // Importing the victim's number a second time.
      ["POST", "/v1/phone-numbers", { e164: victim.number, source: "sip" }, 409],
    ];
    for (const [method, path, body, status, field] of refused) {
      const res = await send(attacker.key, method, path, body);
      const label = `${method} ${path} ${JSON.stringify(body)}`;
      expect(res.status, `${label}: ${res.text}`).toBe(status);
      expect(res.headers.get("content-type"), label).toMatch(/^application\/problem\+json/);
      if (field) expect(res.json.errors.map((e: { path: string }) => e.path), label).toContain(field);
      for (const word of secretWords) expect(res.text, `${label} leaks ${word}`).not.toContain(word);
    }

    // Filters with the victim's ids find nothing of the victim's.
    const filtered = [
      `/v1/calls?agent_id=${victim.agentId}`,
      `/v1/calls?from=${encodeURIComponent("+12125550100")}`,
      `/v1/calls?to=${encodeURIComponent(victim.number)}`,
      `/v1/phone-numbers?agent_id=${victim.agentId}`,
      `/v1/consent?phone=${encodeURIComponent(consented)}`,
      // The account is the caller's: the victim's verification documents are not listed.
      "/v1/verification/documents",
    ];
    for (const path of filtered) {
      const res = await api(attacker.key).get(path);
      expect(res.status, `${path}: ${res.text}`).toBe(200);
      expect(res.json.data, path).toEqual([]);
      for (const word of secretWords) expect(res.text, `${path} leaks ${word}`).not.toContain(word);
    }
    const check = await api(attacker.key).get(`/v1/consent/check?phone=${encodeURIComponent(consented)}&consent_type=marketing`);
    expect(check.json).toMatchObject({ allowed: false, record: null });

    expect(await attackerCalls()).toBe(attackerCallsBefore);
    expect((await api(attacker.key).get(`/v1/phone-numbers/${attackerNumber.id}`)).json.agent_id).toBe(attacker.agentId);
    expect(await victimState(victim)).toEqual(before);
  });
});
