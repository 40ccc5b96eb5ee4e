import { and, eq } from "drizzle-orm";
import { database, nowIso } from "../../shared/db/client.ts";
import { workflows } from "../../shared/db/workflows-schema.ts";
import { withFreshId } from "../../shared/ids.ts";
import { urlRefusal } from "../../shared/tools/guarded-fetch.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../api/pagination.ts";
import { ApiError, notFound, type ProblemIssue } from "../api/problem.ts";
import { IdParam, jsonBody, jsonResponse, resourceApp, securedRoute } from "../api/route.ts";
import { publicBaseUrl } from "../twilio/public-url.ts";
import { nextScheduledRun } from "./scheduled-runs.ts";
import { referenceIssues } from "./step-references.ts";
import { templateIssues } from "./template-fields.ts";
import { newWorkflowId, WORKFLOW_ID_PATTERNS } from "./workflow-ids.ts";
import { CreateWorkflow, Workflow, type WorkflowStep, type WorkflowTrigger } from "./workflow-schemas.ts";
import type { z } from "@hono/zod-openapi";

const TAGS = ["Workflows"];
export const WorkflowIdParam = IdParam(WORKFLOW_ID_PATTERNS.workflow, "WFL-7KQ2M9XD4H");

export const ownedWorkflow = (id: string, accountId: string) => and(eq(workflows.id, id), eq(workflows.accountId, accountId));

export const workflowView = (row: typeof workflows.$inferSelect): z.infer<typeof Workflow> => ({
  id: row.id,
  name: row.name,
  enabled: row.enabled,
  trigger: row.trigger as WorkflowTrigger,
  steps: row.steps as WorkflowStep[],
  next_run_at: row.nextRunAt,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

/**
 * Refused at save: templates naming fields runs will not have, unknown actions, HTTP URLs that can never be called,
 * campaigns, agents and numbers the account does not have.
 */
async function refuseInvalid(body: z.infer<typeof CreateWorkflow>, env: Env, accountId: string): Promise<void> {
  const issues: ProblemIssue[] = [...templateIssues(body.trigger, body.steps), ...(await referenceIssues(env, accountId, body.trigger, body.steps))];
  body.steps.forEach((step, i) => {
    if (step.type !== "http" || step.url.includes("{{")) return;
    const reason = urlRefusal(step.url, env);
    if (reason) issues.push({ path: `steps.${i}.url`, message: `this address cannot be called: ${reason}`, code: "url_not_allowed" });
  });
  if (issues.length > 0) throw new ApiError("validation-error", "the workflow refers to something its runs cannot reach", { errors: issues });
}

export const workflowsApi = resourceApp();

workflowsApi.openapi(
  securedRoute("agents:write", {
    method: "post",
    path: "/workflows",
    tags: TAGS,
    summary: "Create a workflow: a trigger and ordered steps, run on Cloudflare Workflows",
    description: "Templates (`{{ event.call_id }}`) are checked against the trigger's event and the earlier steps' outputs: a field the runs will not have is a 422 pointing at the template.",
    request: jsonBody(CreateWorkflow),
    responses: { 201: jsonResponse(Workflow, "The workflow.") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    await refuseInvalid(body, c.env, accountId);
    const db = database(c.env.DB);
    const row = await withFreshId(newWorkflowId, async (id) => {
      const now = nowIso();
      const values = { id, accountId, name: body.name, enabled: body.enabled, trigger: body.trigger, triggerType: body.trigger.type, steps: body.steps, nextRunAt: nextScheduledRun(body, new Date()), publicBaseUrl: publicBaseUrl(c.env, c.req.raw), createdAt: now, updatedAt: now };
      const [[inserted]] = await c.var.audit.commit([db.insert(workflows).values(values).returning()], { resource: id, detail: { trigger: body.trigger.type, steps: body.steps.length } });
      return inserted!;
    });
    return c.json(workflowView(row), 201);
  },
);

workflowsApi.openapi(
  securedRoute("agents:read", {
    method: "get",
    path: "/workflows",
    tags: TAGS,
    summary: "List the account's workflows, newest first",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(Workflow, "WorkflowPage"), "A page of workflows.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(workflows)
      .where(and(eq(workflows.accountId, c.get("principal").accountId), afterCursor(cursor, workflows.createdAt, workflows.id)))
      .orderBy(...pageOrder(workflows.createdAt, workflows.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, workflowView), 200);
  },
);

workflowsApi.openapi(
  securedRoute("agents:read", {
    method: "get",
    path: "/workflows/{id}",
    tags: TAGS,
    summary: "Get a workflow",
    request: { params: WorkflowIdParam },
    responses: { 200: jsonResponse(Workflow, "The workflow.") },
  }),
  async (c) => {
    const row = await database(c.env.DB).select().from(workflows).where(ownedWorkflow(c.req.valid("param").id, c.get("principal").accountId)).get();
    if (!row) throw notFound("workflow");
    return c.json(workflowView(row), 200);
  },
);

workflowsApi.openapi(
  securedRoute("agents:write", {
    method: "put",
    path: "/workflows/{id}",
    tags: TAGS,
    summary: "Replace a workflow's name, trigger and steps (runs in flight keep the steps they started with)",
    request: { params: WorkflowIdParam, ...jsonBody(CreateWorkflow) },
    responses: { 200: jsonResponse(Workflow, "The workflow.") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    await refuseInvalid(body, c.env, accountId);
    const db = database(c.env.DB);
    const [[row]] = await c.var.audit.commit(
      [
        db
          .update(workflows)
          .set({ name: body.name, enabled: body.enabled, trigger: body.trigger, triggerType: body.trigger.type, steps: body.steps, nextRunAt: nextScheduledRun(body, new Date()), publicBaseUrl: publicBaseUrl(c.env, c.req.raw), updatedAt: nowIso() })
          .where(ownedWorkflow(c.req.valid("param").id, accountId))
          .returning(),
      ],
      { ifChanged: true, detail: { trigger: body.trigger.type, steps: body.steps.length } },
    );
    if (!row) throw notFound("workflow");
    return c.json(workflowView(row), 200);
  },
);

workflowsApi.openapi(
  securedRoute("agents:write", {
    method: "delete",
    path: "/workflows/{id}",
    tags: TAGS,
    summary: "Delete a workflow (runs in flight finish; their records stay listed)",
    request: { params: WorkflowIdParam },
    responses: { 200: jsonResponse(Workflow, "The deleted workflow.") },
  }),
  async (c) => {
    const db = database(c.env.DB);
    const [[row]] = await c.var.audit.commit([db.delete(workflows).where(ownedWorkflow(c.req.valid("param").id, c.get("principal").accountId)).returning()], { ifChanged: true });
    if (!row) throw notFound("workflow");
    return c.json(workflowView(row), 200);
  },
);
