import type { ChatMessage, ContentBlock } from "../providers/provider-types.ts";
import { messageTokens } from "./context-budget.ts";

/** Once over budget, the oldest exchanges are dropped down to this share of it, so trimming is rare (and the
 * prompt cache's prefix survives the turns in between). */
const TRIM_TO = 0.75;
export const OMITTED_NOTE = "[Earlier parts of this call are no longer shown.]";

/**
 * The conversation as the model sees it, kept valid for Bedrock: it starts with a user message, roles alternate
 * (consecutive blocks of one role are merged), and every toolUse is answered by a toolResult. A long call keeps
 * within the model's context by dropping its oldest exchanges (`fit`).
 */
export class ChatHistory {
  readonly #messages: ChatMessage[];
  /** Messages dropped from the front: positions (`length`, `interruptAssistant`) count them, so they stay stable. */
  #dropped = 0;

  constructor(initial: ChatMessage[] = []) {
    this.#messages = structuredClone(initial);
  }

  get messages(): readonly ChatMessage[] {
    return this.#messages;
  }

  /** A copy with `pending` user text appended, for a request that must not change the history yet. */
  withUserText(pending: string): ChatMessage[] {
    const copy = new ChatHistory(this.#messages);
    copy.add("user", [{ text: pending }]);
    return copy.#messages;
  }

  add(role: ChatMessage["role"], blocks: ContentBlock[]): void {
    // Bedrock rejects a blank text block (a model may stream only whitespace before a tool call).
    const content = blocks.filter((b) => !("text" in b) || b.text.trim() !== "");
    if (content.length === 0) return;
    if (this.#messages.length === 0 && role === "assistant") this.#messages.push({ role: "user", content: [{ text: "[The call connected.]" }] });
    const last = this.#messages[this.#messages.length - 1];
    if (last?.role === role) last.content.push(...content);
    else this.#messages.push({ role, content: [...content] });
  }

  /** Where the next message will go; a turn remembers it so it can be rewritten if interrupted. */
  get length(): number {
    return this.#dropped + this.#messages.length;
  }

  /**
   * Keeps the estimated size within `budgetTokens` by dropping the oldest messages, cutting only before a caller's
   * words (a user message without tool results): the history still starts with a user turn, and no toolUse loses
   * its toolResult. The newest caller turn and what followed it are always kept. A note tells the model that
   * earlier parts are missing.
   */
  fit(budgetTokens: number): void {
    const sizes = this.#messages.map(messageTokens);
    let remaining = sizes.reduce((a, b) => a + b, 0);
    if (remaining <= budgetTokens) return;
    const target = budgetTokens * TRIM_TO;
    let cut = 0;
    for (let i = 1; i < this.#messages.length; i++) {
      remaining -= sizes[i - 1]!;
      if (!isCallerWords(this.#messages[i]!)) continue;
      cut = i;
      if (remaining <= target) break;
    }
    if (cut === 0) return;
    this.#messages.splice(0, cut);
    this.#dropped += cut;
    this.#messages[0]!.content.unshift({ text: OMITTED_NOTE });
  }

  /**
   * Rewrites the assistant's words since `fromIndex` to what the caller actually heard (cut short with a dash),
   * and answers tool calls left pending with an error result, so the history stays valid and truthful.
   */
  interruptAssistant(fromIndex: number, heard: string, pendingToolUseIds: string[]): void {
    // A reply already trimmed away (only an earlier reply can be: the newest turn is always kept) has nothing to rewrite.
    if (fromIndex < this.#dropped) return;
    let remaining = heard.trim();
    const tail = this.#messages.splice(fromIndex - this.#dropped);
    for (const message of tail) {
      if (message.role === "assistant") {
        const content: ContentBlock[] = [];
        for (const block of message.content) {
          if (!("text" in block)) content.push(block);
          else if (remaining && remaining.startsWith(block.text.trim())) {
            content.push(block);
            remaining = remaining.slice(block.text.trim().length).trim();
          } else if (remaining) {
            content.push({ text: `${remaining} —` });
            remaining = "";
          }
        }
        this.add("assistant", content);
      } else {
        this.add("user", message.content);
      }
    }
    if (remaining) this.add("assistant", [{ text: `${remaining} —` }]);
    if (pendingToolUseIds.length > 0) {
      this.add(
        "user",
        pendingToolUseIds.map((toolUseId) => ({ toolResult: { toolUseId, content: [{ text: "The caller interrupted before this finished." }], status: "error" as const } })),
      );
    }
  }
}

const isCallerWords = (message: ChatMessage): boolean => message.role === "user" && message.content.every((b) => "text" in b);
