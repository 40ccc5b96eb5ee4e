import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { createWorkflow } from "./testing/workflow-fixtures.ts";

const PROBLEM = "application/problem+json";
const manual = { type: "manual" };

describe("workflow routes", () => {
  it("creates, lists, reads, replaces and deletes a workflow", async () => {
    const t = await createTenant();
    const steps = [{ id: "check", type: "condition", field: "event.succeeded", op: "eq", value: false }, { id: "wait", type: "delay", duration: "15 minutes" }];
    const created = await api(t.key).post("/v1/workflows", { name: "Follow-up", trigger: { type: "call.analyzed", success: false }, steps });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: "Follow-up", enabled: true, trigger: { type: "call.analyzed", success: false }, steps });
    const id = created.json.id;
    expect((await api(t.key).get("/v1/workflows")).json.data.map((w: { id: string }) => w.id)).toEqual([id]);
    const replaced = await api(t.key).put(`/v1/workflows/${id}`, { name: "Renamed", enabled: false, trigger: manual, steps: [{ id: "wait", type: "delay", duration: "2 days" }] });
    expect(replaced.json).toMatchObject({ name: "Renamed", enabled: false, trigger: manual });
    expect((await api(t.key).delete(`/v1/workflows/${id}`)).status).toBe(200);
    expect((await api(t.key).get(`/v1/workflows/${id}`)).status).toBe(404);
  });

  it("refuses templates naming fields the runs will not have, pointing at each one", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/workflows", {
      name: "Bad",
      trigger: { type: "call.ended" },
      steps: [
        { id: "task", type: "action", integration: "hubspot", action: "create_task", input: { subject: "{{ event.call_id }} {{ event.callerr_name }}" } },
        { id: "notify", type: "action", integration: "slack", action: "post_message", input: { text: "task {{ steps.task.task_id }}, contact {{ steps.task.contact_id }}, later {{ steps.later.ok }}" } },
        { id: "check", type: "condition", field: "event.succeeded", op: "eq", value: true },
        { id: "later", type: "http", url: "https://hooks.example.com/x", body: { summary: "{{ event.summary | shout }}" } },
        { id: "crm", type: "action", integration: "hubspot", action: "delete_everything", input: {} },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain(PROBLEM);
    expect(res.json.type).toBe("https://docs.ayb.dev/problems/validation-error");
    expect(res.json.errors).toEqual([
      { path: "steps.0.input.subject", message: "`event.callerr_name` is not a field this workflow's runs have", code: "unknown_field" },
      { path: "steps.1.input.text", message: "`steps.task.contact_id` is not a field this workflow's runs have", code: "unknown_field" },
      { path: "steps.1.input.text", message: "`steps.later.ok` is not a field this workflow's runs have", code: "unknown_field" },
      // call.ended carries no analysis: `succeeded` is a call.analyzed field.
      { path: "steps.2.field", message: "`event.succeeded` is not a field this workflow's runs have", code: "unknown_field" },
      { path: "steps.3.body.summary", message: expect.stringContaining("unknown filter `shout`"), code: "template_syntax" },
      { path: "steps.4.action", message: 'the integration "hubspot" has no action "delete_everything"', code: "unknown_action" },
    ]);
    expect((await api(t.key).get("/v1/workflows")).json.data).toEqual([]);
  });

  it("refuses bad shapes, duplicate step ids, long delays and HTTP steps aimed at private addresses", async () => {
    const t = await createTenant();
    const bad = await api(t.key).post("/v1/workflows", {
      name: "Bad",
      trigger: { type: "call.exploded" },
      steps: [{ id: "a", type: "delay", duration: "400 days" }, { id: "a", type: "delay", duration: "soon" }],
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["trigger.type", "steps.0.duration", "steps.1.duration"]));
    const dup = await api(t.key).post("/v1/workflows", { name: "Dup", trigger: manual, steps: [{ id: "a", type: "delay", duration: "1 day" }, { id: "a", type: "delay", duration: "2 days" }] });
    expect(dup.json.errors).toEqual([expect.objectContaining({ path: "steps.1.id" })]);
    const ssrf = await api(t.key).post("/v1/workflows", { name: "SSRF", trigger: manual, steps: [{ id: "meta", type: "http", url: "https://169.254.169.254/latest/meta-data" }] });
    expect(ssrf.status).toBe(422);
    expect(ssrf.json.errors).toEqual([expect.objectContaining({ path: "steps.0.url", code: "url_not_allowed" })]);
  });

  it("refuses at run time a templated URL that renders to a private address, without retrying it", async () => {
    const t = await createTenant();
    const workflowId = await createWorkflow(t.key, { trigger: manual, steps: [{ id: "post", type: "http", url: "{{ event.target }}", body: {} }] });
    const runId = (await api(t.key).post(`/v1/workflows/${workflowId}/runs`, { input: { target: "https://10.0.0.5/internal" } })).json.id;
    let run: any;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await scheduler.wait(20)) {
      run = (await api(t.key).get(`/v1/workflows/${workflowId}/runs/${runId}`)).json;
      if (run.status === "failed") break;
    }
    expect(run).toMatchObject({ status: "failed", error: expect.stringContaining("private") });
    expect(run.steps[0]).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("lists the integration registry with each action's JSON Schema and the account's connections", async () => {
    const t = await createTenant();
    const bad = await api(t.key).post("/v1/integration-connections", { integration: "slack", api_key: "nope" });
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0]).toMatchObject({ path: "webhook_url", code: "wrong_credentials_kind" });
    const ssrf = await api(t.key).post("/v1/integration-connections", { integration: "slack", webhook_url: "https://192.168.1.1/hook" });
    expect(ssrf.json.errors[0]).toMatchObject({ path: "webhook_url", code: "url_not_allowed" });
    expect((await api(t.key).post("/v1/integration-connections", { integration: "hubspot", api_key: "pat-na1-x" })).status).toBe(200);
    const list = (await api(t.key).get("/v1/integrations")).json.data;
    const hubspot = list.find((i: { name: string }) => i.name === "hubspot");
    expect(hubspot).toMatchObject({ auth: "api_key", connection: "connected" });
    expect(hubspot.actions.map((a: { name: string }) => a.name)).toEqual(["upsert_contact", "log_call", "create_task"]);
    expect(hubspot.actions[2].input_schema.required).toEqual(["subject"]);
    expect(list.find((i: { name: string }) => i.name === "slack").connection).toBe("not_connected");
    // The stored credentials are sealed.
    const stored = await env.DB.prepare("SELECT credentials FROM integration_connections WHERE account_id = ?").bind(t.accountId).first<{ credentials: string }>();
    expect(stored!.credentials).not.toContain("pat-na1-x");
  });
});
