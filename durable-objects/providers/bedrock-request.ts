/**
 * LlmRequest → ConverseStream input for one model. What the request may use depends on the model: prompt-cache
 * points and extended thinking are added only where the catalog says the model supports them, so a fallback to a
 * lesser model still sends a valid request.
 */
import type { ContentBlock as BedrockBlock, ConverseStreamCommandInput, Message, SystemContentBlock, Tool } from "@aws-sdk/client-bedrock-runtime";
import { findBedrockModel } from "../../shared/llm/bedrock-models.ts";
import type { ChatMessage, ContentBlock, LlmRequest } from "./provider-types.ts";

const CACHE_POINT = { cachePoint: { type: "default" as const } };
const MIN_THINKING_BUDGET = 1024;
/** Tools that are no longer offered but appear in the history (Bedrock demands a toolConfig for toolUse blocks). */
const RETIRED_TOOL_DESCRIPTION = "Not available in this part of the conversation. Do not call it.";

/**
 * Reasoning blocks (with their signatures) of recent assistant turns that called tools, by toolUseId. With extended
 * thinking, the assistant turn that called a tool must be sent back starting with its reasoning, unmodified; the
 * conversation history only keeps text and toolUse, so the model client keeps the rest. A signature is only good
 * for the model that wrote it, so reasoning from a fallback model is not replayed to the primary.
 */
export class ReasoningMemory {
  readonly #byToolUseId = new Map<string, { model: string; blocks: BedrockBlock[] }>();
  constructor(private readonly capacity = 64) {}

  remember(toolUseIds: readonly string[], blocks: BedrockBlock[], modelId: string): void {
    if (blocks.length === 0) return;
    for (const id of toolUseIds) {
      this.#byToolUseId.delete(id);
      this.#byToolUseId.set(id, { model: baseModel(modelId), blocks });
    }
    while (this.#byToolUseId.size > this.capacity) this.#byToolUseId.delete(this.#byToolUseId.keys().next().value!);
  }

  recall(toolUseIds: readonly string[], modelId: string): BedrockBlock[] | undefined {
    for (const id of toolUseIds) {
      const entry = this.#byToolUseId.get(id);
      if (entry) return entry.model === baseModel(modelId) ? entry.blocks : undefined;
    }
    return undefined;
  }
}

const baseModel = (modelId: string) => findBedrockModel(modelId)?.id ?? modelId;

export interface ConverseRequestPlan {
  input: ConverseStreamCommandInput;
  thinking: boolean;
  caching: boolean;
}

export function buildConverseInput(request: LlmRequest, modelId: string, reasoning: ReasoningMemory): ConverseRequestPlan {
  const model = findBedrockModel(modelId);
  const caching = request.promptCaching && model?.supportsPromptCaching === true;
  const messages = mergeRoles(request.messages).map(toBedrockMessage);
  let thinking = request.thinkingBudgetTokens !== undefined && model?.supportsExtendedThinking === true;
  // Mid tool loop, the assistant turn that called the tools must open with its reasoning; when we no longer have it
  // (another model produced it, or the object restarted) this one request goes without thinking instead of failing.
  const last = messages.at(-1);
  const caller = messages.at(-2);
  if (thinking && last?.content?.some((b) => b.toolResult) && caller && toolUseIdsOf(caller).length > 0 && !reasoning.recall(toolUseIdsOf(caller), modelId)) thinking = false;
  if (thinking) {
    for (const message of messages) {
      const ids = toolUseIdsOf(message);
      const blocks = message.role === "assistant" && ids.length > 0 ? reasoning.recall(ids, modelId) : undefined;
      if (blocks) message.content = [...blocks, ...message.content!];
    }
  }

  const input: ConverseStreamCommandInput = { modelId, messages };
  if (request.system.trim() !== "") input.system = [{ text: request.system }, ...(caching ? [CACHE_POINT as SystemContentBlock] : [])];
  const tools = toolList(request, messages);
  if (tools.length > 0) input.toolConfig = { tools: caching && request.tools.length > 0 ? [...tools, CACHE_POINT as Tool] : tools };

  const maxOutput = model?.maxOutputTokens ?? Number.POSITIVE_INFINITY;
  if (thinking) {
    // The thinking budget is spent before the answer and counts against maxTokens, which must exceed it; the
    // configured max_tokens stays the answer's budget. Anthropic allows thinking only at temperature 1.
    const maxTokens = Math.min(maxOutput, request.maxTokens + request.thinkingBudgetTokens!);
    const budget = Math.max(MIN_THINKING_BUDGET, Math.min(request.thinkingBudgetTokens!, maxTokens - request.maxTokens));
    input.inferenceConfig = { maxTokens, temperature: 1 };
    input.additionalModelRequestFields = { thinking: { type: "enabled", budget_tokens: budget } };
  } else {
    input.inferenceConfig = { maxTokens: Math.min(maxOutput, request.maxTokens), temperature: Math.min(1, Math.max(0, request.temperature)) };
  }
  return { input, thinking, caching };
}

function toolList(request: LlmRequest, messages: readonly Message[]): Tool[] {
  if (request.tools.length > 0) {
    return request.tools.map((t) => ({ toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.inputSchema as never } } }));
  }
  const used = new Set(messages.flatMap((m) => (m.content ?? []).flatMap((b) => (b.toolUse?.name ? [b.toolUse.name] : []))));
  return [...used].map((name) => ({ toolSpec: { name, description: RETIRED_TOOL_DESCRIPTION, inputSchema: { json: { type: "object", properties: {} } } } }));
}

/** Consecutive messages of one role become one (Claude requires alternation); blank text blocks are dropped. */
function mergeRoles(messages: readonly ChatMessage[]): ChatMessage[] {
  const merged: ChatMessage[] = [];
  for (const message of messages) {
    const content = message.content.filter((b) => !("text" in b) || b.text.trim() !== "");
    if (content.length === 0) continue;
    const last = merged.at(-1);
    if (last?.role === message.role) last.content.push(...content);
    else merged.push({ role: message.role, content: [...content] });
  }
  return merged;
}

function toBedrockMessage(message: ChatMessage): Message {
  return { role: message.role, content: message.content.map(toBedrockBlock) };
}

function toBedrockBlock(block: ContentBlock): BedrockBlock {
  if ("text" in block) return { text: block.text };
  if ("toolUse" in block) {
    const input = block.toolUse.input;
    const object = typeof input === "object" && input !== null && !Array.isArray(input) ? input : {};
    return { toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name, input: object as never } };
  }
  const content = block.toolResult.content.map((c) => ("text" in c ? { text: c.text.trim() === "" ? "(empty)" : c.text } : { json: c.json as never }));
  return {
    toolResult: {
      toolUseId: block.toolResult.toolUseId,
      content: content.length > 0 ? content : [{ text: "(no result)" }],
      ...(block.toolResult.status ? { status: block.toolResult.status } : {}),
    },
  };
}

function toolUseIdsOf(message: Message): string[] {
  return (message.content ?? []).flatMap((b) => (b.toolUse?.toolUseId ? [b.toolUse.toolUseId] : []));
}
