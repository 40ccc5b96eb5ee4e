import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { SCHEDULED_JOBS } from "../scheduled/jobs.ts";
import { startDueScheduledRuns } from "./scheduled-runs.ts";

describe("schedule triggers", () => {
  it("start a run from the periodic job when due, once per due instant, and move the next run on", async () => {
    expect(SCHEDULED_JOBS.map((job) => job.name)).toContain("start-scheduled-workflows");
    const t = await createTenant();
    const marker = `scheduled-${crypto.randomUUID()}`;
    const created = await api(t.key).post("/v1/workflows", {
      name: "Daily digest",
      trigger: { type: "schedule", cron: "0 9 * * *" },
      steps: [{ id: "post", type: "http", url: `${env.TOOL_SERVER_URL}/echo?tag=${marker}`, body: { at: "{{ event.scheduled_at }}" } }],
    });
    expect(created.status).toBe(201);
    expect(created.json.next_run_at).toMatch(/T09:00:00\.000Z$/);
    const due = "2026-01-05T09:00:00.000Z";
    await env.DB.prepare("UPDATE workflows SET next_run_at = ? WHERE id = ?").bind(due, created.json.id).run();

    await using introspector = await introspectWorkflow(env.AUTOMATION_WORKFLOW);
    const now = new Date("2026-01-05T09:17:00Z");
    await startDueScheduledRuns(env, now);
    await startDueScheduledRuns(env, now);
    const [instance] = await introspector.get();
    await instance!.waitForStatus("complete");
    const runs = (await api(t.key).get(`/v1/workflows/${created.json.id}/runs`)).json.data;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "completed", trigger_type: "schedule", trigger_event_id: `schedule:${due}` });
    expect((await api(t.key).get(`/v1/workflows/${created.json.id}`)).json.next_run_at).toBe("2026-01-06T09:00:00.000Z");
    const seen = (await (await fetch(`${env.TOOL_SERVER_URL}/seen?tag=${marker}`)).json()) as { body: unknown };
    expect(seen.body).toEqual({ at: due });
  });

  it("refuses a malformed cron expression at trigger.cron", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/workflows", { name: "Bad", trigger: { type: "schedule", cron: "0 25 * * *" }, steps: [{ id: "w", type: "delay", duration: "1 day" }] });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([expect.objectContaining({ path: "trigger.cron", message: expect.stringContaining("hour") })]);
  });
});
