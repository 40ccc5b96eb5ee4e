import { estimateTokens } from "./prompt-accounting.ts";
import type { TurnPlan } from "./turn-plan.ts";

/**
 * The ConverseStream event sequence for a planned turn: messageStart, per block (contentBlockStart only for tool
 * use, never for text or reasoning) its deltas and contentBlockStop, then messageStop. `metadata`, which carries the
 * usage and the measured latency, is appended by the writer once the stream is done.
 */
export interface StreamStep {
  eventType: "messageStart" | "contentBlockStart" | "contentBlockDelta" | "contentBlockStop" | "messageStop";
  payload: Record<string, unknown>;
  /** Output tokens this delta carries (0 for structural events); paces the stream. */
  tokens: number;
}

export function streamSteps(plan: TurnPlan, responseFieldPaths: readonly string[]): StreamStep[] {
  const steps: StreamStep[] = [{ eventType: "messageStart", payload: { role: "assistant" }, tokens: 0 }];
  const delta = (contentBlockIndex: number, value: Record<string, unknown>, chunk: string): StreamStep => ({
    eventType: "contentBlockDelta",
    payload: { contentBlockIndex, delta: value },
    tokens: estimateTokens(chunk),
  });
  plan.blocks.forEach((block, contentBlockIndex) => {
    switch (block.kind) {
      case "reasoning":
        for (const chunk of block.chunks) steps.push(delta(contentBlockIndex, { reasoningContent: { text: chunk } }, chunk));
        steps.push({ eventType: "contentBlockDelta", payload: { contentBlockIndex, delta: { reasoningContent: { signature: block.signature } } }, tokens: 0 });
        break;
      case "text":
        for (const chunk of block.chunks) steps.push(delta(contentBlockIndex, { text: chunk }, chunk));
        break;
      case "toolUse":
        steps.push({ eventType: "contentBlockStart", payload: { contentBlockIndex, start: { toolUse: { toolUseId: block.toolUseId, name: block.name } } }, tokens: 0 });
        for (const chunk of block.chunks) steps.push(delta(contentBlockIndex, { toolUse: { input: chunk } }, chunk));
        break;
    }
    steps.push({ eventType: "contentBlockStop", payload: { contentBlockIndex }, tokens: 0 });
  });
  const messageStop: Record<string, unknown> = { stopReason: plan.stopReason };
  const extra = additionalResponseFields(plan, responseFieldPaths);
  if (extra !== undefined) messageStop.additionalModelResponseFields = extra;
  steps.push({ eventType: "messageStop", payload: messageStop, tokens: 0 });
  return steps;
}

/** Claude's `/stop_sequence` is the one response field path the simulator can answer. */
export function additionalResponseFields(plan: TurnPlan, paths: readonly string[]): Record<string, unknown> | undefined {
  return paths.includes("/stop_sequence") ? { stop_sequence: plan.stopSequence ?? null } : undefined;
}
