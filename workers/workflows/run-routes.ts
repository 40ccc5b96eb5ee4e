import { z } from "@hono/zod-openapi";
import { and, asc, eq, inArray } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { workflowRuns, workflowRunSteps, workflows } from "../../shared/db/workflows-schema.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../api/pagination.ts";
import { ApiError, notFound } from "../api/problem.ts";
import { jsonBody, jsonResponse, resourceApp, securedRoute } from "../api/route.ts";
import { engineStepName } from "./engine-step-name.ts";
import { cancelledStatements, outputExcerpt, retryingStatements } from "./run-store.ts";
import { runRecordStatements, startInstance } from "./run-starter.ts";
import { WORKFLOW_ID_PATTERNS } from "./workflow-ids.ts";
import { ownedWorkflow, WorkflowIdParam } from "./workflow-routes.ts";
import { StartRun, WorkflowRun, type WorkflowStep } from "./workflow-schemas.ts";

const TAGS = ["Workflows"];
const RunParams = z.object({
  id: z.string().regex(WORKFLOW_ID_PATTERNS.workflow, "not a valid id").openapi({ param: { name: "id", in: "path" }, example: "WFL-7KQ2M9XD4H" }),
  run_id: z.string().regex(WORKFLOW_ID_PATTERNS.run, "not a valid id").openapi({ param: { name: "run_id", in: "path" }, example: "WFR-7KQ2M9XD4HTV" }),
});

type RunRow = typeof workflowRuns.$inferSelect;
type StepRow = typeof workflowRunSteps.$inferSelect;

const runView = (run: RunRow, steps: StepRow[]): z.infer<typeof WorkflowRun> => ({
  id: run.id,
  workflow_id: run.workflowId,
  status: run.status,
  trigger_type: run.triggerType,
  trigger_event_id: run.triggerEventId,
  trigger_ref: run.triggerRef,
  error: run.error,
  steps: steps.map((s) => ({ position: s.position, step_id: s.stepId, type: s.type, status: s.status, input: s.input, output: outputExcerpt(s.output), attempts: s.attempts, error: s.error, started_at: s.startedAt, finished_at: s.finishedAt })),
  created_at: run.createdAt,
  updated_at: run.updatedAt,
  finished_at: run.finishedAt,
});

