import { env } from "cloudflare:workers";
import { phonePseudonym } from "../../../shared/audit/phone-pseudonym.ts";
import { settleAudit } from "../../../test/workers/audit-fixtures.ts";
import { describe, expect, it, vi } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { ringingCallee, telephonyTenant, type TelephonyTenant } from "../../../test/workers/telephony-fixtures.ts";

const UK = "+442071838750";

/** The tenant's Twilio account (and caller-ID number) as the Twilio simulator knows them. */
async function registerWithTwilio(t: TelephonyTenant) {
  const post = (path: string, body: unknown) =>
    fetch(`${env.TWILIO_API_BASE_URL}/__control/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect((await post("accounts", { accountSid: t.accountSid, authToken: t.authToken })).status).toBe(201);
  expect((await post("numbers", { accountSid: t.accountSid, phoneNumber: t.number })).status).toBe(201);
}

const consent = (t: TelephonyTenant, phone: string, body: Record<string, unknown> = {}) =>
  api(t.key).post("/v1/consent", { phone, consent_type: "outbound_calls", source: "web_form:test", ...body });

const dial = (t: TelephonyTenant, to: string, extra: Record<string, unknown> = {}) =>
  api(t.key).post("/v1/calls", { agent_id: t.agentId, to, from: t.number, ...extra });

const refusals = async (accountId: string) =>
  (await settleAudit(accountId), await env.DB.prepare("SELECT detail FROM audit_log WHERE account_id = ? AND action = 'call.refused' ORDER BY seq").bind(accountId).all<{ detail: string }>()).results.map(
    (r) => JSON.parse(r.detail).reason,
  );

const callRows = async (accountId: string) => (await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE account_id = ?").bind(accountId).first<{ n: number }>())!.n;

describe("POST /v1/calls (outbound)", () => {
  it("dials through Twilio with the callee's consent and returns the queued call", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    await consent(t, UK);
    const res = await dial(t, UK);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ direction: "outbound", to: UK, from: t.number, status: "queued", twilio_call_sid: expect.stringMatching(/^CA[0-9a-f]{32}$/) });
    const audit = await env.DB.prepare("SELECT action, resource, detail FROM audit_log WHERE account_id = ? AND action = 'POST /v1/calls'").bind(t.accountId).first<{ detail: string }>();
    expect(audit).toMatchObject({ action: "POST /v1/calls", resource: res.json.id });
    // The callee is named by pseudonym; the caller ID is the tenant's own number.
    expect(JSON.parse(audit!.detail)).toMatchObject({ to: await phonePseudonym(env.ENCRYPTION_KEY, t.accountId, UK), from: t.number });
    // Twilio was asked to fetch the voice webhook for exactly this call, with status callbacks to it.
    await vi.waitFor(async () => {
      const sim = await (await fetch(`${env.TWILIO_API_BASE_URL}/__control/calls/${res.json.twilio_call_sid}`)).json<{ webhooks: { kind: string; url: string }[] }>();
      expect(sim.webhooks.map((w) => w.url)).toContain(`https://api.test/twilio/voice?call_id=${res.json.id}`);
      expect(sim.webhooks.find((w) => w.kind === "status-callback")?.url).toBe(`https://api.test/twilio/status/${res.json.id}`);
    });
  });

  it.each([
    ["no consent on record", async (_t: TelephonyTenant) => {}, "consent_no_record"],
    ["an opt-out after the opt-in", async (t: TelephonyTenant) => (await consent(t, UK, { captured_at: "2026-01-01T00:00:00Z" }), await api(t.key).post("/v1/consent/revoke", { phone: UK, consent_type: "outbound_calls", source: "ivr" })), "consent_opted_out"],
    ["an expired consent", async (t: TelephonyTenant) => consent(t, UK, { captured_at: "2025-01-01T00:00:00Z", expires_at: "2025-06-01T00:00:00Z" }), "consent_expired"],
    ["the do-not-call list", async (t: TelephonyTenant) => (await consent(t, UK), await api(t.key).post("/v1/do-not-call", { phone: UK, reason: "asked" })), "consent_do_not_call"],
    ["consent of another type", async (t: TelephonyTenant) => consent(t, UK, { consent_type: "marketing" }), "consent_no_record"],
  ])("is refused with %s, audited, and dials nothing", async (_label, arrange, reason) => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    await arrange(t);
    const res = await dial(t, UK);
    expect(res.status).toBe(403);
    expect(res.json.type).toBe("https://docs.ayb.dev/problems/consent-required");
    expect(res.json.reason).toBe(reason);
    expect(await refusals(t.accountId)).toEqual([reason]);
    expect(await callRows(t.accountId)).toBe(0);
  });

  it("is refused over the account's concurrent-call limit, without over-admitting parallel requests", async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: 2 });
    await registerWithTwilio(t);
    await consent(t, UK);
    const results = await Promise.all(Array.from({ length: 5 }, () => dial(t, UK)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 429).every((r) => r.json.type === "https://docs.ayb.dev/problems/concurrency-limit")).toBe(true);
    expect(await callRows(t.accountId)).toBe(2);
  });

  it("returns Twilio's error as problem+json with its code and marks the call failed", async () => {
    const t = await telephonyTenant();
    // The Twilio account exists but does not own the caller-ID number: Twilio answers 21210.
    await fetch(`${env.TWILIO_API_BASE_URL}/__control/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ accountSid: t.accountSid, authToken: t.authToken }) });
    await consent(t, UK);
    const res = await dial(t, UK);
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ type: "https://docs.ayb.dev/problems/provider-error", twilio_code: 21210 });
    const row = await env.DB.prepare("SELECT status, end_reason FROM calls WHERE id = ?").bind(res.json.call_id).first();
    expect(row).toEqual({ status: "failed", end_reason: "twilio_error:21210" });
    const gate = env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(t.accountId));
    expect(await gate.active()).toBe(0);
  });

  it("validates the body and refuses a caller ID the account does not own", async () => {
    const t = await telephonyTenant();
    const bad = await api(t.key).post("/v1/calls", { agent_id: "nope", to: "12", from: t.number });
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["agent_id", "to"]);
    const spoof = await dial(t, UK, { from: "+14155550199" });
    expect(spoof.status).toBe(422);
    expect(spoof.json.errors[0].path).toBe("from");
  });
});

describe("call control", () => {
  it("hangs up and transfers a live call through Twilio, recording the transfer", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    const to = await ringingCallee();
    await consent(t, to);
    const dialled = await dial(t, to);
    expect(dialled.status, dialled.text).toBe(201);
    const call = dialled.json;
    const transfer = await api(t.key).post(`/v1/calls/${call.id}/transfer`, { to: "+14155550188", mode: "cold" });
    expect(transfer.status, transfer.text).toBe(202);
    const events = await env.CALL_SESSION.get(env.CALL_SESSION.idFromName(call.id)).events();
    expect(events.find((e) => e.type === "call.transferred")?.data).toMatchObject({ to: "+14155550188", mode: "cold" });
    const hangup = await api(t.key).post(`/v1/calls/${call.id}/hangup`);
    expect(hangup.status).toBe(202);
  });

  it("refuses to control another tenant's call or a finished one", async () => {
    const [t, other] = [await telephonyTenant(), await telephonyTenant()];
    await registerWithTwilio(t);
    await consent(t, UK);
    const call = (await dial(t, UK)).json;
    expect((await api(other.key).post(`/v1/calls/${call.id}/hangup`)).status).toBe(404);
    await env.CALL_SESSION.get(env.CALL_SESSION.idFromName(call.id)).finalize({ status: "completed", endReason: "test", durationSeconds: 1 });
    const res = await api(t.key).post(`/v1/calls/${call.id}/hangup`);
    expect(res.status).toBe(409);
    expect(res.json.detail).toContain("completed");
  });
});
