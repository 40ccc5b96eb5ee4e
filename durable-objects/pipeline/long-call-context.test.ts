import { describe, expect, it } from "vitest";
import { contextWindowTokens } from "../../shared/llm/bedrock-models.ts";
import type { LanguageModel, LlmEvent, LlmRequest, ToolSpec } from "../providers/provider-types.ts";
import { ChatHistory, OMITTED_NOTE } from "./chat-history.ts";
import { estimateTokens, messageTokens } from "./context-budget.ts";
import type { Frame } from "./frames.ts";
import { PromptGuard } from "./prompt-guard.ts";
import { SpeechLedger } from "./speech-ledger.ts";
import { ConversationStage } from "./stages/conversation.ts";
import { bedrockHistoryProblem } from "./testing/fake-providers.ts";
import { TurnMetrics } from "./turn-metrics.ts";

const MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const SYSTEM = "You are the front desk of Acme Dental. Be brief. ".repeat(40);
const TOOLS: ToolSpec[] = [{ name: "check_calendar", description: "Free slots on a day.", inputSchema: { type: "object", properties: { day: { type: "string" } } } }];
const MAX_TOKENS = 1_024;

/**
 * Answers at once (no timers, so thousands of turns run in a moment), checks every request as Bedrock would, and
 * keeps only what the test asserts on: the largest input it was sent, never the requests themselves.
 */
class MeasuringModel implements LanguageModel {
  requests = 0;
  largestInputTokens = 0;
  problems: string[] = [];
  last: LlmRequest | undefined;
  async *stream(request: LlmRequest): AsyncIterable<LlmEvent> {
    this.requests++;
    this.last = request;
    const input = estimateTokens(request.system) + request.tools.reduce((n, t) => n + estimateTokens(JSON.stringify(t)), 0) + request.messages.reduce((n, m) => n + messageTokens(m), 0);
    this.largestInputTokens = Math.max(this.largestInputTokens, input);
    const problem = bedrockHistoryProblem(request.messages);
    if (problem) this.problems.push(problem);
    if (request.system !== SYSTEM || request.tools !== TOOLS) this.problems.push("system prompt or tools changed");
    const last = request.messages.at(-1)!.content;
    const question = last.find((b) => "text" in b)?.text ?? "";
    if (last.every((b) => "text" in b) && question.includes("calendar")) {
      yield { type: "tool_use", toolUseId: `tu_${this.requests}`, name: "check_calendar", input: { day: "Saturday" } };
      yield { type: "stop", reason: "tool_use" };
      return;
    }
    yield { type: "text", text: `Answer ${this.requests}: ${"we can certainly help with that, ".repeat(45)}` };
    yield { type: "stop", reason: "end_turn" };
  }
}

function conversation(llm: LanguageModel, history?: ChatHistory) {
  const waiting = new Map<number, () => void>();
  const stage = new ConversationStage({
    callId: "CALL-long",
    llm,
    request: { modelId: MODEL, system: SYSTEM, temperature: 0.5, maxTokens: MAX_TOKENS, promptCaching: true },
    tools: TOOLS,
    runTools: async (calls) => calls.map(() => ({ status: "success" as const, content: JSON.stringify({ slots: Array.from({ length: 40 }, (_, i) => `${9 + (i % 8)}:${i % 2 ? "30" : "00"}`) }) })),
    ledger: new SpeechLedger(),
    metrics: new TurnMetrics(),
    agentSpeaking: () => false,
    guard: new PromptGuard(),
    history,
    closingMessage: "Goodbye!",
    onProviderFailure: (error) => {
      throw error;
    },
  });
  stage.attach({
    push: (frame: Frame) => {
      if (frame.kind === "reply_done") waiting.get(frame.turnId)?.();
    },
    broadcast: () => {},
    now: () => 0,
  });
  /** The caller's turn, answered (the model and its tools run on promises only). */
  async function turn(turnId: number, text: string): Promise<void> {
    const answered = new Promise<void>((resolve) => waiting.set(turnId, resolve));
    stage.handle({ kind: "user_turn", turnId, text, speechEndedAudioMs: 0, tentative: false });
    await answered;
    waiting.delete(turnId);
  }
  return { stage, turn };
}

