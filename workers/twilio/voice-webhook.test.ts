import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ID_PATTERNS } from "../../shared/ids.ts";
import { request } from "../../test/workers/api-client.ts";
import { BASE, inboundParams, parseConnect, telephonyTenant, twilioPost } from "../../test/workers/telephony-fixtures.ts";

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
      expect((await securityEvents("/twilio/voice")).length).toBe(before + 1);
      const calls = await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE twilio_call_sid = ?").bind(params.CallSid).first<{ n: number }>();
      expect(calls!.n).toBe(0);
    });

    it("an unknown Twilio account", async () => {
      const res = await twilioPost("/twilio/voice", inboundParams({ accountSid: `AC${"f".repeat(32)}`, number: "+14155550000" }), "whatever");
      expect(res.status).toBe(403);
    });
  });

  it("honours the public base URL Twilio was given when behind a proxy", async () => {
    const t = await telephonyTenant();
    const params = inboundParams(t);
    const { computeTwilioSignature } = await import("../../shared/protocol/twilio-signature.ts");
    const signature = await computeTwilioSignature(t.authToken, "https://public.example.com/twilio/voice", params);
    const res = await request("POST", "/twilio/voice", {
      body: new URLSearchParams(params).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature, "x-forwarded-host": "public.example.com", "x-forwarded-proto": "https" },
    });
    expect(res.status).toBe(200);
    expect(parseConnect(res.text).url).toMatch(/^wss:\/\/public\.example\.com\/twilio\/stream\//);
  });

  describe("answers calls it will not take with <Say> and <Hangup>, and records why", () => {
    const refusalReason = async (accountId: string, callSid: string) =>
      (await env.DB.prepare("SELECT detail FROM audit_log WHERE account_id = ? AND action = 'call.refused' AND resource = ?").bind(accountId, callSid).first<{ detail: string }>())
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

    it("an account out of credit", async () => {
      const t = await telephonyTenant();
      await request("PATCH", `/v1/operator/accounts/${t.accountId}`, { headers: { "x-operator-secret": env.OPERATOR_SECRET }, body: { credit_cents: 0 } });
      const params = inboundParams(t);
      expect((await twilioPost("/twilio/voice", params, t.authToken)).text).toContain("temporarily unavailable");
      expect(JSON.parse((await refusalReason(t.accountId, params.CallSid))!).reason).toBe("out_of_credit");
    });

    it("an account at its concurrent-call limit, admitting exactly the limit under parallel calls", async () => {
      const t = await telephonyTenant({ maxConcurrentCalls: 2 });
      const results = await Promise.all(Array.from({ length: 6 }, () => twilioPost("/twilio/voice", inboundParams(t), t.authToken)));
      expect(results.filter((r) => r.text.includes("<Connect")).length).toBe(2);
      expect(results.filter((r) => r.text.includes("All of our lines are busy")).length).toBe(4);
    });
  });
});
