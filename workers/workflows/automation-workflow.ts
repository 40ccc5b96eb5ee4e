import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep as EngineStep, type WorkflowStepConfig } from "cloudflare:workers";
import { engineStepName } from "./engine-step-name.ts";
import { runStore } from "./run-store.ts";
import { conditionHolds, executeStep, type RunData } from "./step-executor.ts";
import { durationMs, type WorkflowStep } from "./workflow-schemas.ts";

/** What a run is created with: the workflow's steps as they were when it started (edits do not reach runs in flight). */
export interface RunParams {
  account_id: string;
  workflow_id: string;
  workflow_name: string;
  run_id: string;
  event_type: string;
  event: Record<string, unknown>;
  steps: WorkflowStep[];
  /** Where Twilio reaches the platform for the run's calls (the URL the workflow was saved through). */
  public_base_url: string | null;
}

/** Action outputs: ids, statuses and flags (integration.ts). */
type StepOutput = Record<string, string | number | boolean | null>;

/** Transient failures (network, 408, 429, 5xx) are retried by the engine with backoff. */
export const STEP_RETRIES: WorkflowStepConfig = { retries: { limit: 3, delay: "10 seconds", backoff: "exponential" }, timeout: "2 minutes" };

/**
 * One workflow run on Cloudflare Workflows: each step is a `step.do` (retried by the engine, its result kept across
 * restarts), a delay is a `step.sleep`. Every change is mirrored into D1 (run-store.ts) from inside a step, so a
 * replay after eviction does not write twice.
 */
export class AutomationWorkflow extends WorkflowEntrypoint<Env, RunParams> {
  override async run(event: Readonly<WorkflowEvent<RunParams>>, step: EngineStep): Promise<{ completed: true; stopped_at?: string }> {
    const params = event.payload;
    const store = runStore(this.env.DB);
    const runId = params.run_id;
    const data: RunData = { event: params.event, event_type: params.event_type, workflow: { id: params.workflow_id, name: params.workflow_name }, run: { id: runId }, steps: {} };
    await step.do("start", async () => store.runStarted(runId));

    for (const [position, definition] of params.steps.entries()) {
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
        data.steps[definition.id] = await step.do(name, STEP_RETRIES, async () => {
          await store.attemptStarted(runId, position);
          try {
            const context = { env: this.env, accountId: params.account_id, publicBaseUrl: params.public_base_url ?? null, waitUntil: (p: Promise<unknown>) => this.ctx.waitUntil(p) };
            const output = (await executeStep(context, definition, data)) as StepOutput;
            await store.stepSucceeded(runId, position, output);
            return output;
          } catch (error) {
            await store.attemptFailed(runId, position, errorText(error));
            throw error;
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
