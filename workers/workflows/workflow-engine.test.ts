import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { insertCall } from "../../shared/calls/call-records.ts";
import { newCallId } from "../../shared/ids.ts";
import { webhookEventBody } from "../../shared/webhooks/emit-webhook-event.ts";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { registerWithTwilio, telephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import { baseCampaign } from "../campaigns/campaign-fixtures.ts";
import { dispatchWorkflows } from "./event-dispatch.ts";
import { armVendorFault, connectSlackAndHubSpot, createWorkflow, vendorRequests } from "./testing/workflow-fixtures.ts";

const analyzed = (accountId: string, callId: string, overrides: Record<string, unknown> = {}) =>
  webhookEventBody({
    type: "call.analyzed",
    accountId,
    data: {
      call_id: callId,
      agent_id: "AGT-7KQ2M9XD4H",
      analysis_version: 1,
      agent_version: 1,
      status: "succeeded",
      reason: null,
      summary: "The caller could not confirm the appointment.",
      structured_data: { wants_callback: true },
      success: false,
      succeeded: false,
      sentiment: "neutral",
      disposition: "no_decision",
      model: "sim",
      attempts: 1,
      usage: { input_tokens: 1, output_tokens: 1 },
      cost: null,
      quality: null,
      created_at: new Date().toISOString(),
      completed_at: new Date().toISOString(),
      ...overrides,
    },
  });

const FOLLOW_UP_STEPS = [
  { id: "task", type: "action", integration: "hubspot", action: "create_task", input: { subject: "Call back about {{ event.call_id }}", body: "{{ event.summary }}", priority: "HIGH" } },
  { id: "notify", type: "action", integration: "slack", action: "post_message", input: { text: "Call {{ event.call_id }} did not succeed; HubSpot task {{ steps.task.task_id }}" } },
  { id: "wait", type: "delay", duration: "1 day" },
  { id: "callback", type: "http", url: `${env.TOOL_SERVER_URL}/echo?tag={{ run.id }}`, body: { call_id: "{{ event.call_id }}", task_id: "{{ steps.task.task_id }}" } },
];
/** The callback attempt: the caller goes back into a campaign, with the task for the agent's prompt. */
const redialStep = (campaignId: string) => ({ id: "redial", type: "add_to_campaign", campaign_id: campaignId, phone: "{{ event.phone }}", variables: { task_id: "{{ steps.task.task_id }}" } });

const runsOf = async (key: string, workflowId: string) => (await api(key).get(`/v1/workflows/${workflowId}/runs`)).json.data as any[];

describe("workflows on Cloudflare Workflows", () => {
  it("on call.analyzed with success = false: creates a HubSpot task, posts to Slack, waits, calls back and puts the caller into a campaign; the run lists every step", async () => {
    const t = await telephonyTenant();
    await connectSlackAndHubSpot(t.key);
    const campaign = (await api(t.key).post("/v1/campaigns", baseCampaign(t))).json;
    const workflowId = await createWorkflow(t.key, { trigger: { type: "call.analyzed", success: false }, steps: [...FOLLOW_UP_STEPS, redialStep(campaign.id)] });
    await using introspector = await introspectWorkflow(env.AUTOMATION_WORKFLOW);
    await introspector.modifyAll(async (m) => m.disableSleeps());

    const callId = newCallId();
    const caller = `+1212555${String(Math.floor(Math.random() * 1e4)).padStart(4, "0")}`;
    await insertCall(env, { id: callId, accountId: t.accountId, agentId: t.agentId, agentVersion: 1, direction: "inbound", from: caller, to: t.number, twilioCallSid: null, status: "completed" });
    // A successful call starts nothing; the failed one starts one run, and its redelivery no second one.
    expect(await dispatchWorkflows(env, analyzed(t.accountId, "CAL-SUCCEEDED", { succeeded: true, success: true }))).toEqual([]);
    const event = analyzed(t.accountId, callId);
    const [runId] = await dispatchWorkflows(env, event);
    expect(await dispatchWorkflows(env, event)).toEqual([runId]);

    const [instance] = await introspector.get();
    await instance!.waitForStatus("complete");

    const [task] = await vendorRequests("hubspot", callId);
    expect(task).toMatchObject({ method: "POST", path: "/crm/v3/objects/tasks", status: 201 });
    expect(task!.headers.authorization).toBe("Bearer pat-na1-simulator-token");
    expect(task!.body.properties).toMatchObject({ hs_task_subject: `Call back about ${callId}`, hs_task_priority: "HIGH", hs_task_status: "NOT_STARTED", hs_task_type: "CALL" });
    const [message] = await vendorRequests("slack", callId);
    expect(message!.body.text).toMatch(new RegExp(`^Call ${callId} did not succeed; HubSpot task \\d+$`));

    const runs = await runsOf(t.key, workflowId);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: runId, status: "completed", trigger_type: "call.analyzed", trigger_ref: { call_id: callId }, error: null });
    expect(runs[0].steps.map((s: any) => [s.step_id, s.status, s.attempts])).toEqual([
      ["task", "succeeded", 1],
      ["notify", "succeeded", 1],
      ["wait", "succeeded", 0],
      ["callback", "succeeded", 1],
      ["redial", "succeeded", 1],
    ]);
    expect(runs[0].steps[4].output).toEqual({ campaign_id: campaign.id, added: true });
    const contacts = (await api(t.key).get(`/v1/campaigns/${campaign.id}/contacts`)).json.data;
    expect(contacts).toEqual([expect.objectContaining({ phone: caller, state: "pending", variables: { task_id: runs[0].steps[0].output.task_id } })]);
    expect(runs[0].steps[0].output).toEqual({ task_id: expect.stringMatching(/^\d+$/) });
    // Inputs are the definitions (templates), so a run holds no caller data.
    expect(runs[0].steps[0].input.input.body).toBe("{{ event.summary }}");
    expect(JSON.stringify(runs)).not.toContain("could not confirm");
    expect(JSON.stringify(runs)).not.toContain(caller);
  });

  it("retries a step that fails transiently (HubSpot answers 503 once)", async () => {
    const t = await createTenant();
    await connectSlackAndHubSpot(t.key);
    const marker = `retry-${crypto.randomUUID()}`;
    const workflowId = await createWorkflow(t.key, { trigger: { type: "manual" }, steps: [{ id: "task", type: "action", integration: "hubspot", action: "create_task", input: { subject: marker } }] });
    await using introspector = await introspectWorkflow(env.AUTOMATION_WORKFLOW);
    await introspector.modifyAll(async (m) => m.disableRetryDelays());
    await armVendorFault("hubspot", 503, 1);

    expect((await api(t.key).post(`/v1/workflows/${workflowId}/runs`, { input: {} })).status).toBe(202);
    const [instance] = await introspector.get();
    await instance!.waitForStatus("complete");
    expect((await vendorRequests("hubspot", marker)).map((r) => r.status)).toEqual([503, 201]);
    const [run] = await runsOf(t.key, workflowId);
    expect(run.steps[0]).toMatchObject({ status: "succeeded", attempts: 2, error: null });
  });

  it("stops a run cancelled during its delay: the step after the sleep never runs", async () => {
    const t = await createTenant();
    const workflowId = await createWorkflow(t.key, {
      trigger: { type: "manual" },
      steps: [
        { id: "wait", type: "delay", duration: "3 days" },
        { id: "after", type: "http", url: `${env.TOOL_SERVER_URL}/echo?tag=after-{{ run.id }}`, body: {} },
      ],
    });
    await using introspector = await introspectWorkflow(env.AUTOMATION_WORKFLOW);
    const started = await api(t.key).post(`/v1/workflows/${workflowId}/runs`, { input: {} });
    const runId = started.json.id;
    await vi.waitFor(async () => expect((await runsOf(t.key, workflowId))[0].status).toBe("sleeping"), { timeout: 30_000 });

    const cancelled = await api(t.key).post(`/v1/workflows/${workflowId}/runs/${runId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe("cancelled");
    const [instance] = await introspector.get();
    await instance!.waitForStatus("terminated");
    const [run] = await runsOf(t.key, workflowId);
    expect(run.steps.map((s: any) => s.status)).toEqual(["cancelled", "cancelled"]);
    const seen = await (await fetch(`${env.TOOL_SERVER_URL}/seen?tag=after-${runId}`)).text();
    expect(seen).not.toContain("POST");
    expect((await api(t.key).post(`/v1/workflows/${workflowId}/runs/${runId}/cancel`)).status).toBe(409);
  });

  it("retries a failed run from its failed step: the steps before it are not repeated", async () => {
    const t = await createTenant();
    await connectSlackAndHubSpot(t.key);
    const marker = `resume-${crypto.randomUUID()}`;
    const workflowId = await createWorkflow(t.key, {
      trigger: { type: "manual" },
      steps: [
        { id: "notify", type: "action", integration: "slack", action: "post_message", input: { text: marker } },
        { id: "task", type: "action", integration: "hubspot", action: "create_task", input: { subject: marker } },
      ],
    });
    await using introspector = await introspectWorkflow(env.AUTOMATION_WORKFLOW);
    await introspector.modifyAll(async (m) => m.disableRetryDelays());
    await armVendorFault("hubspot", 500, 4);
    const runId = (await api(t.key).post(`/v1/workflows/${workflowId}/runs`, { input: {} })).json.id;
    const [instance] = await introspector.get();
    await instance!.waitForStatus("errored");
    const [failed] = await runsOf(t.key, workflowId);
    expect(failed).toMatchObject({ status: "failed", error: expect.stringContaining("HubSpot answered HTTP 500") });
    expect(failed.steps.map((s: any) => [s.status, s.attempts])).toEqual([["succeeded", 1], ["failed", 4]]);

    const retried = await api(t.key).post(`/v1/workflows/${workflowId}/runs/${runId}/retry`);
    expect(retried.status).toBe(202);
    await vi.waitFor(async () => expect((await runsOf(t.key, workflowId))[0].status).toBe("completed"), { timeout: 30_000 });
    expect(await vendorRequests("slack", marker)).toHaveLength(1);
    expect((await vendorRequests("hubspot", marker)).map((r) => r.status)).toEqual([500, 500, 500, 500, 201]);
  });

  it("ends a run at a condition that does not hold: later steps are skipped and never run", async () => {
    const t = await createTenant();
    const marker = `condition-${crypto.randomUUID()}`;
    const workflowId = await createWorkflow(t.key, {
      trigger: { type: "call.ended", end_reasons: ["twilio:completed", "voicemail_left"] },
      steps: [
        { id: "long_enough", type: "condition", field: "event.duration_seconds", op: "gte", value: 30 },
        { id: "post", type: "http", url: `${env.TOOL_SERVER_URL}/echo?tag=${marker}`, body: {} },
      ],
    });
    await using introspector = await introspectWorkflow(env.AUTOMATION_WORKFLOW);
    const ended = (endReason: string, duration: number) =>
      webhookEventBody({ type: "call.ended", accountId: t.accountId, data: { call_id: `CAL-${crypto.randomUUID().slice(0, 8)}`, agent_id: "AGT-7KQ2M9XD4H", agent_version: 1, direction: "inbound", from: "+14155550100", to: "+14155550101", status: "completed", end_reason: endReason, ended_at: new Date().toISOString(), duration_seconds: duration } });
    expect(await dispatchWorkflows(env, ended("twilio:busy", 5))).toEqual([]);
    const [runId] = await dispatchWorkflows(env, ended("twilio:completed", 12));
    const [instance] = await introspector.get();
    await instance!.waitForStatus("complete");
    const [run] = await runsOf(t.key, workflowId);
    expect(run).toMatchObject({ id: runId, status: "completed" });
    expect(run.steps.map((s: any) => [s.status, s.output])).toEqual([["succeeded", { passed: false }], ["skipped", null]]);
    expect(await (await fetch(`${env.TOOL_SERVER_URL}/seen?tag=${marker}`)).text()).not.toContain("POST");
  });

  it("texts a templated message through the account's Twilio in an sms step; a number that is not E.164 fails the step at once", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    const workflowId = await createWorkflow(t.key, {
      trigger: { type: "manual" },
      steps: [{ id: "text", type: "sms", to: "{{ event.phone }}", body: "Hi {{ event.name }}, see you at {{ event.time }}." }],
    });
    const phone = `+1212555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    await api(t.key).post(`/v1/workflows/${workflowId}/runs`, { input: { phone, name: "Ada", time: "9:30" } });
    await api(t.key).post(`/v1/workflows/${workflowId}/runs`, { input: { phone: "tomorrow", name: "Bob", time: "10:00" } });
    await vi.waitFor(async () => expect((await runsOf(t.key, workflowId)).map((r) => r.status).sort()).toEqual(["completed", "failed"]), { timeout: 30_000 });

    const runs = await runsOf(t.key, workflowId);
    const done = runs.find((r) => r.status === "completed");
    expect(done.steps[0].output).toMatchObject({ message_sid: expect.stringMatching(/^SM/), from: t.number });
    const sent = await (await fetch(`${env.TWILIO_API_BASE_URL}/__control/messages?${new URLSearchParams({ to: phone, accountSid: t.accountSid })}`)).json<{ body: string; from: string }[]>();
    expect(sent).toEqual([expect.objectContaining({ body: "Hi Ada, see you at 9:30.", from: t.number })]);
    const failed = runs.find((r) => r.status === "failed");
    expect(failed.steps[0]).toMatchObject({ status: "failed", attempts: 1, error: expect.stringContaining("not an E.164 number") });

    // Back on trial, the account texts only numbers it verified, as it calls only them: the step fails at once.
    await env.DB.prepare("UPDATE accounts SET verification = 'trial' WHERE id = ?").bind(t.accountId).run();
    const stranger = `+1212555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    await api(t.key).post(`/v1/workflows/${workflowId}/runs`, { input: { phone: stranger, name: "Cy", time: "11:00" } });
    await vi.waitFor(async () => expect((await runsOf(t.key, workflowId)).filter((r) => r.status === "failed")).toHaveLength(2), { timeout: 30_000 });
    const refused = (await runsOf(t.key, workflowId)).find((r) => r.status === "failed" && r.id !== failed.id);
    expect(refused.steps[0]).toMatchObject({ status: "failed", attempts: 1, error: expect.stringContaining("on trial and texts only numbers it has verified") });
    const texted = await (await fetch(`${env.TWILIO_API_BASE_URL}/__control/messages?${new URLSearchParams({ to: stranger, accountSid: t.accountSid })}`)).json();
    expect(texted).toEqual([]);
  });
});
