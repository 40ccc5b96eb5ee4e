import type { Random } from "../common/random.ts";
import type { ValidatedRequest } from "./converse-request-rules.ts";
import { estimateTokens } from "./prompt-accounting.ts";
import type { ReasoningSigner } from "./reasoning-signature.ts";
import type { RenderedReply } from "./scenario-engine.ts";

/**
 * The assistant turn the simulated model produces, already cut into the deltas it will stream. Order is Claude's:
 * reasoning (only with thinking enabled), text, then tool uses. `maxTokens` and stop sequences truncate it the way
 * the model would, setting the stop reason.
 */
export type StopReason = "end_turn" | "tool_use" | "max_tokens" | "stop_sequence";

export type PlannedBlock =
  | { kind: "reasoning"; text: string; signature: string; chunks: string[] }
  | { kind: "text"; text: string; chunks: string[] }
  | { kind: "toolUse"; toolUseId: string; name: string; input: unknown; chunks: string[] };

export interface TurnPlan {
  blocks: PlannedBlock[];
  stopReason: StopReason;
  stopSequence: string | undefined;
  outputTokens: number;
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function planTurn(reply: RenderedReply, request: ValidatedRequest, random: Random, signer: ReasoningSigner, lastUserText: string): TurnPlan {
  let toolUses = reply.toolUses;
  let text = reply.text;
  const forced = request.toolChoice;
  // A forced tool choice makes the model answer with that tool call and nothing else.
  if ((forced?.kind === "any" || forced?.kind === "tool") && (forced.kind === "any" ? toolUses.length === 0 : !toolUses.some((t) => t.name === forced.name))) {
    toolUses = [{ name: forced.kind === "tool" ? forced.name : request.toolNames[0]!, input: {} }];
  }
  if (forced?.kind === "any" || forced?.kind === "tool") text = undefined;

  let stopSequence: string | undefined;
  if (text !== undefined) {
    const cut = firstStopSequence(text, request.stopSequences);
    if (cut !== undefined) {
      stopSequence = cut.sequence;
      text = text.slice(0, cut.index);
      toolUses = [];
    }
  }

  const blocks: PlannedBlock[] = [];
  if (request.thinking !== undefined) {
    const reasoning = reply.thinking ?? defaultThinking(lastUserText, toolUses.map((t) => t.name));
    blocks.push({ kind: "reasoning", text: reasoning, signature: signer.sign(reasoning), chunks: textChunks(reasoning, random) });
  }
  if (text !== undefined && text !== "") blocks.push({ kind: "text", text, chunks: textChunks(text, random) });
  for (const use of toolUses) {
    const json = JSON.stringify(use.input ?? {});
    blocks.push({ kind: "toolUse", toolUseId: toolUseId(random), name: use.name, input: use.input ?? {}, chunks: json === "{}" ? [] : jsonChunks(json, random) });
  }

  const truncated = truncate(blocks, request.maxTokens);
  for (const block of truncated.blocks) if (block.kind === "reasoning") block.signature = signer.sign(block.text);
  const outputTokens = truncated.blocks.reduce((sum, b) => sum + b.chunks.reduce((s, c) => s + estimateTokens(c), 0), 0);
  const stopReason: StopReason = truncated.cut
    ? "max_tokens"
    : stopSequence !== undefined
      ? "stop_sequence"
      : truncated.blocks.some((b) => b.kind === "toolUse")
        ? "tool_use"
        : "end_turn";
  return { blocks: truncated.blocks, stopReason, stopSequence, outputTokens: Math.max(1, outputTokens) };
}

/** Words with their leading space, one to three per delta, as Claude streams them. */
export function textChunks(text: string, random: Random): string[] {
  const words = text.match(/\s*\S+/g) ?? [text];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; ) {
    const take = 1 + Math.floor(random.next() * 3);
    chunks.push(words.slice(i, i + take).join(""));
    i += take;
  }
  const trailing = /\s+$/.exec(text)?.[0];
  if (trailing !== undefined && chunks.length > 0) chunks[chunks.length - 1] += trailing;
  return chunks;
}

/** Fragments of the tool input JSON, split anywhere, as the `toolUse.input` deltas carry them. */
export function jsonChunks(json: string, random: Random): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < json.length; ) {
    const take = 4 + Math.floor(random.next() * 12);
    chunks.push(json.slice(i, i + take));
    i += take;
  }
  return chunks;
}

function truncate(blocks: PlannedBlock[], maxTokens: number): { blocks: PlannedBlock[]; cut: boolean } {
  let budget = maxTokens;
  const kept: PlannedBlock[] = [];
  for (const block of blocks) {
    const chunks: string[] = [];
    for (const chunk of block.chunks) {
      const tokens = estimateTokens(chunk);
      if (tokens <= budget) {
        chunks.push(chunk);
        budget -= tokens;
        continue;
      }
      // A partial tool call is dropped; partial prose keeps what fits.
      if (block.kind !== "toolUse" && budget > 0) chunks.push(chunk.slice(0, budget * 4));
      if (block.kind !== "toolUse" && chunks.length > 0) kept.push({ ...block, chunks, text: chunks.join("") } as PlannedBlock);
      return { blocks: kept, cut: true };
    }
    kept.push(block);
  }
  return { blocks: kept, cut: false };
}

function firstStopSequence(text: string, sequences: readonly string[]): { index: number; sequence: string } | undefined {
  let best: { index: number; sequence: string } | undefined;
  for (const sequence of sequences) {
    const index = sequence === "" ? -1 : text.indexOf(sequence);
    if (index !== -1 && (best === undefined || index < best.index)) best = { index, sequence };
  }
  return best;
}

function defaultThinking(lastUserText: string, tools: readonly string[]): string {
  const said = lastUserText.trim() === "" ? "The caller sent tool results." : `The caller said: "${lastUserText.trim()}".`;
  return tools.length > 0 ? `${said} I should call ${tools.join(" and ")} before answering.` : `${said} I can answer directly and briefly.`;
}

function toolUseId(random: Random): string {
  let id = "tooluse_";
  for (let i = 0; i < 22; i++) id += ID_ALPHABET[Math.floor(random.next() * ID_ALPHABET.length)];
  return id;
}
