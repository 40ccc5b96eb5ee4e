import { AwsError } from "./aws-error.ts";
import type { CacheUsage } from "./prompt-cache.ts";
import type { StreamExceptionName } from "./scenario.ts";
import { additionalResponseFields } from "./stream-events.ts";
import type { TurnPlan } from "./turn-plan.ts";

/** Usage as Bedrock reports it; cache counters appear only when the request carried cachePoint blocks. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export function usageOf(plan: TurnPlan, cache: CacheUsage, includeCache: boolean): Usage {
  const total = cache.inputTokens + plan.outputTokens + cache.cacheReadInputTokens + cache.cacheWriteInputTokens;
  const usage: Usage = { inputTokens: cache.inputTokens, outputTokens: plan.outputTokens, totalTokens: total };
  if (includeCache) {
    usage.cacheReadInputTokens = cache.cacheReadInputTokens;
    usage.cacheWriteInputTokens = cache.cacheWriteInputTokens;
  }
  return usage;
}

/** The usage of a turn cut short after `outputTokens` of its output: the input counts in full. */
export function usageUpTo(usage: Usage, outputTokens: number): Usage {
  const output = Math.min(outputTokens, usage.outputTokens);
  return { ...usage, outputTokens: output, totalTokens: usage.totalTokens - usage.outputTokens + output };
}

/** The non-streaming Converse response: the same turn as one assistant message. */
export function converseResponseBody(plan: TurnPlan, usage: Usage, latencyMs: number, responseFieldPaths: readonly string[]): Record<string, unknown> {
  const content = plan.blocks.map((block) => {
    switch (block.kind) {
      case "reasoning":
        return { reasoningContent: { reasoningText: { text: block.chunks.join(""), signature: block.signature } } };
      case "text":
        return { text: block.chunks.join("") };
      case "toolUse":
        return { toolUse: { toolUseId: block.toolUseId, name: block.name, input: block.input } };
    }
  });
  const body: Record<string, unknown> = {
    output: { message: { role: "assistant", content } },
    stopReason: plan.stopReason,
    usage,
    metrics: { latencyMs },
  };
  const extra = additionalResponseFields(plan, responseFieldPaths);
  if (extra !== undefined) body.additionalModelResponseFields = extra;
  return body;
}

const DEFAULT_MESSAGES: Record<StreamExceptionName, string> = {
  modelStreamErrorException: "The model encountered an error while processing the request.",
  throttlingException: "Too many tokens, please wait before trying again.",
  internalServerException: "The system encountered an unexpected error during processing. Try your request again.",
  serviceUnavailableException: "The service is temporarily unable to handle the request. Try again later.",
  validationException: "The model produced output that could not be validated.",
};

/** The exception frame payload for a mid-stream failure. */
export function streamExceptionPayload(type: StreamExceptionName, message?: string): Record<string, unknown> {
  const text = message ?? DEFAULT_MESSAGES[type];
  return type === "modelStreamErrorException" ? { message: text, originalStatusCode: 500, originalMessage: text } : { message: text };
}

/** What a non-streaming Converse call answers instead of the stream exception. */
export function converseErrorFor(type: StreamExceptionName, message?: string): AwsError {
  const text = message ?? DEFAULT_MESSAGES[type];
  switch (type) {
    case "modelStreamErrorException":
      return new AwsError("ModelErrorException", text, { originalStatusCode: 500, resourceName: "simulated-model" });
    case "throttlingException":
      return new AwsError("ThrottlingException", text);
    case "internalServerException":
      return new AwsError("InternalServerException", text);
    case "serviceUnavailableException":
      return new AwsError("ServiceUnavailableException", text);
    case "validationException":
      return new AwsError("ValidationException", text);
  }
}
