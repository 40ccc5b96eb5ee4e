/**
 * How much conversation the model may be sent. Claude's tokenizer is not available in a Worker, so tokens are
 * estimated, on the safe side: one token per 3 bytes of UTF-8. English runs at about 4 characters (bytes) a token, so
 * this overestimates it by a third; CJK text is 3 bytes a character and about a token a character, so it still holds
 * there. Structure (roles, block framing, tool JSON) is counted as a few tokens per message and block.
 */
import { contextWindowTokens } from "../../shared/llm/bedrock-models.ts";
import type { ChatMessage, ContentBlock, LlmRequest } from "../providers/provider-types.ts";

export const BYTES_PER_TOKEN = 3;
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_BLOCK = 4;
/** Room for what the estimate does not see: the request's own framing, replayed reasoning of a tool turn. */
const SAFETY_TOKENS = 2_000;

export function estimateTokens(text: string): number {
  return Math.ceil(utf8Bytes(text) / BYTES_PER_TOKEN);
}

/** Blocks are never changed once in the history: each is measured once, not on every request of the call. */
const blockTokens = new WeakMap<ContentBlock, number>();

export function messageTokens(message: ChatMessage): number {
  let sum = TOKENS_PER_MESSAGE;
  for (const block of message.content) {
    let tokens = blockTokens.get(block);
    if (tokens === undefined) blockTokens.set(block, (tokens = TOKENS_PER_BLOCK + estimateTokens(blockText(block))));
    sum += tokens;
  }
  return sum;
}

/**
 * Tokens the messages of a request may take: the smaller context window of the model and its fallback, less the
 * output the request reserves (answer and thinking budget), the system prompt, the tool definitions and a margin.
 */
export function messageBudget(request: Omit<LlmRequest, "messages"> & { fallbackModelId?: string }): number {
  const window = Math.min(contextWindowTokens(request.modelId), request.fallbackModelId ? contextWindowTokens(request.fallbackModelId) : Number.POSITIVE_INFINITY);
  const output = request.maxTokens + (request.thinkingBudgetTokens ?? 0);
  const fixed = estimateTokens(request.system) + request.tools.reduce((sum, tool) => sum + estimateTokens(JSON.stringify(tool)), 0);
  return Math.max(0, window - output - fixed - SAFETY_TOKENS);
}

export function blockText(block: ContentBlock): string {
  if ("text" in block) return block.text;
  if ("toolUse" in block) return block.toolUse.name + JSON.stringify(block.toolUse.input ?? {});
  return JSON.stringify(block.toolResult.content);
}

export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A surrogate pair (4 bytes) is two UTF-16 units of 2 bytes each.
    bytes += code < 0x80 ? 1 : code < 0x800 || (code >= 0xd800 && code < 0xe000) ? 2 : 3;
  }
  return bytes;
}
