import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { settleAudit } from "../../../test/workers/audit-fixtures.ts";
import { operator } from "../../../test/workers/billing-fixtures.ts";
import { inboundParams, parseConnect, registerWithTwilio, telephonyTenant, twilioPost, type TelephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import worker from "../../index.ts";
import { baseCampaign, campaignTenant } from "../../campaigns/campaign-fixtures.ts";
import { verifyCallee } from "./verified-number-fixtures.ts";

const VERIFICATION_REQUIRED = "https://docs.ayb.dev/problems/verification-required";
const CALLEE = "+12125550142";

const setVerification = (t: TelephonyTenant, verification: "trial" | "approved") => env.DB.prepare("UPDATE accounts SET verification = ? WHERE id = ?").bind(verification, t.accountId).run();
const dial = (t: TelephonyTenant, to = CALLEE) => api(t.key).post("/v1/calls", { agent_id: t.agentId, to, from: t.number });

async function trialTenant(): Promise<TelephonyTenant> {
  const t = await telephonyTenant({ verification: "trial" });
  await registerWithTwilio(t);
  return t;
}

describe("trial gates", () => {
  it("starts a bootstrapped account on trial with 60 minutes unless told otherwise", async () => {
    const res = await operator("POST", "/v1/operator/accounts", { name: "New business", owner_email: "new@business.test" });
    expect(res.json.account).toMatchObject({ verification: "trial", trial_minutes: 60 });
    const approved = await operator("POST", "/v1/operator/accounts", { name: "Vouched", owner_email: "v@business.test", verification: "approved", trial_minutes: 5 });
    expect(approved.json.account).toMatchObject({ verification: "approved", trial_minutes: 5 });
    const bad = await operator("POST", "/v1/operator/accounts", { name: "X", owner_email: "x@business.test", verification: "pending" });
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].path).toBe("verification");
  });

  it("refuses a trial account a second number, and allows it once approved", async () => {
    const t = await trialTenant();
    const refused = await api(t.key).post("/v1/phone-numbers", { e164: "+14155550177", source: "sip" });
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(refused.json).toMatchObject({ type: VERIFICATION_REQUIRED, detail: expect.stringContaining("/v1/verification") });
    await setVerification(t, "approved");
    expect((await api(t.key).post("/v1/phone-numbers", { e164: "+14155550177", source: "sip" })).status).toBe(201);
  });

  it("refuses outbound calls to numbers the trial account has not verified, then lets the verified callee through", async () => {
    const t = await trialTenant();
    const refused = await dial(t);
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ type: VERIFICATION_REQUIRED, reason: "verification_required", detail: expect.stringContaining("POST /v1/verified-numbers") });

    await verifyCallee(t, CALLEE);
    // Past the trial gate, the next check speaks: no consent is recorded for the callee.
    expect((await dial(t)).json.type).toBe("https://docs.ayb.dev/problems/consent-required");
    // Another number is still refused, until the account is approved.
    expect((await dial(t, "+12125550143")).json.type).toBe(VERIFICATION_REQUIRED);
    await setVerification(t, "approved");
    expect((await dial(t, "+12125550143")).json.type).toBe("https://docs.ayb.dev/problems/consent-required");
  });

  it("refuses new calls once the trial minutes are used, until the operator raises them or the account is approved", async () => {
    const t = await trialTenant();
    await verifyCallee(t, CALLEE);
    // 59 minutes and 1 second, counted as 60 whole minutes.
    await env.DB.prepare("INSERT INTO calls (id, account_id, agent_id, agent_version, direction, from_number, to_number, status, created_at, duration_seconds) VALUES (?, ?, ?, 1, 'inbound', ?, ?, 'completed', ?, ?)")
      .bind(`CAL-TRIALUSED${t.accountId.slice(-4)}`, t.accountId, t.agentId, CALLEE, t.number, new Date().toISOString(), 59 * 60 + 1)
      .run();
    // The tenant reads what it used of the cap (the console's verification page shows it).
    expect((await api(t.key).get("/v1/accounts/me")).json).toMatchObject({ verification: "trial", trial_minutes: 60, trial_minutes_used: 60 });
    const refused = await dial(t);
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ type: VERIFICATION_REQUIRED, reason: "trial_minutes_exhausted", detail: expect.stringContaining("trial call minutes") });

    // Inbound calls too: the caller is turned away rather than connected.
    const inbound = await twilioPost("/twilio/voice", inboundParams(t), t.authToken);
    expect(inbound.text).toContain("<Hangup/>");
    expect(inbound.text).not.toContain("<Connect>");

    const raised = await operator("PATCH", `/v1/operator/accounts/${t.accountId}`, { trial_minutes: 120 });
    expect(raised.json.trial_minutes).toBe(120);
    expect((await dial(t)).json.type).toBe("https://docs.ayb.dev/problems/consent-required");
    expect(parseConnect((await twilioPost("/twilio/voice", inboundParams(t), t.authToken)).text).params.call_id).toMatch(/^CAL-/);
    await operator("PATCH", `/v1/operator/accounts/${t.accountId}`, { trial_minutes: 0 });
    expect((await dial(t)).json.reason).toBe("trial_minutes_exhausted");
    await setVerification(t, "approved");
    expect((await dial(t)).json.type).toBe("https://docs.ayb.dev/problems/consent-required");
  });

  it("counts the minutes of calls still in progress, so concurrent calls cannot run past the cap", async () => {
    const t = await trialTenant();
    await verifyCallee(t, CALLEE);
    // Two calls answered 29½ minutes ago and still going: no finished call yet, but 2 × 30 minutes used.
    const answeredAt = new Date(Date.now() - 29.5 * 60_000).toISOString();
    for (const n of [1, 2]) {
      await env.DB.prepare("INSERT INTO calls (id, account_id, agent_id, agent_version, direction, from_number, to_number, status, created_at, answered_at) VALUES (?, ?, ?, 1, 'outbound', ?, ?, 'in-progress', ?, ?)")
        .bind(`CAL-TRIALLIVE${n}${t.accountId.slice(-4)}`, t.accountId, t.agentId, t.number, CALLEE, answeredAt, answeredAt)
        .run();
    }
    expect((await dial(t)).json).toMatchObject({ type: VERIFICATION_REQUIRED, reason: "trial_minutes_exhausted" });
    expect((await twilioPost("/twilio/voice", inboundParams(t), t.authToken)).text).not.toContain("<Connect>");
  });

  it("answers an account sent back to trial on its first number only, refusing calls to the others as not in service", async () => {
    const t = await telephonyTenant();
    // Bought while approved; created after the tenant's first number, so it is the second by age.
    const second = `+1341${String(Math.floor(Math.random() * 8_000_000) + 2_000_000)}`;
    expect((await api(t.key).post("/v1/phone-numbers", { e164: second, source: "sip", agent_id: t.agentId })).status).toBe(201);
    await setVerification(t, "trial");

    expect(parseConnect((await twilioPost("/twilio/voice", inboundParams(t), t.authToken)).text).params.call_id).toMatch(/^CAL-/);
    const refused = await twilioPost("/twilio/voice", inboundParams(t, { To: second }), t.authToken);
    expect(refused.text).toMatch(/<Say>The number you have called is not in service\. Goodbye\.<\/Say><Hangup\/>/);
    await settleAudit(t.accountId);
    const reasons = await env.DB.prepare("SELECT detail FROM audit_log WHERE account_id = ? AND action = 'call.refused'").bind(t.accountId).all<{ detail: string }>();
    expect(reasons.results.map((r) => JSON.parse(r.detail).reason)).toEqual(["trial_number_limit"]);

    await setVerification(t, "approved");
    expect(parseConnect((await twilioPost("/twilio/voice", inboundParams(t, { To: second }), t.authToken)).text).params.call_id).toMatch(/^CAL-/);
  });

  it("refuses creating and starting campaigns on trial", async () => {
    const t = await trialTenant();
    const body = { ...baseCampaign(t), max_concurrency: 1, contacts: [{ phone: CALLEE }] };
    const refused = await api(t.key).post("/v1/campaigns", body);
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ type: VERIFICATION_REQUIRED, detail: expect.stringContaining("campaigns") });

    await setVerification(t, "approved");
    const created = await api(t.key).post("/v1/campaigns", body);
    expect(created.status).toBe(201);
    // Sent back to trial (a sanctions rescreen): the campaign cannot start.
    await setVerification(t, "trial");
    const start = await api(t.key).post(`/v1/campaigns/${created.json.id}/start`);
    expect(start.status).toBe(403);
    expect(start.json.type).toBe(VERIFICATION_REQUIRED);
    await setVerification(t, "approved");
    expect((await api(t.key).post(`/v1/campaigns/${created.json.id}/start`)).status).toBe(200);
  });

  it("skips a running campaign's contacts that the account, sent back to trial, has not verified", { timeout: 30_000 }, async () => {
    const t = await campaignTenant({ maxConcurrentCalls: 5, reservedInbound: 1 });
    const seq = Math.floor(Math.random() * 9000) + 1000;
    const [verified, unverified] = [`+1212557${seq}`, `+1212558${seq}`];
    await verifyCallee(t, verified);
    const id = (await api(t.key).post("/v1/campaigns", { ...baseCampaign(t), contacts: [{ phone: verified }, { phone: unverified }] })).json.id;
    expect((await api(t.key).post(`/v1/campaigns/${id}/start`)).status).toBe(200);
    await setVerification(t, "trial");

    // 09:00 in New York, inside the campaign's hours: the cron tick dials through the checks.
    await worker.scheduled(createScheduledController({ scheduledTime: Date.parse("2027-01-13T14:00:00Z"), cron: "17 * * * *" }), env);
    const contacts = (await api(t.key).get(`/v1/campaigns/${id}/contacts`)).json.data;
    // The verified callee passes the trial gate and meets the next check (no consent is recorded).
    expect(contacts.map((c: { phone: string; state: string; reason: string }) => [c.phone, c.state, c.reason])).toEqual(
      expect.arrayContaining([
        [verified, "skipped", "consent_no_record"],
        [unverified, "skipped", "verification_required"],
      ]),
    );
  });
});
