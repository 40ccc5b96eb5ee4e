import { and, eq, sql } from "drizzle-orm";
import { database, nowIso } from "../../shared/db/client.ts";
import { workflowRuns, workflowRunSteps, type workflows } from "../../shared/db/workflows-schema.ts";
import type { RunParams } from "./automation-workflow.ts";
import { newRunId } from "./workflow-ids.ts";
import type { WorkflowStep } from "./workflow-schemas.ts";

export interface RunTrigger {
  /** One run per workflow and event id: a redelivered event starts nothing new. */
  eventId: string;
  eventType: string;
  event: Record<string, unknown>;
}

/** Ids worth listing with a run (the event itself is kept apart, for the steps). */
const triggerRef = (event: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(["call_id", "agent_id", "campaign_id"].filter((k) => typeof event[k] === "string").map((k) => [k, event[k] as string]));

/** The statements that record a new run and its pending steps; they do nothing when the event already has its run. */
export function runRecordStatements(env: Env, workflow: typeof workflows.$inferSelect, trigger: RunTrigger) {
  const db = database(env.DB);
  const steps = workflow.steps as WorkflowStep[];
  const now = nowIso();
  const runId = newRunId();
  return [
    db
      .insert(workflowRuns)
      .values({ id: runId, accountId: workflow.accountId, workflowId: workflow.id, triggerEventId: trigger.eventId, triggerType: trigger.eventType, triggerRef: triggerRef(trigger.event), event: trigger.event, status: "queued", createdAt: now, updatedAt: now })
      .onConflictDoNothing(),
    // Inserted only with the run row above (a redelivered event's run keeps its steps).
    db
      .insert(workflowRunSteps)
      .select(
        sql`select ${runId}, value ->> 'position', value ->> 'id', value ->> 'type', 'pending', value ->> 'input', null, 0, null, null, null from json_each(${JSON.stringify(steps.map((step, position) => ({ position, id: step.id, type: step.type, input: JSON.stringify(step) })))}) where exists (select 1 from ${workflowRuns} where ${workflowRuns.id} = ${runId})`,
      ),
  ] as const;
}

/**
 * Records a run (unless the event already has one) and creates its Cloudflare Workflows instance (the run id is
 * the instance id). Idempotent on (workflow, event): a second delivery finds the row and only creates the instance
 * if the first attempt stopped before it.
 */
export async function startRun(env: Env, workflow: typeof workflows.$inferSelect, trigger: RunTrigger): Promise<string> {
  await database(env.DB).batch(runRecordStatements(env, workflow, trigger));
  return startInstance(env, workflow, trigger);
}

/** Creates the engine instance of the event's recorded run, unless it exists already. */
export async function startInstance(env: Env, workflow: typeof workflows.$inferSelect, trigger: RunTrigger): Promise<string> {
  const db = database(env.DB);
  const run = await db.select().from(workflowRuns).where(and(eq(workflowRuns.workflowId, workflow.id), eq(workflowRuns.triggerEventId, trigger.eventId))).get();
  if (!run) throw new Error(`run of ${workflow.id} for ${trigger.eventId} was not recorded`);
  if (run.status !== "queued") return run.id;
  // Ids only: the run reads its event and steps from D1 (automation-workflow.ts).
  const params: RunParams = { account_id: workflow.accountId, workflow_id: workflow.id, run_id: run.id };
  try {
    await env.AUTOMATION_WORKFLOW.create({ id: run.id, params });
  } catch (error) {
    // Created by an earlier delivery that failed after the call: the instance runs already.
    if (!(await instanceExists(env, run.id))) throw error;
  }
  return run.id;
}

async function instanceExists(env: Env, id: string): Promise<boolean> {
  try {
    await env.AUTOMATION_WORKFLOW.get(id);
    return true;
  } catch {
    return false;
  }
}
