/**
 * Tokens of a model turn whose usage never arrived. Bedrock reports usage only in the stream's final `metadata`
 * event, so a stream cut before it (a cancelled speculation, a barge-in, a failure after output began) would go
 * unmetered. Claude's tokenizer is not available in a Worker, so the estimate is the usual one for English: one
 * token per 4 bytes of UTF-8, over everything the request sends (system prompt, messages, tool definitions) plus a
 * few tokens of framing per message and block, and over the text and tool input received. It is neither rounded
 * up for safety (as context-budget.ts is, to stay within the window) nor split into cache reads: the line is
 * marked `estimated`. Reasoning (extended thinking) that was streamed but not spoken is not seen, so not counted.
 */
import type { LlmEvent, LlmRequest } from "../providers/provider-types.ts";
import { blockText, utf8Bytes } from "./context-budget.ts";

export const ESTIMATE_BYTES_PER_TOKEN = 4;
const FRAMING_TOKENS_PER_MESSAGE = 4;
const FRAMING_TOKENS_PER_BLOCK = 2;

const tokensOf = (bytes: number) => Math.ceil(bytes / ESTIMATE_BYTES_PER_TOKEN);

export function estimateInputTokens(request: Pick<LlmRequest, "system" | "messages" | "tools">): number {
  let bytes = utf8Bytes(request.system);
  let framing = 0;
  for (const tool of request.tools) bytes += utf8Bytes(JSON.stringify(tool));
  for (const message of request.messages) {
    framing += FRAMING_TOKENS_PER_MESSAGE + FRAMING_TOKENS_PER_BLOCK * message.content.length;
    for (const block of message.content) bytes += utf8Bytes(blockText(block));
  }
  return tokensOf(bytes) + framing;
}

/**
 * One model request as it streams: what came back so far, and whether Bedrock's own usage did. `unreported` gives
 * the estimate once, for a stream cut before its usage came; after that, after real usage, or once `discard`ed (a
 * stream read to its end, a request rejected before any output) it gives nothing.
 */
export class ModelRequestUsage {
  #receivedBytes = 0;
  #settled = false;

  constructor(private readonly request: LlmRequest) {}

  received(event: LlmEvent): void {
    if (event.type === "text") this.#receivedBytes += utf8Bytes(event.text);
    else if (event.type === "tool_use") this.#receivedBytes += utf8Bytes(event.name + JSON.stringify(event.input ?? {}));
    else if (event.type === "usage") this.#settled = true;
  }

  /** Output has begun: a failure now is a billed request, not a rejected one. */
  get hasOutput(): boolean {
    return this.#receivedBytes > 0;
  }

  unreported(): { modelId: string; inputTokens: number; outputTokens: number; cacheReadTokens: 0; cacheWriteTokens: 0 } | undefined {
    if (this.#settled) return undefined;
    this.#settled = true;
    return { modelId: this.request.modelId, inputTokens: estimateInputTokens(this.request), outputTokens: tokensOf(this.#receivedBytes), cacheReadTokens: 0, cacheWriteTokens: 0 };
  }

  /** Nothing to estimate: the request failed before the model produced anything (Bedrock bills no rejected request). */
  discard(): void {
    this.#settled = true;
  }
}
