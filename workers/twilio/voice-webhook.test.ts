import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ID_PATTERNS } from "../../shared/ids.ts";
import { api, request } from "../../test/workers/api-client.ts";
import { phonePseudonym } from "../../shared/audit/phone-pseudonym.ts";
import { settleAudit } from "../../test/workers/audit-fixtures.ts";
import { accountGate, snapshotOf } from "../../test/workers/balance-snapshots.ts";
import { BASE, inboundParams, parseConnect, telephonyTenant, twilioPost } from "../../test/workers/telephony-fixtures.ts";

const auditRows = async (accountId: string, action: string) =>
  (await settleAudit(accountId), await env.DB.prepare("SELECT detail FROM audit_log WHERE account_id = ? AND action = ? ORDER BY seq").bind(accountId, action).all<{ detail: string }>()).results.map(
    (r) => JSON.parse(r.detail).reason ?? JSON.parse(r.detail).call_id,
  );

const callCount = async (accountId: string) => (await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE account_id = ?").bind(accountId).first<{ n: number }>())!.n;

// Security events are written through waitUntil, after the 403: wait for them.
const eventually = (assertion: () => Promise<void>) => vi.waitFor(assertion, { timeout: 5_000, interval: 20 });
const securityEvents = async (path: string) =>
  (await env.DB.prepare("SELECT kind, account_id, path FROM security_events WHERE path = ?").bind(path).all()).results;

describe("POST /twilio/voice", () => {
  it("answers an assigned number with <Connect><Stream> carrying the call id and a stream token", async () => {
    const t = await telephonyTenant();
    const params = inboundParams(t);
    const res = await twilioPost("/twilio/voice", params, t.authToken);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/xml/);
    const connect = parseConnect(res.text);
    expect(connect.params.call_id).toMatch(ID_PATTERNS.call);
    expect(connect.url).toBe(`wss://voice.test/twilio/stream/${connect.params.call_id}`);
    expect(connect.action).toBe(`${BASE}/twilio/stream-ended/${connect.params.call_id}`);
    expect(connect.params.token!.split(".")).toHaveLength(3);
    const call = await env.DB.prepare("SELECT * FROM calls WHERE id = ?").bind(connect.params.call_id).first<Record<string, unknown>>();
    expect(call).toMatchObject({ account_id: t.accountId, agent_id: t.agentId, agent_version: 1, direction: "inbound", twilio_call_sid: params.CallSid, from_number: "+12125550123", to_number: t.number });
    const state = await env.CALL_SESSION.get(env.CALL_SESSION.idFromName(connect.params.call_id!)).state();
    expect(state.meta?.callId).toBe(connect.params.call_id);
  });

  it("routes SIP-style To/From to the same agent", async () => {
    const t = await telephonyTenant();
    const params = inboundParams(t, { To: `sip:${t.number}@acme.sip.twilio.com;transport=udp`, From: "sip:+12125550199@carrier.example" });
    const res = await twilioPost("/twilio/voice", params, t.authToken);
    const { params: p } = parseConnect(res.text);
    const call = await env.DB.prepare("SELECT to_number, from_number FROM calls WHERE id = ?").bind(p.call_id).first();
    expect(call).toEqual({ to_number: t.number, from_number: "+12125550199" });
  });

  it("audits the accepted call", async () => {
    const t = await telephonyTenant();
    const params = inboundParams(t);
    const { params: connect } = parseConnect((await twilioPost("/twilio/voice", params, t.authToken)).text);
    await settleAudit(t.accountId);
    const row = await env.DB.prepare("SELECT actor, resource, detail FROM audit_log WHERE account_id = ? AND action = 'call.accepted'").bind(t.accountId).first<{ actor: string; resource: string; detail: string }>();
    expect(row).toMatchObject({ actor: "twilio", resource: connect.call_id });
    // The caller's number is pseudonymised; the tenant's own number stays clear.
    expect(JSON.parse(row!.detail)).toEqual({
      call_id: connect.call_id,
      call_sid: params.CallSid,
      to: t.number,
      from: await phonePseudonym(env.ENCRYPTION_KEY, t.accountId, "+12125550123"),
      direction: "inbound",
      agent_version: 1,
    });
  });

  it("answers a repeated webhook for the same CallSid with the same call, taking no second slot", async () => {
    const t = await telephonyTenant();
    const gate = env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(t.accountId));
    const retried = inboundParams(t);
    const first = parseConnect((await twilioPost("/twilio/voice", retried, t.authToken)).text).params.call_id;
    expect(parseConnect((await twilioPost("/twilio/voice", retried, t.authToken)).text).params.call_id).toBe(first);
    // Delivered in parallel: one call all the same.
    const parallel = inboundParams(t);
    const answers = await Promise.all(Array.from({ length: 4 }, () => twilioPost("/twilio/voice", parallel, t.authToken)));
    const ids = new Set(answers.map((a) => parseConnect(a.text).params.call_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeDefined();
    expect(await callCount(t.accountId)).toBe(2);
    expect(await gate.active()).toBe(2);
    expect(await auditRows(t.accountId, "call.accepted")).toHaveLength(2);
    // Once the call has ended, a replay only hangs up.
    await env.CALL_SESSION.get(env.CALL_SESSION.idFromName(first!)).finalize({ status: "completed", endReason: "test", durationSeconds: 1 });
    expect((await twilioPost("/twilio/voice", retried, t.authToken)).text).toMatch(/^<\?xml[^>]*>\s*<Response><Hangup\/><\/Response>/);
    expect(await callCount(t.accountId)).toBe(2);
    // A retry while the call holds the account's only line is the same call, not "all lines busy".
    const full = await telephonyTenant({ maxConcurrentCalls: 1 });
    const only = inboundParams(full);
    const taken = parseConnect((await twilioPost("/twilio/voice", only, full.authToken)).text).params.call_id;
    expect(parseConnect((await twilioPost("/twilio/voice", only, full.authToken)).text).params.call_id).toBe(taken);
  });

  it("routes from KV before D1: a cached route wins over the table", async () => {
    const [t, other] = [await telephonyTenant(), await telephonyTenant()];
    // The cache says t's number belongs to the other tenant's agent; D1 says t's. The cache is what is read.
    await env.CONFIG_CACHE.put(`number:${t.number}`, JSON.stringify({ account_id: other.accountId, agent_id: other.agentId }));
    const refused = inboundParams(t);
    expect((await twilioPost("/twilio/voice", refused, t.authToken)).text).toContain("<Hangup/>");
    expect(await auditRows(t.accountId, "call.refused")).toEqual(["unknown_number"]);
    const { params: connect } = parseConnect((await twilioPost("/twilio/voice", inboundParams(other, { To: t.number }), other.authToken)).text);
    const call = await env.DB.prepare("SELECT account_id, agent_id FROM calls WHERE id = ?").bind(connect.call_id).first();
    expect(call).toEqual({ account_id: other.accountId, agent_id: other.agentId });
  });

  describe("rejects forged requests with 403 and records a security event", () => {
    it.each([
      ["a wrong auth token", { token: "not-the-token-0123456789" }],
      ["an altered parameter", { signedParams: { From: "+19999999999" } }],
      ["an altered URL", { signedUrl: `${BASE}/twilio/voice?x=1` }],
      ["a signature made for another path", { signedUrl: `${BASE}/twilio/status/CAL-X` }],
    ])("%s", async (_label, forge: { token?: string; signedParams?: Record<string, string>; signedUrl?: string }) => {
      const t = await telephonyTenant();
      const params = inboundParams(t);
      const before = (await securityEvents("/twilio/voice")).length;
      const res = await twilioPost("/twilio/voice", params, forge.token ?? t.authToken, {
        signedUrl: forge.signedUrl,
        signedParams: forge.signedParams ? { ...params, ...forge.signedParams } : undefined,
      });
      expect(res.status).toBe(403);
      expect(res.text).not.toContain("<Connect");
      await eventually(async () => expect((await securityEvents("/twilio/voice")).length).toBe(before + 1));
      const calls = await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE twilio_call_sid = ?").bind(params.CallSid).first<{ n: number }>();
      expect(calls!.n).toBe(0);
    });

    it("an unknown Twilio account", async () => {
      const before = (await securityEvents("/twilio/voice")).length;
      const res = await twilioPost("/twilio/voice", inboundParams({ accountSid: `AC${"f".repeat(32)}`, number: "+14155550000" }), "whatever");
      expect(res.status).toBe(403);
      await eventually(async () => expect((await securityEvents("/twilio/voice")).slice(before)).toEqual([{ kind: "twilio_signature_invalid", account_id: null, path: "/twilio/voice" }]));
    });
  });

  describe("answers calls it will not take with <Say> and <Hangup>, and records why", () => {
    const refusalReason = async (accountId: string, callSid: string) =>
      (await settleAudit(accountId), await env.DB.prepare("SELECT detail FROM audit_log WHERE account_id = ? AND action = 'call.refused' AND resource = ?").bind(accountId, callSid).first<{ detail: string }>())
        ?.detail;

    it("an unassigned number", async () => {
      const t = await telephonyTenant();
      await env.DB.prepare("UPDATE phone_numbers SET agent_id = NULL WHERE e164 = ?").bind(t.number).run();
      await env.CONFIG_CACHE.delete(`number:${t.number}`);
      const params = inboundParams(t);
      const res = await twilioPost("/twilio/voice", params, t.authToken);
      expect(res.text).toMatch(/<Say>The number you have called is not in service\. Goodbye\.<\/Say><Hangup\/>/);
      expect(JSON.parse((await refusalReason(t.accountId, params.CallSid))!).reason).toBe("number_unassigned");
    });

    it("a number no tenant of this Twilio account owns", async () => {
      const t = await telephonyTenant();
      const params = inboundParams(t, { To: "+14155559999" });
      const res = await twilioPost("/twilio/voice", params, t.authToken);
      expect(res.text).toContain("<Hangup/>");
      expect(JSON.parse((await refusalReason(t.accountId, params.CallSid))!).reason).toBe("unknown_number");
    });

    it("a suspended account", async () => {
      const t = await telephonyTenant();
      await request("PATCH", `/v1/operator/accounts/${t.accountId}`, { headers: { "x-operator-secret": env.OPERATOR_SECRET }, body: { status: "suspended" } });
      const params = inboundParams(t);
      const res = await twilioPost("/twilio/voice", params, t.authToken);
      expect(res.text).toContain("<Hangup/>");
      expect(res.text).not.toContain("<Connect");
      expect(JSON.parse((await refusalReason(t.accountId, params.CallSid))!).reason).toBe("account_suspended");
    });

    it("a prepaid account whose spendable credit cannot cover a call's reservation, politely", async () => {
      const t = await telephonyTenant();
      await accountGate(t.accountId).setBalance(snapshotOf(t.accountId, { balanceMinor: 299, reservePerMinuteMinor: 100 }));
      const params = inboundParams(t);
      const res = await twilioPost("/twilio/voice", params, t.authToken);
      expect(res.text).toContain("Please try again later");
      expect(res.text).not.toContain("<Connect");
      expect(JSON.parse((await refusalReason(t.accountId, params.CallSid))!).reason).toBe("insufficient_credit");
      expect(await accountGate(t.accountId).active()).toBe(0);
    });

    it("an account at its concurrent-call limit, admitting exactly the limit under parallel calls", async () => {
      const t = await telephonyTenant({ maxConcurrentCalls: 2 });
      const results = await Promise.all(Array.from({ length: 6 }, () => twilioPost("/twilio/voice", inboundParams(t), t.authToken)));
      expect(results.filter((r) => r.text.includes("<Connect")).length).toBe(2);
      expect(results.filter((r) => r.text.includes("All of our lines are busy")).length).toBe(4);
      expect(await auditRows(t.accountId, "call.refused")).toEqual(Array(4).fill("concurrency_limit"));
      expect(await auditRows(t.accountId, "call.accepted")).toHaveLength(2);
    });

    it("an agent that was never published", async () => {
      const t = await telephonyTenant();
      const draft = await api(t.key).post("/v1/agents", { name: "Draft", config: { system_prompt: "x", first_message: "Hi", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } });
      const number = (await api(t.key).get("/v1/phone-numbers")).json.data[0];
      expect((await api(t.key).patch(`/v1/phone-numbers/${number.id}`, { agent_id: draft.json.id })).status).toBe(200);
      const params = inboundParams(t);
      expect((await twilioPost("/twilio/voice", params, t.authToken)).text).toContain("<Hangup/>");
      expect(JSON.parse((await refusalReason(t.accountId, params.CallSid))!).reason).toBe("agent_not_published");
      expect(await callCount(t.accountId)).toBe(0);
    });
  });
});
