import type { BedrockModel } from "../../shared/llm/bedrock-models.ts";
import type { ValidatedRequest } from "./converse-request-rules.ts";
import { toolResultText } from "./prompt-accounting.ts";
import { parseScenario, type ParsedScenario, type ScenarioRule } from "./scenario.ts";
import { renderDeep, renderTemplate, speakable } from "./template.ts";

/** What the rules look at: the last user turn (its text and tool results), the system prompt and the offered tools. */
export interface ToolResultView {
  toolUseId: string;
  name: string;
  status: "success" | "error";
  /** The first `json` block, else the text (parsed when it is JSON). */
  value: unknown;
  text: string;
}

export interface ConversationView {
  lastUserText: string;
  toolResults: ToolResultView[];
  systemText: string;
  toolNames: string[];
  modelFamily: BedrockModel["family"];
}

export interface RenderedReply {
  text?: string;
  thinking?: string;
  toolUses: { name: string; input: unknown }[];
}

export interface RuleMatch {
  /** Index in the scenario, or -1 for the built-in fallback. */
  index: number;
  rule: ScenarioRule;
  reply: RenderedReply | undefined;
}

const FALLBACK: ScenarioRule = {
  id: "fallback",
  reply: { text: 'I heard you say "{{lastUserText|"nothing"}}". How can I help with that?' },
};

export function viewConversation(request: ValidatedRequest, family: BedrockModel["family"]): ConversationView {
  const userIndex = request.messages.findLastIndex((m) => m.role === "user");
  const user = request.messages[userIndex]!;
  const previous = request.messages[userIndex - 1];
  const toolNameById = new Map(previous?.content.flatMap((b) => ("toolUse" in b ? [[b.toolUse.toolUseId, b.toolUse.name] as const] : [])));
  const toolResults = user.content.flatMap((block): ToolResultView[] => {
    if (!("toolResult" in block)) return [];
    const { toolUseId, content, status } = block.toolResult;
    const text = content.map(toolResultText).join("\n");
    const json = content.find((c) => "json" in c);
    return [{ toolUseId, name: toolNameById.get(toolUseId) ?? "", status: status ?? "success", value: json && "json" in json ? json.json : parseMaybeJson(text), text }];
  });
  return {
    lastUserText: user.content.flatMap((b) => ("text" in b ? [b.text] : [])).join("\n"),
    toolResults,
    systemText: (request.raw.system ?? []).flatMap((b) => ("text" in b ? [b.text] : [])).join("\n"),
    toolNames: request.toolNames,
    modelFamily: family,
  };
}

export class ScenarioEngine {
  #scenario: ParsedScenario;
  #uses: number[] = [];

  constructor(scenario: unknown) {
    this.#scenario = parseScenario(scenario);
    this.#uses = this.#scenario.rules.map(() => 0);
  }

  get scenario(): ParsedScenario {
    return this.#scenario;
  }

  /** Validates and installs a scenario; rule `times` counters start again. */
  load(scenario: unknown): ParsedScenario {
    this.#scenario = parseScenario(scenario);
    this.#uses = this.#scenario.rules.map(() => 0);
    return this.#scenario;
  }

  resetCounters(): void {
    this.#uses = this.#scenario.rules.map(() => 0);
  }

  /** First rule that matches (consuming one of its `times`), or the built-in echo fallback. */
  match(view: ConversationView): RuleMatch {
    for (const [index, rule] of this.#scenario.rules.entries()) {
      if (rule.times !== undefined && this.#uses[index]! >= rule.times) continue;
      const context = evaluate(rule, view);
      if (context === undefined) continue;
      this.#uses[index]!++;
      return { index, rule, reply: rule.reply && render(rule.reply, context) };
    }
    return { index: -1, rule: FALLBACK, reply: render(FALLBACK.reply!, baseContext(view, undefined, view.toolResults.at(-1))) };
  }
}

/** The template context when every condition holds, else undefined. */
function evaluate(rule: ScenarioRule, view: ConversationView): Record<string, unknown> | undefined {
  const when = rule.when ?? {};
  let match: RegExpExecArray | undefined;
  if (when.lastUserTextMatches !== undefined) {
    match = new RegExp(when.lastUserTextMatches, "i").exec(view.lastUserText) ?? undefined;
    if (match === undefined) return undefined;
  }
  if (when.systemMatches !== undefined && !new RegExp(when.systemMatches, "i").test(view.systemText)) return undefined;
  if (when.toolOffered !== undefined && !view.toolNames.includes(when.toolOffered)) return undefined;
  if (when.modelFamily !== undefined && when.modelFamily !== view.modelFamily) return undefined;
  let result = view.toolResults.at(-1);
  if (when.lastToolResultFor !== undefined) {
    result = when.lastToolResultFor === "*" ? result : view.toolResults.findLast((r) => r.name === when.lastToolResultFor);
    if (result === undefined) return undefined;
  }
  if (rule.reply?.toolUses?.some((t) => !view.toolNames.includes(t.name))) return undefined;
  return baseContext(view, match, result);
}

function baseContext(view: ConversationView, match: RegExpExecArray | undefined, result: ToolResultView | undefined): Record<string, unknown> {
  return {
    lastUserText: view.lastUserText,
    system: view.systemText,
    match: match ? { ...Object.fromEntries(match.map((m, i) => [String(i), m?.trim()])), ...match.groups } : {},
    toolResult: result?.value,
    toolResultText: result === undefined ? "" : typeof result.value === "object" ? speakable(result.value) : result.text,
    toolResultStatus: result?.status,
    toolName: result?.name,
    toolResults: view.toolResults.map((r) => r.value),
  };
}

function render(reply: NonNullable<ScenarioRule["reply"]>, context: Record<string, unknown>): RenderedReply {
  return {
    text: reply.text === undefined ? undefined : renderTemplate(reply.text, context),
    thinking: reply.thinking === undefined ? undefined : renderTemplate(reply.thinking, context),
    toolUses: (reply.toolUses ?? []).map((t) => ({ name: t.name, input: renderDeep(t.input ?? {}, context) })),
  };
}

function parseMaybeJson(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}
