import { and, eq, lte } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { workflows } from "../../shared/db/workflows-schema.ts";
import { nextRun, parseCron } from "./cron-schedule.ts";
import { startRun } from "./run-starter.ts";
import type { WorkflowTrigger } from "./workflow-schemas.ts";

/** When an enabled schedule workflow next runs (ISO), or null for any other. */
export function nextScheduledRun(workflow: { enabled: boolean; trigger: WorkflowTrigger }, after: Date): string | null {
  if (!workflow.enabled || workflow.trigger.type !== "schedule") return null;
  return nextRun(parseCron(workflow.trigger.cron), after)?.toISOString() ?? null;
}

/**
 * The periodic job (workers/scheduled/jobs.ts): starts every schedule workflow whose next run is due, once per due
 * instant (the instant is the run's event id, so a trigger that fires twice starts nothing twice), then moves its
 * next run past `now`. Instants missed while nothing triggered collapse into one run.
 */
export async function startDueScheduledRuns(env: Env, now: Date): Promise<Record<string, number>> {
  const db = database(env.DB);
  const due = await db
    .select()
    .from(workflows)
    .where(and(eq(workflows.triggerType, "schedule"), eq(workflows.enabled, true), lte(workflows.nextRunAt, now.toISOString())))
    .all();
  for (const workflow of due) {
    const scheduledAt = workflow.nextRunAt!;
    await startRun(env, workflow, { eventId: `schedule:${scheduledAt}`, eventType: "schedule", event: { scheduled_at: scheduledAt } });
    await db
      .update(workflows)
      .set({ nextRunAt: nextScheduledRun({ enabled: true, trigger: workflow.trigger as WorkflowTrigger }, now) })
      .where(and(eq(workflows.id, workflow.id), eq(workflows.nextRunAt, scheduledAt)));
  }
  return { started: due.length };
}
