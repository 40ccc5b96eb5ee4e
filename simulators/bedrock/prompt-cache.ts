import { createHash } from "node:crypto";
import { tokensForChars, type PromptPart } from "./prompt-accounting.ts";

/**
 * Prompt caching as Bedrock reports it: the prefix up to a `cachePoint` is written on first use and read by later
 * requests with the same prefix (same model) until its TTL lapses; a hit refreshes the TTL. A checkpoint whose prefix
 * is shorter than the model's minimum is ignored, so such a request reports zero cache tokens.
 */
export interface CacheUsage {
  inputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

export class PromptCache {
  #entries = new Map<string, number>();
  readonly minTokens: number;

  constructor(minTokens: number) {
    this.minTokens = minTokens;
  }

  account(modelId: string, parts: readonly PromptPart[], nowMs: number): CacheUsage {
    const hash = createHash("sha256").update(modelId);
    let chars = 0;
    const checkpoints: { key: string; tokens: number; ttlMs: number }[] = [];
    for (const part of parts) {
      if (part.kind === "text") {
        hash.update(part.text).update("\u0000");
        chars += part.text.length;
      } else {
        const tokens = tokensForChars(chars);
        if (tokens >= this.minTokens && tokens > 0) checkpoints.push({ key: hash.copy().digest("hex"), tokens, ttlMs: part.ttlMs });
      }
    }
    const totalTokens = tokensForChars(chars);
    let read = 0;
    for (const checkpoint of checkpoints) {
      const expiry = this.#entries.get(checkpoint.key);
      if (expiry !== undefined && expiry > nowMs) read = Math.max(read, checkpoint.tokens);
    }
    const longest = checkpoints.at(-1)?.tokens ?? 0;
    const write = Math.max(0, longest - read);
    for (const checkpoint of checkpoints) this.#entries.set(checkpoint.key, nowMs + checkpoint.ttlMs);
    return { inputTokens: totalTokens - read - write, cacheReadInputTokens: read, cacheWriteInputTokens: write };
  }

  clear(): void {
    this.#entries.clear();
  }
}
