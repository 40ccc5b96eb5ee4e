import { CallAnalysisRequest } from "../../shared/analysis/analysis-request.ts";
import { AnalysisModel } from "./analysis-model.ts";
import { runCallAnalysis, type RunnerDeps } from "./call-analysis-runner.ts";

/** 30 s doubling, capped at 15 min: with wrangler.toml's 8 retries, about an hour of Bedrock trouble. */
export const retryDelaySeconds = (attempts: number) => Math.min(900, 30 * 2 ** Math.max(0, attempts - 1));

/**
 * The `call-analysis` queue's consumer: each message is one analysis (workers/analysis/call-analysis-runner.ts),
 * run concurrently within the batch. A malformed message is dropped with a log; a transient failure (Bedrock
 * throttled or down, D1 unavailable) is retried with backoff, then dead-lettered.
 */
export async function consumeCallAnalysis(batch: MessageBatch<unknown>, env: Env, ctx: Pick<ExecutionContext, "waitUntil">, deps?: Partial<RunnerDeps>): Promise<void> {
  const runner: RunnerDeps = { model: deps?.model ?? new AnalysisModel(env), waitUntil: (p) => ctx.waitUntil(p), ...deps };
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = CallAnalysisRequest.safeParse(message.body);
      if (!parsed.success) {
        console.error(JSON.stringify({ level: "error", message: "malformed call-analysis message dropped", id: message.id, issues: parsed.error.issues.slice(0, 5) }));
        return message.ack();
      }
      try {
        await runCallAnalysis(env, parsed.data, runner);
        message.ack();
      } catch (error) {
        console.error(JSON.stringify({ level: "warn", message: "call analysis will be retried", call_id: parsed.data.call_id, attempts: message.attempts, error: String(error) }));
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}
