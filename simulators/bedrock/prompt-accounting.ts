import type { ContentBlockInput, ConverseRequest, ToolResultContent } from "./converse-request-schema.ts";

/**
 * Deterministic token accounting: about four characters per token, as a stand-in for the model's tokenizer. The prompt
 * is flattened in the order the model reads it (tools, system, messages), keeping cache checkpoints in place.
 */
export const tokensForChars = (chars: number): number => (chars === 0 ? 0 : Math.max(1, Math.ceil(chars / 4)));
export const estimateTokens = (text: string): number => tokensForChars(text.length);

export type PromptPart = { kind: "text"; text: string } | { kind: "cachePoint"; ttlMs: number };

const TTL_MS = { "5m": 5 * 60_000, "1h": 60 * 60_000 } as const;

export function promptParts(request: ConverseRequest): PromptPart[] {
  const parts: PromptPart[] = [];
  const text = (t: string) => parts.push({ kind: "text", text: t });
  const cachePoint = (ttl: "5m" | "1h" | undefined) => parts.push({ kind: "cachePoint", ttlMs: TTL_MS[ttl ?? "5m"] });
  for (const tool of request.toolConfig?.tools ?? []) {
    if ("toolSpec" in tool) text(JSON.stringify(tool.toolSpec));
    else if ("cachePoint" in tool) cachePoint(tool.cachePoint.ttl);
    else text(JSON.stringify(tool));
  }
  for (const block of request.system ?? []) {
    if ("text" in block) text(block.text);
    else if ("cachePoint" in block) cachePoint(block.cachePoint.ttl);
    else text(JSON.stringify(block));
  }
  for (const message of request.messages ?? []) {
    text(`${message.role}:`);
    for (const block of message.content) {
      if ("cachePoint" in block) cachePoint(block.cachePoint.ttl);
      else text(blockText(block));
    }
  }
  return parts;
}

export function blockText(block: ContentBlockInput): string {
  if ("text" in block) return block.text;
  if ("toolUse" in block) return `${block.toolUse.name} ${JSON.stringify(block.toolUse.input ?? {})}`;
  if ("toolResult" in block) return block.toolResult.content.map(toolResultText).join("\n");
  if ("reasoningContent" in block) {
    const r = block.reasoningContent;
    return "reasoningText" in r ? r.reasoningText.text : r.redactedContent;
  }
  return JSON.stringify(block);
}

export function toolResultText(content: ToolResultContent): string {
  if ("text" in content) return content.text;
  if ("json" in content) return JSON.stringify(content.json);
  return JSON.stringify(content);
}

export const hasCachePoint = (parts: readonly PromptPart[]): boolean => parts.some((p) => p.kind === "cachePoint");
