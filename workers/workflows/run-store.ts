import { and, asc, eq, gte, inArray, sql } from "drizzle-orm";
import { database, nowIso } from "../../shared/db/client.ts";
import { workflowRuns, workflowRunSteps, workflows } from "../../shared/db/workflows-schema.ts";
import type { WorkflowStep } from "./workflow-schemas.ts";

/**
 * The D1 record of a run, written by the engine as it goes: what `GET /v1/workflows/{id}/runs` shows. Cloudflare
 * Workflows holds the execution state (ids only); these rows hold what runs work from and what the API shows (status,
 * attempts, errors, outputs).
 */
const OUTPUT_EXCERPT_CHARS = 1024;
const ERROR_CHARS = 1024;

const step = (runId: string, position: number) => and(eq(workflowRunSteps.runId, runId), eq(workflowRunSteps.position, position));

/** What the API lists of a step's output: outputs are ids and statuses already; the excerpt only bounds a surprising one. */
export function outputExcerpt(output: unknown): unknown {
  const text = JSON.stringify(output ?? null);
  return text.length <= OUTPUT_EXCERPT_CHARS ? (output ?? null) : `${text.slice(0, OUTPUT_EXCERPT_CHARS)}…`;
}

/** Steps the engine runs itself: their records (a condition's verdict) are not outputs templates read. */
const OWN_STEPS = new Set(["condition", "delay"]);

export interface RunRecord {
  event: Record<string, unknown>;
  eventType: string;
  workflowName: string;
  publicBaseUrl: string | null;
  steps: WorkflowStep[];
  outputs: Record<string, unknown>;
}

export function runStore(db: D1Database) {
  const d = database(db);
  const setRun = (runId: string, values: Partial<typeof workflowRuns.$inferInsert>) => d.update(workflowRuns).set({ ...values, updatedAt: nowIso() }).where(eq(workflowRuns.id, runId));
  return {
    async runStarted(runId: string): Promise<void> {
      await setRun(runId, { status: "running" });
    },
    async attemptStarted(runId: string, position: number): Promise<void> {
      await d.batch([
        d.update(workflowRunSteps).set({ status: "running", attempts: sql`${workflowRunSteps.attempts} + 1`, startedAt: sql`coalesce(${workflowRunSteps.startedAt}, ${nowIso()})` }).where(step(runId, position)),
        setRun(runId, { status: "running" }),
      ]);
    },
    async attemptFailed(runId: string, position: number, error: string): Promise<void> {
      await d.update(workflowRunSteps).set({ error: error.slice(0, ERROR_CHARS) }).where(step(runId, position));
    },
    async stepSucceeded(runId: string, position: number, output: unknown): Promise<void> {
      await d.batch([
        d.update(workflowRunSteps).set({ status: "succeeded", output: output ?? null, error: null, startedAt: sql`coalesce(${workflowRunSteps.startedAt}, ${nowIso()})`, finishedAt: nowIso() }).where(step(runId, position)),
        setRun(runId, { status: "running" }),
      ]);
    },
    async stepSleeping(runId: string, position: number): Promise<void> {
      await d.batch([d.update(workflowRunSteps).set({ status: "sleeping", startedAt: nowIso() }).where(step(runId, position)), setRun(runId, { status: "sleeping" })]);
    },
    async runCompleted(runId: string, skippedFrom?: number): Promise<void> {
      const now = nowIso();
      await d.batch([
        d.update(workflowRunSteps).set({ status: "skipped" }).where(and(eq(workflowRunSteps.runId, runId), gte(workflowRunSteps.position, skippedFrom ?? Number.MAX_SAFE_INTEGER))),
        setRun(runId, { status: "completed", finishedAt: now }),
      ]);
    },
    /** The run fails with its step's last recorded error; `engineError` (a timeout, say) only where none was recorded. */
    async runFailed(runId: string, position: number, engineError: string): Promise<void> {
      const fallback = engineError.slice(0, ERROR_CHARS);
      await d.batch([
        d.update(workflowRunSteps).set({ status: "failed", error: sql`coalesce(${workflowRunSteps.error}, ${fallback})`, finishedAt: nowIso() }).where(step(runId, position)),
        d
          .update(workflowRuns)
          .set({ status: "failed", error: sql`coalesce((select ${workflowRunSteps.error} from ${workflowRunSteps} where ${step(runId, position)}), ${fallback})`, finishedAt: nowIso(), updatedAt: nowIso() })
          .where(eq(workflowRuns.id, runId)),
      ]);
    },
    /**
     * What a run works from, read at step time: its event, its steps as they were when it started, and the outputs
     * of the steps that did something (templates read them as `steps.<id>`).
     */
    async runRecord(runId: string): Promise<RunRecord | undefined> {
      const run = await d
        .select({ event: workflowRuns.event, eventType: workflowRuns.triggerType, workflowName: workflows.name, publicBaseUrl: workflows.publicBaseUrl })
        .from(workflowRuns)
        .leftJoin(workflows, eq(workflows.id, workflowRuns.workflowId))
        .where(eq(workflowRuns.id, runId))
        .get();
      if (!run) return undefined;
      const rows = await d.select().from(workflowRunSteps).where(eq(workflowRunSteps.runId, runId)).orderBy(asc(workflowRunSteps.position)).all();
      const outputs = Object.fromEntries(rows.filter((r) => r.status === "succeeded" && !OWN_STEPS.has(r.type)).map((r) => [r.stepId, r.output]));
      return { event: run.event ?? {}, eventType: run.eventType, workflowName: run.workflowName ?? "", publicBaseUrl: run.publicBaseUrl ?? null, steps: rows.map((r) => r.input as WorkflowStep), outputs };
    },
  };
}
export type RunStore = ReturnType<typeof runStore>;

/** Before a retry from the failed step: that step and the later ones start over (statements for the audited commit). */
export function retryingStatements(db: D1Database, runId: string, fromPosition: number) {
  const d = database(db);
  return [
    d.update(workflowRunSteps).set({ status: "pending", attempts: 0, error: null, output: null, startedAt: null, finishedAt: null }).where(and(eq(workflowRunSteps.runId, runId), gte(workflowRunSteps.position, fromPosition))),
    d.update(workflowRuns).set({ status: "running", error: null, finishedAt: null, updatedAt: nowIso() }).where(eq(workflowRuns.id, runId)),
  ] as const;
}

/** A cancelled run: its unfinished steps too (statements for the audited commit). */
export function cancelledStatements(db: D1Database, runId: string) {
  const d = database(db);
  return [
    d.update(workflowRunSteps).set({ status: "cancelled", finishedAt: nowIso() }).where(and(eq(workflowRunSteps.runId, runId), inArray(workflowRunSteps.status, ["pending", "running", "sleeping"]))),
    d.update(workflowRuns).set({ status: "cancelled", finishedAt: nowIso(), updatedAt: nowIso() }).where(eq(workflowRuns.id, runId)),
  ] as const;
}
