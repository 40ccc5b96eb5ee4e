import type { ChatMessage, ContentBlock } from "../providers/provider-types.ts";

/**
 * The conversation as the model sees it, kept valid for Bedrock: it starts with a user message, roles alternate
 * (consecutive blocks of one role are merged), and every toolUse is answered by a toolResult.
 */
export class ChatHistory {
  readonly #messages: ChatMessage[];

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
    return this.#messages.length;
  }

  /**
   * Rewrites the assistant's words since `fromIndex` to what the caller actually heard (cut short with a dash),
   * and answers tool calls left pending with an error result, so the history stays valid and truthful.
   */
  interruptAssistant(fromIndex: number, heard: string, pendingToolUseIds: string[]): void {
    let remaining = heard.trim();
    const tail = this.#messages.splice(fromIndex);
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
