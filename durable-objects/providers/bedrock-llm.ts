/**
 * Claude on Amazon Bedrock (ConverseStream) behind the pipeline's LanguageModel interface. One SDK client per call
 * object, with the SDK's own retries off: a voice turn cannot wait out the SDK's backoff, so we retry transient
 * failures briefly (100/300/900 ms with jitter, about 2 s in all), then try the fallback model once. Nothing is
 * retried once the caller has heard part of the answer (or a tool call was handed out). Reasoning (extended
 * thinking) is never spoken; the blocks of a turn that called tools are kept here and replayed, signature intact,
 * when that turn goes back to the model with its tool results (see ReasoningMemory).
 */
import { BedrockRuntimeClient, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import { abortableSleep } from "../../shared/timing/abortable-sleep.ts";
import { classifyBedrockError, IncompleteStreamError, isAbortError, type BedrockFailure } from "./bedrock-errors.ts";
import { buildConverseInput, ReasoningMemory } from "./bedrock-request.ts";
import { ConverseStreamAssembler } from "./bedrock-stream.ts";
import { ProviderError, type LanguageModel, type LlmEvent, type LlmRequest } from "./provider-types.ts";

export { chooseModel, type ModelNeeds } from "./model-policy.ts";

export interface BedrockLanguageModelOptions {
  region: string;
  /** A non-AWS endpoint (the local simulator); unset = the SDK's regional endpoint. */
  endpoint?: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Waits before each retry on the primary model, before jitter (±25 %). */
  retryDelaysMs?: readonly number[];
  /** No retry starts once this much time has passed since the turn's first attempt. */
  retryBudgetMs?: number;
  random?: () => number;
}

export const DEFAULT_RETRY_DELAYS_MS = [100, 300, 900] as const;
export const DEFAULT_RETRY_BUDGET_MS = 2000;

export class BedrockLanguageModel implements LanguageModel {
  readonly stats = { requests: 0, retries: 0, fallbacks: 0, invalidToolInputs: 0 };
  readonly #client: BedrockRuntimeClient;
  readonly #reasoning = new ReasoningMemory();
  readonly #delaysMs: readonly number[];
  readonly #budgetMs: number;
  readonly #random: () => number;

  constructor(options: BedrockLanguageModelOptions) {
    this.#client = new BedrockRuntimeClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      credentials: options.credentials,
      maxAttempts: 1,
      // The SDK's default handler on Workers (a WebSocketFetchHandler) drops the abortSignal before fetch, so an
      // abandoned ConverseStream kept streaming, and generating billed tokens, to its end.
      requestHandler: new FetchHttpHandler(),
    });
    this.#delaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.#budgetMs = options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
    this.#random = options.random ?? Math.random;
  }

  async *stream(request: LlmRequest, signal: AbortSignal, fallbackModelId?: string): AsyncGenerator<LlmEvent> {
    const started = Date.now();
    let modelId = request.modelId;
    let retries = 0;
    let onFallback = false;
    for (;;) {
      if (signal.aborted) return;
      const progress = { emitted: false };
      try {
        yield* this.#attempt(request, modelId, signal, progress);
        return;
      } catch (error) {
        if (signal.aborted) return;
        const failure = classifyBedrockError(error);
        const attempts = retries + 1 + (onFallback ? 1 : 0);
        if (progress.emitted) {
          // Part of the answer is already out: a second answer would repeat or contradict it. The error keeps its
          // own kind (a mid-stream glitch is still transient): only this turn is lost, not the model.
          log("warn", "failed_after_output", { modelId, error: failure.name });
          throw providerError(`${failure.name} after the answer began: ${failure.message}`, failure, attempts, error);
        }
        if (!failure.retryable) throw providerError(`${failure.name}: ${failure.message}`, failure, attempts, error);
        const delayMs = onFallback ? undefined : this.#delaysMs[retries];
        if (delayMs !== undefined && Date.now() - started + delayMs <= this.#budgetMs) {
          const jittered = Math.round(delayMs * (0.75 + 0.5 * this.#random()));
          retries++;
          this.stats.retries++;
          log("warn", "retry", { modelId, attempt: retries, error: failure.name, delayMs: jittered });
          await abortableSleep(jittered, signal);
          continue;
        }
        if (!onFallback && fallbackModelId && fallbackModelId !== modelId) {
          log("warn", "fallback", { from: modelId, to: fallbackModelId, error: failure.name });
          onFallback = true;
          this.stats.fallbacks++;
          modelId = fallbackModelId;
          continue;
        }
        throw providerError(`${failure.name} after ${attempts} attempt${attempts === 1 ? "" : "s"}${onFallback ? " (fallback model included)" : ""}: ${failure.message}`, failure, attempts, error);
      }
    }
  }

  async *#attempt(request: LlmRequest, modelId: string, signal: AbortSignal, progress: { emitted: boolean }): AsyncGenerator<LlmEvent> {
    const { input } = buildConverseInput(request, modelId, this.#reasoning);
    this.stats.requests++;
    // Whenever this attempt stops reading (barge-in, a failure, a consumer that stops iterating), the HTTP request is
    // aborted, which cuts the response stream: Bedrock would otherwise generate the rest of a reply nobody reads.
    const http = new AbortController();
    const cut = () => http.abort(signal.reason);
    signal.addEventListener("abort", cut, { once: true });
    const assembler = new ConverseStreamAssembler(modelId);
    try {
      let response;
      try {
        response = await this.#client.send(new ConverseStreamCommand(input), { abortSignal: http.signal });
      } catch (error) {
        if (signal.aborted || isAbortError(error)) return rethrowUnlessAborted(error, signal);
        throw error;
      }
      if (response.stream === undefined) throw new IncompleteStreamError("ConverseStream answered without a stream");
      try {
        for await (const event of response.stream) {
          if (signal.aborted) return;
          for (const out of assembler.handle(event)) {
            if (out.type === "text" || out.type === "tool_use") progress.emitted = true;
            yield out;
            if (signal.aborted) return;
          }
        }
      } catch (error) {
        return rethrowUnlessAborted(error, signal);
      }
    } finally {
      signal.removeEventListener("abort", cut);
      http.abort();
      this.stats.invalidToolInputs += assembler.invalidToolInputs;
    }
    if (!assembler.stopped) throw new IncompleteStreamError("the stream ended before messageStop");
    this.#reasoning.remember(assembler.toolUseIds, assembler.reasoningBlocks(), modelId);
  }
}

function rethrowUnlessAborted(error: unknown, signal: AbortSignal): void {
  if (!signal.aborted) throw error;
}

/** The final error of a turn; the conversation stage logs it (with the call id) and decides what it means for the call. */
function providerError(message: string, failure: BedrockFailure, attempts: number, cause: unknown): ProviderError {
  return new ProviderError("bedrock", message, failure.retryable, failure.status, { cause, code: failure.name, attempts });
}

function log(level: "info" | "warn", event: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, provider: "bedrock", event, ...fields });
  if (level === "warn") console.warn(line);
  else console.log(line);
}
