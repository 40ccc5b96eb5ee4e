/**
 * ConverseStream events → LlmEvents. Blocks are keyed by `contentBlockIndex` (text and reasoning blocks arrive
 * without a start event). Text is passed on delta by delta; a toolUse block's input arrives as JSON fragments and is
 * parsed once, at its `contentBlockStop`; reasoning is not spoken but kept, signature included, so it can be sent
 * back with the tool results. Usage arrives last, in `metadata`.
 */
import type { ContentBlock as BedrockBlock, ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime";
import type { LlmEvent } from "./provider-types.ts";

type StopReason = Extract<LlmEvent, { type: "stop" }>["reason"];
const STOP_REASONS = new Set<string>(["end_turn", "tool_use", "max_tokens", "stop_sequence"]);
const STREAM_EXCEPTIONS = ["internalServerException", "modelStreamErrorException", "validationException", "throttlingException", "serviceUnavailableException"] as const;

interface ReasoningDraft {
  text: string;
  signature?: string;
  redacted?: Uint8Array;
}

export class ConverseStreamAssembler {
  readonly #tools = new Map<number, { toolUseId: string; name: string; input: string }>();
  readonly #reasoning = new Map<number, ReasoningDraft>();
  readonly #toolUseIds: string[] = [];
  #stopped = false;
  invalidToolInputs = 0;

  constructor(readonly modelId: string) {}

  /** messageStop arrived: the turn is complete (metadata may still follow). */
  get stopped(): boolean {
    return this.#stopped;
  }

  get toolUseIds(): readonly string[] {
    return this.#toolUseIds;
  }

  /** The turn's reasoning as Converse content blocks, in block order, for sending back. */
  reasoningBlocks(): BedrockBlock[] {
    return [...this.#reasoning.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, r]): BedrockBlock => (r.redacted ? { reasoningContent: { redactedContent: r.redacted } } : { reasoningContent: { reasoningText: { text: r.text, signature: r.signature } } }));
  }

  handle(event: ConverseStreamOutput): LlmEvent[] {
    if (event.contentBlockStart) {
      const { contentBlockIndex: index = 0, start } = event.contentBlockStart;
      if (start?.toolUse) this.#tools.set(index, { toolUseId: start.toolUse.toolUseId ?? "", name: start.toolUse.name ?? "", input: "" });
      return [];
    }
    if (event.contentBlockDelta) {
      const { contentBlockIndex: index = 0, delta } = event.contentBlockDelta;
      if (delta?.text !== undefined) return delta.text === "" ? [] : [{ type: "text", text: delta.text }];
      if (delta?.toolUse) {
        const tool = this.#tools.get(index);
        if (tool) tool.input += delta.toolUse.input ?? "";
        return [];
      }
      if (delta?.reasoningContent) {
        const draft = this.#reasoning.get(index) ?? { text: "" };
        const r = delta.reasoningContent;
        if (r.text !== undefined) draft.text += r.text;
        if (r.signature !== undefined) draft.signature = (draft.signature ?? "") + r.signature;
        if (r.redactedContent !== undefined) draft.redacted = concatBytes(draft.redacted, r.redactedContent);
        this.#reasoning.set(index, draft);
      }
      return [];
    }
    if (event.contentBlockStop) {
      const index = event.contentBlockStop.contentBlockIndex ?? 0;
      const tool = this.#tools.get(index);
      if (!tool) return [];
      this.#tools.delete(index);
      const parsed = parseToolInput(tool.input);
      if (!parsed.valid) this.invalidToolInputs++;
      this.#toolUseIds.push(tool.toolUseId);
      return [{ type: "tool_use", toolUseId: tool.toolUseId, name: tool.name, input: parsed.input }];
    }
    if (event.messageStop) {
      this.#stopped = true;
      const reason = event.messageStop.stopReason ?? "other";
      return [{ type: "stop", reason: (STOP_REASONS.has(reason) ? reason : "other") as StopReason }];
    }
    if (event.metadata?.usage) {
      const u = event.metadata.usage;
      return [
        {
          type: "usage",
          modelId: this.modelId,
          inputTokens: u.inputTokens ?? 0,
          outputTokens: u.outputTokens ?? 0,
          cacheReadTokens: u.cacheReadInputTokens ?? 0,
          cacheWriteTokens: u.cacheWriteInputTokens ?? 0,
        },
      ];
    }
    // The SDK throws modelled exceptions itself; this covers a stream that hands one over as an event instead.
    for (const name of STREAM_EXCEPTIONS) {
      const exception = (event as unknown as Record<string, { message?: string } | undefined>)[name];
      if (exception) throw Object.assign(new Error(exception.message ?? name), { name: name[0]!.toUpperCase() + name.slice(1) });
    }
    return [];
  }
}

/**
 * The concatenated input fragments of a toolUse block. A tool without arguments may send no fragment, `{}` or `""`:
 * all mean `{}`. Anything that is not a JSON object (truncated output, a double-encoded string) is repaired where
 * possible and otherwise becomes `{}`, flagged invalid, so the tool's own validation explains what is missing.
 */
export function parseToolInput(raw: string): { input: Record<string, unknown>; valid: boolean } {
  const trimmed = raw.trim();
  if (trimmed === "" || trimmed === '""') return { input: {}, valid: true };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
    if (typeof value === "string") value = value.trim() === "" ? {} : JSON.parse(value);
  } catch {
    return { input: {}, valid: false };
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? { input: value as Record<string, unknown>, valid: true } : { input: {}, valid: false };
}

function concatBytes(a: Uint8Array | undefined, b: Uint8Array): Uint8Array {
  if (a === undefined) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
