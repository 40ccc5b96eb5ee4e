import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "./api-client.ts";
import { telephonyTenant } from "./telephony-fixtures.ts";

/**
 * Walks every route that takes an id with another tenant's ids: each must answer 404 and reveal nothing, and
 * nothing may change. The route table must cover every parameterised path in the OpenAPI document, so a new
 * route cannot skip this test.
 */
describe("tenant isolation", () => {
  it("answers 404 on every id-bearing route for another tenant's resources, and changes nothing", async () => {
    const victim = await telephonyTenant();
    const attacker = await telephonyTenant();
    const v = api(victim.key);
    const user = (await v.post("/v1/users", { email: "staff@victim.test", role: "viewer" })).json;
    const key = (await v.post("/v1/api-keys", { name: "ci", scopes: ["agents:read"] })).json;
    const number = (await v.get("/v1/phone-numbers")).json.data[0];
    await v.post("/v1/do-not-call", { phone: "+14155550177", reason: "asked" });
    const callId = "CAL-2222222222XXYZ";
    await env.DB.prepare(
      "INSERT INTO calls (id, account_id, agent_id, agent_version, direction, from_number, to_number, twilio_call_sid, status, created_at) VALUES (?, ?, ?, 1, 'inbound', '+12125550100', ?, 'CA00000000000000000000000000000099', 'in-progress', '2026-11-01T00:00:00Z')",
    )
      .bind(callId, victim.accountId, victim.agentId, victim.number)
      .run();
    const secretWords = [victim.accountId, "staff@victim.test", victim.number, "Receptionist", "+14155550177"];

    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/users/${user.id}`],
      ["PATCH", `/v1/users/${user.id}`, { role: "admin" }],
      ["DELETE", `/v1/users/${user.id}`],
      ["POST", `/v1/users/${user.id}/tokens`, {}],
      ["DELETE", `/v1/api-keys/${key.id}`],
      ["GET", `/v1/agents/${victim.agentId}`],
      ["PATCH", `/v1/agents/${victim.agentId}`, { name: "pwned" }],
      ["DELETE", `/v1/agents/${victim.agentId}`],
      ["POST", `/v1/agents/${victim.agentId}/publish`, {}],
      ["POST", `/v1/agents/${victim.agentId}/rollback`, { version: 1 }],
      ["GET", `/v1/agents/${victim.agentId}/versions`],
      ["GET", `/v1/agents/${victim.agentId}/versions/1`],
      ["GET", `/v1/phone-numbers/${number.id}`],
      ["PATCH", `/v1/phone-numbers/${number.id}`, { agent_id: null }],
      ["DELETE", `/v1/phone-numbers/${number.id}`],
      ["GET", `/v1/calls/${callId}`],
      ["POST", `/v1/calls/${callId}/hangup`, {}],
      ["POST", `/v1/calls/${callId}/transfer`, { to: "+14155550188" }],
      ["GET", `/v1/do-not-call/${encodeURIComponent("+14155550177")}`],
      ["DELETE", `/v1/do-not-call/${encodeURIComponent("+14155550177")}`],
    ];

    const doc = await (await exports.default.fetch("https://api.test/openapi.json")).json<{ paths: Record<string, Record<string, unknown>> }>();
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/v1/") && path.includes("{") && !path.startsWith("/v1/operator"))
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    const walked = routes.map(([m, p]) => `${m} ${p.replace(user.id, "{id}").replace(key.id, "{id}").replace(victim.agentId, "{id}").replace(number.id, "{id}").replace(callId, "{id}").replace("/versions/1", "/versions/{version}").replace(encodeURIComponent("+14155550177"), "{phone}")}`);
    expect(walked.sort()).toEqual(documented.sort());

    const before = await env.DB.prepare("SELECT (SELECT count(*) FROM users WHERE account_id = ?1) AS users, (SELECT group_concat(revoked_at) FROM api_keys WHERE account_id = ?1) AS revoked, (SELECT name || status || coalesce(live_version, 0) || latest_version FROM agents WHERE account_id = ?1) AS agent, (SELECT agent_id || status FROM phone_numbers WHERE account_id = ?1) AS number, (SELECT count(*) FROM do_not_call WHERE account_id = ?1) AS dnc")
      .bind(victim.accountId)
      .first();
    for (const [method, path, body] of routes) {
      const res = await (method === "GET" ? api(attacker.key).get(path) : method === "DELETE" ? api(attacker.key).delete(path) : method === "PATCH" ? api(attacker.key).patch(path, body) : api(attacker.key).post(path, body));
      expect(res.status, `${method} ${path}`).toBe(404);
      for (const word of secretWords) expect(res.text, `${method} ${path} leaks ${word}`).not.toContain(word);
    }
    const after = await env.DB.prepare("SELECT (SELECT count(*) FROM users WHERE account_id = ?1) AS users, (SELECT group_concat(revoked_at) FROM api_keys WHERE account_id = ?1) AS revoked, (SELECT name || status || coalesce(live_version, 0) || latest_version FROM agents WHERE account_id = ?1) AS agent, (SELECT agent_id || status FROM phone_numbers WHERE account_id = ?1) AS number, (SELECT count(*) FROM do_not_call WHERE account_id = ?1) AS dnc")
      .bind(victim.accountId)
      .first();
    expect(after).toEqual(before);
    // And the victim still sees everything.
    expect((await v.get(`/v1/agents/${victim.agentId}`)).status).toBe(200);
  });
});