describe("a call of thousands of turns stays within the model's context", () => {
  it("drops the oldest exchanges, keeping the system prompt, the tools and the recent turns, and every request valid", async () => {
    const llm = new MeasuringModel();
    const { stage, turn } = conversation(llm);
    const window = contextWindowTokens(MODEL);
    let peakMessages = 0;
    const TURNS = 3_000;
    const question = (t: number) => (t % 7 === 3 ? `Could you check the calendar for turn ${t}?` : `Question ${t}: ${"I would like to know a little more about your services, ".repeat(25)}`);
    for (let t = 0; t < TURNS; t++) {
      await turn(t, question(t));
      peakMessages = Math.max(peakMessages, stage.history.messages.length);
    }
    expect(llm.problems).toEqual([]);
    // Tool rounds add a request each: every turn reached the model, and none was refused.
    expect(llm.requests).toBeGreaterThan(TURNS);
    // Input plus the reserved output fits the window on every request, with room to spare for the estimate's error.
    expect(llm.largestInputTokens + MAX_TOKENS).toBeLessThanOrEqual(window);
    // Each exchange is about 1,000 tokens: without trimming 3,000 turns would be ~15 windows.
    expect(llm.largestInputTokens).toBeGreaterThan(window / 2);
    const history = stage.history.messages;
    expect(peakMessages).toBeLessThan(600);
    expect(history[0]!.content[0]).toEqual({ text: OMITTED_NOTE });
    // The newest turns are all there, in order.
    const said = history.flatMap((m) => (m.role === "user" ? m.content.flatMap((b) => ("text" in b ? [b.text] : [])) : []));
    const recent = Array.from({ length: 20 }, (_, i) => question(TURNS - 20 + i));
    expect(said.slice(-20)).toEqual(recent);
    expect(stage.history.length).toBeGreaterThan(TURNS);
  });

  it("a resumed call with a history larger than the window is trimmed before its first request", async () => {
    const history = new ChatHistory();
    for (let t = 0; t < 2_000; t++) {
      history.add("user", [{ text: `Earlier question ${t}: ${"日本語の長い質問です。".repeat(20)}` }]);
      history.add("assistant", [{ text: `Earlier answer ${t}: ${"はい、承知しました。".repeat(20)}` }]);
    }
    const llm = new MeasuringModel();
    const { turn } = conversation(llm, history);
    await turn(5_000, "And one more thing?");
    expect(llm.problems).toEqual([]);
    expect(llm.largestInputTokens + MAX_TOKENS).toBeLessThanOrEqual(contextWindowTokens(MODEL));
    expect(llm.last!.messages.at(-1)).toEqual({ role: "user", content: [{ text: "And one more thing?" }] });
    expect(JSON.stringify(llm.last!.messages.at(-2))).toContain("Earlier answer 1999:");
  });

  it("an interrupted reply that was trimmed away leaves the history valid", () => {
    const history = new ChatHistory();
    for (let t = 0; t < 50; t++) {
      history.add("user", [{ text: `question ${t} ${"x".repeat(300)}` }]);
      history.add("assistant", [{ text: `answer ${t}` }, { toolUse: { toolUseId: `tu_${t}`, name: "check_calendar", input: {} } }]);
      history.add("user", [{ toolResult: { toolUseId: `tu_${t}`, content: [{ text: "{}" }], status: "success" } }]);
      history.add("assistant", [{ text: `done ${t}` }]);
    }
    history.fit(2_000);
    expect(history.length).toBe(200);
    history.interruptAssistant(3, "answer", []);
    history.add("user", [{ text: "next" }]);
    expect(bedrockHistoryProblem(history.messages)).toBeUndefined();
    expect(history.messages.length).toBeLessThan(200);
  });
});
