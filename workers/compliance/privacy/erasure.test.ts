import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { registerWithTwilio, telephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import { callObjectDump, deliveredCallFrom, tracesOf, twilioRecording, uniquePhone } from "../../../test/workers/person-fixtures.ts";
import { baseCampaign, campaignStub } from "../../campaigns/campaign-fixtures.ts";
import { createWorkflow } from "../../workflows/testing/workflow-fixtures.ts";

describe("POST /v1/privacy/erasures", () => {
  it("leaves no trace of the number outside its tombstone in any D1 table, Postgres table, KV entry or call object", { timeout: 60_000 }, async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    const owner = api(t.key);
    const phone = uniquePhone();
    const recording = await twilioRecording(t);
    const callId = await deliveredCallFrom(t, phone, recording.sid);
    await owner.post("/v1/consent", { phone, consent_type: "outbound_calls", source: "web_form:signup" }, { "idempotency-key": "consent-1" });
    await owner.post("/v1/consent/revoke", { phone, consent_type: "marketing", source: "ivr" });
    await owner.post("/v1/do-not-call", { phone, reason: "asked" });
    await env.DB.prepare("INSERT INTO webhook_messages (id, account_id, endpoint_id, event_id, event_type, payload, status, attempts, created_at, updated_at) VALUES (?, ?, 'WHE-x', ?, 'call.started', ?, 'succeeded', 1, ?, ?)")
      .bind(`msg_${callId}`, t.accountId, `evt_${callId}`, JSON.stringify({ data: { from: phone } }), new Date().toISOString(), new Date().toISOString())
      .run();
    expect((await tracesOf(phone)).length).toBeGreaterThan(5);
    expect(await callObjectDump(callId)).toContain(phone);

    const res = await owner.post("/v1/privacy/erasures", { phone });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      phone_hash: expect.stringMatching(/^ph:k1:[0-9a-f]{32}$/),
      removed: { transcript_turns: 2, analyses: 1, recordings: 1, consent_records: 2, do_not_call_entry: true, webhook_messages: 1, stored_responses: 1, call_objects: 1 },
      calls_pseudonymised: 1,
      kept: { do_not_call: true, refused_consent_types: ["marketing"] },
    });
    expect(res.json.removed.call_events).toBeGreaterThan(0);

    expect(await tracesOf(phone)).toEqual([]);
    expect(await tracesOf(phone.slice(1))).toEqual([]);
    expect(await callObjectDump(callId)).not.toContain(phone);
    expect(await recording.exists()).toBe(false);
    // The call stays for billing, under the number's hash.
    expect((await owner.get(`/v1/calls/${callId}`)).json).toMatchObject({ from: res.json.phone_hash, turns: [] });
    // Audited, by hash and counts only.
    const entry = await env.DB.prepare("SELECT resource, detail FROM audit_log WHERE account_id = ? AND action = 'POST /v1/privacy/erasures'").bind(t.accountId).first<{ resource: string; detail: string }>();
    expect(entry).toMatchObject({ resource: res.json.phone_hash });
    expect(JSON.parse(entry!.detail)).toMatchObject({ removed: { transcript_turns: 2 } });
  });

  it("keeps the person's refusals: a later opt-in does not undo their do-not-call listing", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const owner = api(t.key);
    const phone = uniquePhone();
    await owner.post("/v1/do-not-call", { phone });
    expect((await owner.post("/v1/privacy/erasures", { phone })).status).toBe(200);
    await owner.post("/v1/consent", { phone, consent_type: "outbound_calls", source: "crm_import" });
    const call = await owner.post("/v1/calls", { agent_id: t.agentId, to: phone, from: t.number, consent_type: "outbound_calls" });
    expect(call.status).toBe(403);
    expect(call.json).toMatchObject({ type: "https://docs.ayb.dev/problems/consent-required" });
    expect(call.json.detail).toMatch(/do-not-call/);
  });

  it("touches only the caller's account: another tenant's records of the same number stay", { timeout: 30_000 }, async () => {
    const a = await telephonyTenant();
    const b = await telephonyTenant();
    const phone = uniquePhone();
    await api(b.key).post("/v1/consent", { phone, consent_type: "outbound_calls", source: "web_form" });
    await api(b.key).post("/v1/do-not-call", { phone });
    const receipt = await api(a.key).post("/v1/privacy/erasures", { phone });
    expect(receipt.json.removed).toMatchObject({ consent_records: 0, do_not_call_entry: false });
    expect((await api(b.key).get(`/v1/do-not-call/${encodeURIComponent(phone)}`)).status).toBe(200);
    expect((await api(b.key).post("/v1/privacy/exports", { phone })).json.consent_records).toHaveLength(1);
    expect((await api(b.key).post("/v1/privacy/exports", { phone })).json.erased).toBeNull();
  });

  it("takes the number out of the account's campaign contacts and scrubs workflow run records, listing both in the receipt", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const owner = api(t.key);
    const phone = `+1212${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const bystander = "+12125550188";
    const contacts = [{ phone, timezone: "America/New_York", variables: { first_name: "Ada" } }, { phone: bystander }];
    const neverDialled = (await owner.post("/v1/campaigns", { ...baseCampaign(t), contacts })).json.id;
    const dialled = (await owner.post("/v1/campaigns", { ...baseCampaign(t), contacts })).json.id;
    // The dialled campaign called the person once and waits to retry.
    await runInDurableObject(campaignStub(dialled), async (_instance, state) => {
      state.storage.sql.exec("INSERT INTO attempts (call_id, contact_seq, attempt, from_number, intent_at, call_sid, status, outcome, ended_at) VALUES ('CAL-ERASEDDIALLED1', 1, 1, ?, 0, 'CAERASED', 'ended', 'no_answer', 1)", t.number);
      state.storage.sql.exec("UPDATE contacts SET state = 'retry_scheduled', outcome = 'no_answer', attempts = 1 WHERE seq = 1");
    });
    // A run whose step was defined with the number, and whose error quotes it without its `+`.
    const runId = `WFR-ERASE${crypto.randomUUID().slice(0, 6)}`;
    const now = new Date().toISOString();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO workflow_runs (id, account_id, workflow_id, trigger_event_id, trigger_type, trigger_ref, status, error, created_at, updated_at) VALUES (?, ?, 'WFL-ERASE', 'manual', 'manual', '{}', 'failed', ?, ?, ?)").bind(runId, t.accountId, `refused ${phone.slice(1)}`, now, now),
      env.DB.prepare("INSERT INTO workflow_run_steps (run_id, position, step_id, type, status, input, output, attempts, error) VALUES (?, 0, 'call', 'outbound_call', 'failed', ?, NULL, 1, ?)").bind(runId, JSON.stringify({ id: "call", type: "outbound_call", to: phone }), `refused ${phone.slice(1)}`),
    ]);

    const res = await owner.post("/v1/privacy/erasures", { phone });
    expect(res.status, res.text).toBe(200);
    expect(res.json.removed).toMatchObject({ campaign_contacts: 2, workflow_runs: 1 });
    const hash = res.json.phone_hash;

    const listed = async (id: string) => (await owner.get(`/v1/campaigns/${id}/contacts`)).json.data as any[];
    expect((await listed(neverDialled)).map((c) => c.phone)).toEqual([bystander]);
    expect((await owner.get(`/v1/campaigns/${neverDialled}`)).json.contact_count).toBe(1);
    const [kept, other] = await listed(dialled);
    expect(kept).toMatchObject({ phone: hash, timezone: null, variables: {}, state: "skipped", reason: "erased", outcome: "no_answer", attempts: [expect.objectContaining({ call_id: "CAL-ERASEDDIALLED1" })] });
    expect(other.phone).toBe(bystander);
    const run = await env.DB.prepare("SELECT r.error AS run_error, s.input, s.error FROM workflow_runs r JOIN workflow_run_steps s ON s.run_id = r.id WHERE r.id = ?").bind(runId).first<Record<string, string>>();
    expect(JSON.stringify(run)).not.toContain(phone.slice(1));
    expect(JSON.parse(run!.input!)).toEqual({ id: "call", type: "outbound_call", to: hash });
    expect(await tracesOf(phone.slice(1))).toEqual([]);
    for (const id of [neverDialled, dialled]) {
      await runInDurableObject(campaignStub(id), async (_instance, state) => {
        expect(JSON.stringify(state.storage.sql.exec("SELECT * FROM contacts").toArray())).not.toContain(phone.slice(1));
      });
    }
  });

  it("finds the number nowhere in what the Workflows engine holds for a run (params, step results, errors), and scrubs the run's D1 records", { timeout: 60_000 }, async () => {
    const t = await telephonyTenant();
    const owner = api(t.key);
    const phone = uniquePhone();
    // The event carries the number; a step sends it out, a condition reads it, and a text step fails quoting it.
    const workflowId = await createWorkflow(t.key, {
      trigger: { type: "manual" },
      steps: [
        { id: "post", type: "http", url: `${env.TOOL_SERVER_URL}/echo?tag={{ run.id }}`, body: { phone: "{{ event.phone }}" } },
        { id: "check", type: "condition", field: "event.phone", op: "exists" },
        { id: "text", type: "sms", to: "tel:{{ event.phone }}", body: "Hello" },
      ],
    });
    const runId = (await owner.post(`/v1/workflows/${workflowId}/runs`, { input: { phone, name: "Ada" } })).json.id as string;
    let run: any;
    await vi.waitFor(
      async () => {
        run = (await owner.get(`/v1/workflows/${workflowId}/runs/${runId}`)).json;
        expect(run.status).toBe("failed");
      },
      { timeout: 30_000, interval: 20 },
    );
    expect(run.steps.map((s: any) => s.status)).toEqual(["succeeded", "succeeded", "failed"]);
    expect(run.error).toContain(phone);

    // Every event of the instance's history: its params, each step's start, result and attempts, its error.
    const history: unknown[] = [];
    using subscription = await (await env.AUTOMATION_WORKFLOW.get(runId)).subscribe();
    for (let next = await subscription.next(); !next.done; next = await subscription.next()) history.push(next.value);
    expect(history).toContainEqual(expect.objectContaining({ type: "workflow_started", params: { account_id: t.accountId, workflow_id: workflowId, run_id: runId } }));
    expect(history).toContainEqual(expect.objectContaining({ type: "workflow_errored" }));
    expect(history.filter((e: any) => e.type === "step_completed").map((e: any) => e.stepName)).toEqual(["start-1", "0:post-1", "1:check-1", "2:text:failed-1"]);
    for (const form of [phone, phone.slice(1), "Ada"]) expect(JSON.stringify(history)).not.toContain(form);

    const res = await owner.post("/v1/privacy/erasures", { phone });
    expect(res.status, res.text).toBe(200);
    expect(res.json.removed).toMatchObject({ workflow_runs: 1 });
    expect(await tracesOf(phone.slice(1))).toEqual([]);
    const after = (await owner.get(`/v1/workflows/${workflowId}/runs/${runId}`)).json;
    expect(after.error).toContain(res.json.phone_hash);
  });
});