async function stepsOf(db: D1Database, runIds: string[]): Promise<Map<string, StepRow[]>> {
  const byRun = new Map<string, StepRow[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  const rows = await database(db).select().from(workflowRunSteps).where(inArray(workflowRunSteps.runId, runIds)).orderBy(asc(workflowRunSteps.position)).all();
  for (const row of rows) byRun.get(row.runId)?.push(row);
  return byRun;
}

async function ownedRun(env: Env, accountId: string, workflowId: string, runId: string): Promise<RunRow> {
  const run = await database(env.DB)
    .select()
    .from(workflowRuns)
    .where(and(eq(workflowRuns.id, runId), eq(workflowRuns.workflowId, workflowId), eq(workflowRuns.accountId, accountId)))
    .get();
  if (!run) throw notFound("workflow run");
  return run;
}

async function viewOf(env: Env, run: RunRow) {
  return runView(run, (await stepsOf(env.DB, [run.id])).get(run.id)!);
}

export const workflowRunsApi = resourceApp();

workflowRunsApi.openapi(
  securedRoute("agents:write", {
    method: "post",
    path: "/workflows/{id}/runs",
    tags: TAGS,
    summary: "Run a workflow now, with `input` as its event",
    request: { params: WorkflowIdParam, ...jsonBody(StartRun) },
    responses: { 202: jsonResponse(WorkflowRun, "The run, queued on the engine.") },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const workflow = await database(c.env.DB).select().from(workflows).where(ownedWorkflow(c.req.valid("param").id, accountId)).get();
    if (!workflow) throw notFound("workflow");
    const trigger = { eventId: `manual:${c.get("requestId")}`, eventType: "manual", event: c.req.valid("json").input };
    await c.var.audit.commit([...runRecordStatements(c.env, workflow, trigger)], { resource: workflow.id, detail: { trigger: "manual" } });
    const runId = await startInstance(c.env, workflow, trigger);
    return c.json(await viewOf(c.env, await ownedRun(c.env, accountId, workflow.id, runId)), 202);
  },
);

workflowRunsApi.openapi(
  securedRoute("agents:read", {
    method: "get",
    path: "/workflows/{id}/runs",
    tags: TAGS,
    summary: "List a workflow's runs (while the workflow exists), newest first, each with its steps' status, input, output excerpt, attempts and error",
    request: { params: WorkflowIdParam, query: PageQuery },
    responses: { 200: jsonResponse(pageOf(WorkflowRun, "WorkflowRunPage"), "A page of runs.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const workflow = await database(c.env.DB).select({ id: workflows.id }).from(workflows).where(ownedWorkflow(c.req.valid("param").id, c.get("principal").accountId)).get();
    if (!workflow) throw notFound("workflow");
    const runs = await database(c.env.DB)
      .select()
      .from(workflowRuns)
      .where(and(eq(workflowRuns.accountId, c.get("principal").accountId), eq(workflowRuns.workflowId, c.req.valid("param").id), afterCursor(cursor, workflowRuns.createdAt, workflowRuns.id)))
      .orderBy(...pageOrder(workflowRuns.createdAt, workflowRuns.id))
      .limit(limit + 1)
      .all();
    const steps = await stepsOf(c.env.DB, runs.map((r) => r.id));
    return c.json(toPage(runs, limit, (run) => runView(run, steps.get(run.id) ?? [])), 200);
  },
);

workflowRunsApi.openapi(
  securedRoute("agents:read", {
    method: "get",
    path: "/workflows/{id}/runs/{run_id}",
    tags: TAGS,
    summary: "Get one run with its steps",
    request: { params: RunParams },
    responses: { 200: jsonResponse(WorkflowRun, "The run.") },
  }),
  async (c) => {
    const { id, run_id } = c.req.valid("param");
    return c.json(await viewOf(c.env, await ownedRun(c.env, c.get("principal").accountId, id, run_id)), 200);
  },
);

workflowRunsApi.openapi(
  securedRoute("agents:write", {
    method: "post",
    path: "/workflows/{id}/runs/{run_id}/retry",
    tags: TAGS,
    summary: "Retry a failed run from its failed step (the steps before it keep their results)",
    request: { params: RunParams },
    responses: { 202: jsonResponse(WorkflowRun, "The run, running again."), 409: { description: "`conflict`: only a failed run can be retried." } },
  }),
  async (c) => {
    const { id, run_id } = c.req.valid("param");
    const run = await ownedRun(c.env, c.get("principal").accountId, id, run_id);
    const failed = ((await stepsOf(c.env.DB, [run.id])).get(run.id) ?? []).find((s) => s.status === "failed");
    if (run.status !== "failed" || !failed) throw new ApiError("conflict", `the run is ${run.status}; only a failed run can be retried`);
    await c.var.audit.commit([...retryingStatements(c.env.DB, run.id, failed.position)], { resource: run.id, detail: { from_step: failed.stepId } });
    const instance = await c.env.AUTOMATION_WORKFLOW.get(run.id);
    await instance.restart({ from: { name: engineStepName(failed.position, failed.input as WorkflowStep) } });
    return c.json(await viewOf(c.env, await ownedRun(c.env, run.accountId, id, run_id)), 202);
  },
);

workflowRunsApi.openapi(
  securedRoute("agents:write", {
    method: "post",
    path: "/workflows/{id}/runs/{run_id}/cancel",
    tags: TAGS,
    summary: "Cancel a run: the engine terminates it, also during a delay",
    request: { params: RunParams },
    responses: { 200: jsonResponse(WorkflowRun, "The cancelled run."), 409: { description: "`conflict`: the run has finished." } },
  }),
  async (c) => {
    const { id, run_id } = c.req.valid("param");
    const run = await ownedRun(c.env, c.get("principal").accountId, id, run_id);
    if (["completed", "failed", "cancelled"].includes(run.status)) throw new ApiError("conflict", `the run is ${run.status}; only a run in progress can be cancelled`);
    await (await c.env.AUTOMATION_WORKFLOW.get(run.id)).terminate();
    await c.var.audit.commit([...cancelledStatements(c.env.DB, run.id)], { resource: run.id });
    return c.json(await viewOf(c.env, await ownedRun(c.env, run.accountId, id, run_id)), 200);
  },
);
