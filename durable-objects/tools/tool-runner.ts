/**
 * Runs one model turn's tool calls: concurrently, but never more than `maxConcurrent` at once. Each call is an
 * outgoing connection, and a Durable Object has six; the STT socket, the TTS socket and the Bedrock stream hold three,
 * so parallel tools must never queue the audio sockets behind them. Results come back in call order, one per call,
 * and the runner never throws: an unknown tool or a failing executor becomes an error result.
 */
export interface ToolCallRequest {
  toolUseId: string;
  name: string;
  input: unknown;
}

export interface ToolExecution {
  status: "success" | "error";
  content: string;
}

export type ToolExecutor<R extends ToolExecution = ToolExecution> = (input: unknown, signal: AbortSignal) => Promise<R>;

export interface RunToolsOptions {
  /** The turn's signal: calls not yet started are skipped once it aborts. */
  signal: AbortSignal;
  /** Default 2 (see above). */
  maxConcurrent?: number;
}

export type ToolRunResult<R extends ToolExecution = ToolExecution> = (R | ToolExecution) & { toolUseId: string; name: string; durationMs: number };

export const DEFAULT_MAX_CONCURRENT_TOOLS = 2;

export async function runTools<R extends ToolExecution = ToolExecution>(
  calls: readonly ToolCallRequest[],
  executors: Readonly<Record<string, ToolExecutor<R>>>,
  opts: RunToolsOptions,
): Promise<ToolRunResult<R>[]> {
  const results = new Array<ToolRunResult<R>>(calls.length);
  const limit = Math.max(1, Math.floor(opts.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_TOOLS));
  let next = 0;

  const runOne = async (call: ToolCallRequest): Promise<R | ToolExecution> => {
    if (opts.signal.aborted) return errorResult("the call was cancelled because the caller interrupted");
    const executor = Object.hasOwn(executors, call.name) ? executors[call.name] : undefined;
    if (executor === undefined) return errorResult(`there is no tool named "${call.name}"`);
    try {
      return await executor(call.input, opts.signal);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", component: "tool-runner", tool: call.name, event: "executor_threw", error: error instanceof Error ? error.name : "unknown" }));
      return errorResult(`the ${call.name} tool failed unexpectedly`);
    }
  };

  const worker = async () => {
    while (next < calls.length) {
      const index = next++;
      const call = calls[index]!;
      const started = Date.now();
      const result = await runOne(call);
      results[index] = { ...result, toolUseId: call.toolUseId, name: call.name, durationMs: Date.now() - started };
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, calls.length) }, worker));
  return results;
}

const errorResult = (message: string): ToolExecution => ({ status: "error", content: JSON.stringify({ error: message }) });
