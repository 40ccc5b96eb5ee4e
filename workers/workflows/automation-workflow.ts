import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep as EngineStep, type WorkflowStepConfig } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { engineStepName } from "./engine-step-name.ts";
import { runStore } from "./run-store.ts";
import { conditionHolds, executeStep, type RunData } from "./step-executor.ts";
import { durationMs } from "./workflow-schemas.ts";

/**
 * What a run is created with: ids only. The engine keeps its params and step results beyond our reach, so the
 * event, the steps (as they were when the run started) and their outputs live in D1 (run-store.ts), read at step
 * time, where a caller's erasure reaches them.
 */
export interface RunParams {
  account_id: string;
  workflow_id: string;
  run_id: string;
}

/** Transient failures (network, 408, 429, 5xx) are retried by the engine with backoff. */
export const STEP_RETRIES: WorkflowStepConfig = { retries: { limit: 3, delay: "10 seconds", backoff: "exponential" }, timeout: "2 minutes" };

/** What the engine keeps of a failed attempt: whether to retry it. Its message may quote personal data; D1 has it. */
const ENGINE_ERROR = "the attempt failed; its error is in the run's step record";
const engineFacing = (error: unknown) => (error instanceof NonRetryableError ? new NonRetryableError(ENGINE_ERROR) : new Error(ENGINE_ERROR));

/**
 * One workflow run on Cloudflare Workflows: each step is a `step.do` (retried by the engine, its completion kept
 * across restarts), a delay is a `step.sleep`. Every change is written to D1 (run-store.ts) from inside a step, so a
 * replay after eviction does not write twice; steps return nothing to the engine, and later steps read earlier
 * outputs from D1.
 */
export class AutomationWorkflow extends WorkflowEntrypoint<Env, RunParams> {
  override async run(event: Readonly<WorkflowEvent<RunParams>>, step: EngineStep): Promise<{ completed: true; stopped_at?: string }> {
    const { account_id: accountId, workflow_id: workflowId, run_id: runId } = event.payload;
    const store = runStore(this.env.DB);
    // Read on every replay, outside any step, so nothing of it enters the engine's state.
    const record = await store.runRecord(runId);
    if (!record) throw new NonRetryableError(`run ${runId} has no record`);
    const data: RunData = { event: record.event, event_type: record.eventType, workflow: { id: workflowId, name: record.workflowName }, run: { id: runId }, steps: record.outputs };
    await step.do("start", async () => store.runStarted(runId));

    for (const [position, definition] of record.steps.entries()) {
      const name = engineStepName(position, definition);
      if (definition.type === "delay") {
        await step.do(`${name}:sleep`, async () => store.stepSleeping(runId, position));
        await step.sleep(name, durationMs(definition.duration));
        await step.do(`${name}:woke`, async () => store.stepSucceeded(runId, position, null));
        continue;
      }
      if (definition.type === "condition") {
        const passed = conditionHolds(definition, data);
        await step.do(name, async () => store.stepSucceeded(runId, position, { passed }));
        if (!passed) {
          await step.do("finish", async () => store.runCompleted(runId, position + 1));
          return { completed: true, stopped_at: definition.id };
        }
        continue;
      }
      try {
        await step.do(name, STEP_RETRIES, async () => {
          await store.attemptStarted(runId, position);
          try {
            const context = { env: this.env, accountId, publicBaseUrl: record.publicBaseUrl, waitUntil: (p: Promise<unknown>) => this.ctx.waitUntil(p), step: { runId, position } };
            const output = await executeStep(context, definition, data);
            await store.stepSucceeded(runId, position, output);
            data.steps[definition.id] = output;
          } catch (error) {
            await store.attemptFailed(runId, position, errorText(error));
            throw engineFacing(error);
          }
        });
      } catch (error) {
        await step.do(`${name}:failed`, async () => store.runFailed(runId, position, errorText(error)));
        throw error;
      }
    }
    await step.do("finish", async () => store.runCompleted(runId));
    return { completed: true };
  }
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
