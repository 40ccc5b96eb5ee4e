import { and, eq, gte, inArray, sql } from "drizzle-orm";
import { database, nowIso } from "../../shared/db/client.ts";
import { workflowRuns, workflowRunSteps } from "../../shared/db/workflows-schema.ts";

/**
 * The D1 record of a run, written by the engine as it goes: what `GET /v1/workflows/{id}/runs` shows. Cloudflare
 * Workflows holds the execution state; these rows mirror it for the API (status, attempts, errors, output excerpts).
 */
const OUTPUT_EXCERPT_CHARS = 1024;
const ERROR_CHARS = 1024;

const step = (runId: string, position: number) => and(eq(workflowRunSteps.runId, runId), eq(workflowRunSteps.position, position));

/** Outputs are ids and statuses already; the excerpt only bounds a surprising one. */
function excerpt(output: unknown): unknown {
  const text = JSON.stringify(output ?? null);
  return text.length <= OUTPUT_EXCERPT_CHARS ? (output ?? null) : `${text.slice(0, OUTPUT_EXCERPT_CHARS)}…`;
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
        d.update(workflowRunSteps).set({ status: "succeeded", output: excerpt(output), error: null, startedAt: sql`coalesce(${workflowRunSteps.startedAt}, ${nowIso()})`, finishedAt: nowIso() }).where(step(runId, position)),
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
    async runFailed(runId: string, position: number, error: string): Promise<void> {
      await d.batch([
        d.update(workflowRunSteps).set({ status: "failed", error: error.slice(0, ERROR_CHARS), finishedAt: nowIso() }).where(step(runId, position)),
        setRun(runId, { status: "failed", error: error.slice(0, ERROR_CHARS), finishedAt: nowIso() }),
      ]);
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
