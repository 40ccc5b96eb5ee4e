import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { registerWithTwilio, telephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import { baseCampaign, simCalls, simControl } from "../campaigns/campaign-fixtures.ts";
import { createWorkflow } from "./testing/workflow-fixtures.ts";

/** Outside the US: no calling-hours gate, so the test does not depend on the hour it runs at. */
const UK = "+442071838750";
const UK_UNCONSENTED = "+442071838751";
const UK_LOST_ANSWER = "+442071838752";

async function runToEnd(key: string, workflowId: string, input: Record<string, unknown>) {
  const runId = (await api(key).post(`/v1/workflows/${workflowId}/runs`, { input })).json.id as string;
  let run: any;
  await vi.waitFor(
    async () => {
      run = (await api(key).get(`/v1/workflows/${workflowId}/runs/${runId}`)).json;
      expect(["completed", "failed"]).toContain(run.status);
    },
    { timeout: 30_000, interval: 20 },
  );
  return run;
}

describe("workflow steps that reach callees", () => {
  it("outbound_call places a consented call through the shared dial; a refused one fails the step at once with its reason", { timeout: 60_000 }, async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    expect((await api(t.key).post("/v1/consent", { phone: UK, consent_type: "outbound_calls", source: "web_form:test" })).status).toBe(201);
    const workflowId = await createWorkflow(t.key, {
      trigger: { type: "manual" },
      steps: [{ id: "call", type: "outbound_call", agent_id: t.agentId, from: t.number, to: "{{ event.phone }}", variables: { first_name: "{{ event.name }}" } }],
    });

    const placed = await runToEnd(t.key, workflowId, { phone: UK, name: "Ada" });
    expect(placed.steps[0]).toMatchObject({ status: "succeeded", attempts: 1, output: { call_id: expect.stringMatching(/^CAL-/), status: "placed" } });
    const callId = placed.steps[0].output.call_id;
    expect((await simCalls(t)).filter((c) => c.to === UK)).toHaveLength(1);
    const call = (await api(t.key).get(`/v1/calls/${callId}`)).json;
    expect(call).toMatchObject({ id: callId, direction: "outbound", to: UK, from: t.number });
    const audit = await env.DB.prepare("SELECT actor FROM audit_log WHERE account_id = ? AND action = 'call.placed' AND resource = ?").bind(t.accountId, callId).first<{ actor: string }>();
    expect(audit).toEqual({ actor: "platform" });

    const refused = await runToEnd(t.key, workflowId, { phone: UK_UNCONSENTED, name: "Bob" });
    expect(refused).toMatchObject({ status: "failed", error: expect.stringContaining("refused: consent_no_record") });
    expect(refused.steps[0]).toMatchObject({ status: "failed", attempts: 1 });
    expect((await simCalls(t)).filter((c) => c.to === UK_UNCONSENTED)).toEqual([]);
    expect(JSON.stringify(refused)).not.toContain(UK_UNCONSENTED);

    const malformed = await runToEnd(t.key, workflowId, { phone: "not a number" });
    expect(malformed).toMatchObject({ status: "failed", error: expect.stringContaining("the rendered `to` is not an E.164 number") });
  });

  it("outbound_call whose Twilio answer was lost after the call was placed finds that call on retry: one call at the simulator", { timeout: 60_000 }, async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    expect((await api(t.key).post("/v1/consent", { phone: UK_LOST_ANSWER, consent_type: "outbound_calls", source: "web_form:test" })).status).toBe(201);
    const workflowId = await createWorkflow(t.key, { trigger: { type: "manual" }, steps: [{ id: "call", type: "outbound_call", agent_id: t.agentId, from: t.number, to: "{{ event.phone }}" }] });
    await using introspector = await introspectWorkflow(env.AUTOMATION_WORKFLOW);
    await introspector.modifyAll(async (m) => m.disableRetryDelays());
    // Twilio creates the call, then its edge answers 503: the attempt cannot tell whether a call exists.
    await simControl("rest-faults", { accountSid: t.accountSid, status: 503, when: "after", count: 1 });

    const run = await runToEnd(t.key, workflowId, { phone: UK_LOST_ANSWER });
    expect(run.steps[0]).toMatchObject({ status: "succeeded", attempts: 2, output: { call_id: expect.stringMatching(/^CAL-/), status: "placed" } });
    const placed = (await simCalls(t)).filter((c) => c.to === UK_LOST_ANSWER);
    expect(placed).toHaveLength(1);
    // The step's call is the one Twilio created: its record carries that call's sid, and it was audited once.
    const callId = run.steps[0].output.call_id;
    const row = await env.DB.prepare("SELECT twilio_call_sid FROM calls WHERE id = ?").bind(callId).first<{ twilio_call_sid: string }>();
    expect(row).toEqual({ twilio_call_sid: placed[0]!.callSid });
    // Chained or still waiting for the chainer: an entry is in one of the two tables.
    const audits = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM audit_log WHERE account_id = ?1 AND action = 'call.placed' AND resource = ?2) + (SELECT count(*) FROM audit_pending WHERE account_id = ?1 AND action = 'call.placed' AND resource = ?2) AS n",
    )
      .bind(t.accountId, callId)
      .first<{ n: number }>();
    expect(audits).toEqual({ n: 1 });
  });

  it("add_to_campaign is refused cleanly once the campaign is cancelled, at run time and at save", { timeout: 60_000 }, async () => {
    const t = await telephonyTenant();
    const a = api(t.key);
    const campaignId = (await a.post("/v1/campaigns", baseCampaign(t))).json.id;
    const steps = [{ id: "redial", type: "add_to_campaign", campaign_id: campaignId, phone: "{{ event.phone }}" }];
    const workflowId = await createWorkflow(t.key, { trigger: { type: "manual" }, steps });
    expect((await a.post(`/v1/campaigns/${campaignId}/cancel`)).status).toBe(200);

    const run = await runToEnd(t.key, workflowId, { phone: "+12125550199" });
    expect(run).toMatchObject({ status: "failed", error: expect.stringContaining("the campaign is cancelled; contacts can no longer be added") });
    expect(run.steps[0]).toMatchObject({ status: "failed", attempts: 1 });
    expect((await a.get(`/v1/campaigns/${campaignId}`)).json.contact_count).toBe(0);

    const saved = await a.put(`/v1/workflows/${workflowId}`, { name: "Redial", trigger: { type: "manual" }, steps });
    expect(saved.status).toBe(422);
    expect(saved.json.errors).toEqual([{ path: "steps.0.campaign_id", message: "the campaign is cancelled: it takes no more contacts", code: "campaign_ended" }]);
  });

  it("refuses at save campaigns, agents and numbers the account does not have, and templates naming unknown fields", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const other = await telephonyTenant();
    const othersCampaign = (await api(other.key).post("/v1/campaigns", baseCampaign(other))).json.id;
    const res = await api(t.key).post("/v1/workflows", {
      name: "Bad",
      trigger: { type: "campaign.completed", campaign_ids: [othersCampaign] },
      steps: [
        { id: "redial", type: "add_to_campaign", campaign_id: othersCampaign, phone: "{{ event.phone }}" },
        { id: "call", type: "outbound_call", agent_id: other.agentId, from: other.number, to: "{{ event.counts.done }}", variables: { who: "{{ steps.redial.phone }}" } },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.json.errors).toEqual([
      { path: "steps.0.phone", message: "`event.phone` is not a field this workflow's runs have", code: "unknown_field" },
      { path: "steps.1.variables.who", message: "`steps.redial.phone` is not a field this workflow's runs have", code: "unknown_field" },
      { path: "trigger.campaign_ids.0", message: `no campaign ${othersCampaign} in this account`, code: "unknown_campaign" },
      { path: "steps.0.campaign_id", message: `no campaign ${othersCampaign} in this account`, code: "unknown_campaign" },
      { path: "steps.1.agent_id", message: "the agent does not exist, is archived, or was never published", code: "unknown_agent" },
      { path: "steps.1.from", message: "not one of this account's active numbers", code: "unknown_number" },
    ]);
  });
});
