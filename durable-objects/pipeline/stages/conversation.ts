import type { ContentBlock, LanguageModel, LlmRequest, ProviderError, ToolSpec } from "../../providers/provider-types.ts";
import type { AfterReply, Frame, FrameOf } from "../frames.ts";
import { ChatHistory } from "../chat-history.ts";
import { messageBudget } from "../context-budget.ts";
import { ModelFailures } from "../model-failures.ts";
import { asModelError, logProviderFailure } from "../provider-failure-log.ts";
import type { PromptGuard } from "../prompt-guard.ts";
import type { SpeechLedger } from "../speech-ledger.ts";
import { BaseStage } from "../stage.ts";
import type { TurnMetrics } from "../turn-metrics.ts";
import { ModelRequestUsage } from "../usage-estimate.ts";

export interface ToolCall {
  toolUseId: string;
  name: string;
  input: unknown;
}

export interface ToolOutcome {
  status: "success" | "error";
  content: string;
  /** What the call does once the reply is heard (built-ins: end_call, transfer_call). */
  after?: AfterReply;
  /** In-band DTMF to play in the reply (built-in send_dtmf). */
  dtmf?: string;
}

export interface ConversationOptions {
  /** The call this conversation belongs to, for its log lines. */
  callId: string;
  llm: LanguageModel;
  request: Omit<LlmRequest, "messages" | "tools"> & { fallbackModelId?: string };
  tools: ToolSpec[];
  /** Runs the model's tool calls (concurrently, bounded) and returns outcomes in call order. */
  runTools: (calls: ToolCall[], signal: AbortSignal) => Promise<ToolOutcome[]>;
  ledger: SpeechLedger;
  metrics: TurnMetrics;
  agentSpeaking: () => boolean;
  guard: PromptGuard;
  history?: ChatHistory;
  closingMessage: string;
  /** Tools slower than this get a short filler line first, so the caller is never left in silence. */
  fillerAfterMs?: number;
  fillerLine?: string;
  /** Rounds of tool calls per caller turn; the model call after the last round must answer without tools. */
  maxToolRounds?: number;
  /** The model failed for good (see ModelFailures): the call should apologise and end. */
  onProviderFailure: (error: ProviderError) => void;
}

const APOLOGY = "I'm sorry, I'm having trouble with that right now. Could you say it again?";
/** Fixed lines after which the call hangs up; the hang-up's reason is the line's. */
const ENDS_CALL: ReadonlySet<FrameOf<"prompt">["reason"]> = new Set(["closing", "voicemail", "apology"]);
const TOOL_FALLBACK = "Sorry, I couldn't get that information just now.";

interface Turn {
  turnId: number;
  abort: AbortController;
  /** Early start: the model runs, but its output is held until the endpoint confirms the text. */
  held: Frame[] | undefined;
  userText: string;
  historyStart: number;
  pendingToolUseIds: string[];
  spokeInRound: boolean;
  /** Assistant blocks produced while held, committed to the history on confirmation. */
  uncommitted: ContentBlock[];
  finished: boolean;
  onConfirmed?: () => void;
  /** The model request being streamed, for an estimate of its usage if it is cut before Bedrock reports it. */
  model: ModelRequestUsage | undefined;
  /** Tokens spent while held (unconfirmed): wasted if the turn is cancelled. */
  spent: { inputTokens: number; outputTokens: number };
}

/**
 * Caller turns → the model (Bedrock ConverseStream) → reply text, with tool calls in between. Each turn owns an
 * AbortController and checks it after every await: an interrupt or a newer caller turn stops it at once, and the
 * history keeps only the words the caller heard.
 */
export class ConversationStage extends BaseStage {
  readonly name = "conversation";
  readonly history: ChatHistory;
  #turn: Turn | undefined;
  /** The last reply whose audio may still be playing: an interrupt rewrites it to what was heard. */
  #lastSpoken: { turnId: number; historyStart: number } | undefined;
  readonly #modelFailures = new ModelFailures();
  /** Tokens the history may take in a request (see context-budget.ts). */
  readonly #historyBudget: number;

  constructor(private readonly opts: ConversationOptions) {
    super();
    this.history = opts.history ?? new ChatHistory();
    this.#historyBudget = messageBudget({ ...opts.request, tools: opts.tools });
  }

  /** A caller turn is being answered (the model or its tools are running). */
  inFlight(): boolean {
    return this.#turn !== undefined;
  }

  handle(frame: Frame): void {
    switch (frame.kind) {
      case "user_turn":
        // Said over an uninterruptible line: answered once the line has been heard.
        return this.opts.guard.afterwards(() => this.#onUserTurn(frame));
      case "prompt":
        return this.#onPrompt(frame);
      case "user_turn_cancelled":
        if (this.#turn?.turnId === frame.turnId && this.#turn.held) {
          this.#abort(this.#turn);
          this.#turn = undefined;
        }
        return;
      case "interrupt":
        return this.#stop();
      case "end":
        if (this.#turn) this.#abort(this.#turn);
        this.#turn = undefined;
        return;
      default:
        this.push(frame);
    }
  }

  #onUserTurn(frame: FrameOf<"user_turn">): void {
    // The model is down for this call, which is ending: nothing would answer the turn.
    if (this.#modelFailures.gaveUp) return;
    const current = this.#turn;
    if (current && current.turnId === frame.turnId && current.held && !frame.tentative) {
      // The endpoint confirmed the early-start text: release what the model already produced.
      const held = current.held;
      current.held = undefined;
      this.history.add("user", [{ text: current.userText }]);
      this.history.add("assistant", current.uncommitted);
      this.#speculation(current, "committed");
      held.forEach((f) => this.push(f));
      current.onConfirmed?.();
      if (current.finished) this.#turn = undefined;
      return;
    }
    if (current || this.opts.agentSpeaking()) this.context.broadcast({ kind: "interrupt", reason: "new_turn", atMs: this.context.now() });
    const turn: Turn = {
      turnId: frame.turnId,
      abort: new AbortController(),
      held: frame.tentative ? [] : undefined,
      userText: frame.text,
      historyStart: this.history.length,
      pendingToolUseIds: [],
      spokeInRound: false,
      uncommitted: [],
      finished: false,
      model: undefined,
      spent: { inputTokens: 0, outputTokens: 0 },
    };
    if (!frame.tentative) this.history.add("user", [{ text: frame.text }]);
    else this.#speculation(turn, "started");
    this.#turn = turn;
    void this.#run(turn);
  }

  /** A fixed line (greeting, reprompt, closing): spoken as is, and kept in the history as the agent's words. */
  #onPrompt(frame: FrameOf<"prompt">): void {
    this.opts.metrics.mark(frame.turnId, "prompt", this.context.now());
    // A line after an uninterruptible one (the greeting after the disclosure) queues behind it.
    if (!this.opts.guard.active && (this.#turn || this.opts.agentSpeaking())) this.context.broadcast({ kind: "interrupt", reason: "new_turn", atMs: this.context.now() });
    const after: AfterReply = ENDS_CALL.has(frame.reason) ? { action: "hang_up", reason: frame.reason } : { action: "listen" };
    this.#lastSpoken = { turnId: frame.turnId, historyStart: this.history.length };
    this.history.add("assistant", [{ text: frame.text }]);
    this.push({ kind: "reply_delta", turnId: frame.turnId, text: frame.text });
    this.push({ kind: "reply_done", turnId: frame.turnId, after });
  }

  #stop(): void {
    const turn = this.#turn;
    const spoken = this.#lastSpoken;
    this.#turn = undefined;
    this.#lastSpoken = undefined;
    if (turn) {
      this.#abort(turn);
      if (turn.held) return; // never confirmed: nothing of it was said or committed
      this.history.interruptAssistant(turn.historyStart, this.opts.ledger.heardText(turn.turnId), turn.pendingToolUseIds);
    } else if (spoken) {
      this.history.interruptAssistant(spoken.historyStart, this.opts.ledger.heardText(spoken.turnId), []);
    }
  }

  /**
   * Stops the turn's model and tools. A request cut before Bedrock reported its usage is metered by estimate, now:
   * the stream's own unwinding comes later, perhaps after the call's last frame was observed. An unconfirmed
   * (speculative) turn ends as cancelled, with what it spent.
   */
  #abort(turn: Turn): void {
    turn.abort.abort();
    this.#meterUnreported(turn);
    if (turn.held) this.#speculation(turn, "cancelled");
  }

  #speculation(turn: Turn, outcome: FrameOf<"speculation">["outcome"]): void {
    const wasted = outcome === "cancelled" ? turn.spent : { inputTokens: 0, outputTokens: 0 };
    this.push({ kind: "speculation", turnId: turn.turnId, outcome, wastedInputTokens: wasted.inputTokens, wastedOutputTokens: wasted.outputTokens });
  }

  /** Usage is metered whatever becomes of the turn: never held, never dropped with an aborted reply. */
  #meter(turn: Turn, usage: Omit<FrameOf<"llm_usage">, "kind" | "turnId">): void {
    if (turn.held) {
      turn.spent.inputTokens += usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
      turn.spent.outputTokens += usage.outputTokens;
    }
    this.push({ kind: "llm_usage", turnId: turn.turnId, ...usage });
  }

  #meterUnreported(turn: Turn): void {
    const estimate = turn.model?.unreported();
    if (estimate) this.#meter(turn, { ...estimate, estimated: true });
  }

  #emit(turn: Turn, frame: Frame): void {
    if (turn.abort.signal.aborted) return;
    if (turn.held) turn.held.push(frame);
    else this.push(frame);
  }

  async #run(turn: Turn): Promise<void> {
    const { signal } = turn.abort;
    const maxRounds = this.opts.maxToolRounds ?? 4;
    let after: AfterReply = { action: "listen" };
    let spokeAfterTools = true;
    let modelDown: ProviderError | undefined;
    for (let round = 0; !signal.aborted; round++) {
      // A call may last hours: past the model's context every turn would fail.
      this.history.fit(this.#historyBudget);
      const messages = turn.held ? this.history.withUserText(turn.userText) : [...this.history.messages];
      const request: LlmRequest = { ...this.opts.request, messages, tools: this.opts.tools };
      this.opts.metrics.mark(turn.turnId, "llm_request", this.context.now());
      turn.spokeInRound = false;
      let text = "";
      const toolUses: ToolCall[] = [];
      const model = (turn.model = new ModelRequestUsage(request));
      try {
        for await (const event of this.opts.llm.stream(request, signal, this.opts.request.fallbackModelId)) {
          if (signal.aborted) return;
          model.received(event);
          if (event.type === "text" || event.type === "tool_use") this.opts.metrics.mark(turn.turnId, "llm_first_token", this.context.now());
          if (event.type === "text" && event.text) {
            text += event.text;
            turn.spokeInRound ||= event.text.trim() !== "";
            this.#emit(turn, { kind: "reply_delta", turnId: turn.turnId, text: event.text });
          } else if (event.type === "tool_use") {
            toolUses.push({ toolUseId: event.toolUseId, name: event.name, input: event.input });
          } else if (event.type === "usage") {
            const { type: _, ...usage } = event;
            this.#meter(turn, usage);
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        // Rejected before any output (throttled, invalid), a request is not billed; cut after output began, it is.
        if (model.hasOutput) this.#meterUnreported(turn);
        else model.discard();
        const failure = asModelError(error);
        const permanent = this.#modelFailures.failed(failure);
        logProviderFailure(this.opts.callId, failure, permanent);
        // Given up: the turn ends with what was said, and the failure hook's apology says goodbye. Otherwise the
        // caller hears an apology and the call goes on.
        if (permanent) modelDown = failure;
        else this.#emit(turn, { kind: "reply_delta", turnId: turn.turnId, text: (text ? " " : "") + APOLOGY });
        spokeAfterTools = true;
        break;
      }
      if (signal.aborted) return;
      // A stream read to its end carried its usage (Bedrock's `metadata` comes with every complete answer).
      model.discard();
      this.#modelFailures.succeeded();
      // Past the depth limit the model has seen every result; tools it asks for now are not run (nor kept in the
      // history, which would then hold a toolUse without its result): it answers with what it has.
      const lastRound = round >= maxRounds;
      const runnable = lastRound ? [] : toolUses;
      if (turn.held && round === 0 && runnable.length > 0) {
        // Tools have effects: never run them for a turn the caller may still be changing. Wait for the endpoint.
        await this.#untilConfirmed(turn);
        if (signal.aborted) return;
      }
      const blocks: ContentBlock[] = [];
      if (text) blocks.push({ text });
      for (const t of runnable) blocks.push({ toolUse: { toolUseId: t.toolUseId, name: t.name, input: t.input } });
      this.#commit(turn, blocks);
      if (runnable.length === 0) {
        spokeAfterTools = spokeAfterTools || text.trim() !== "";
        break;
      }
      spokeAfterTools = false;
      const outcomes = await this.#runTools(turn, runnable);
      if (signal.aborted) return;
      this.history.add(
        "user",
        outcomes.map((o, i) => ({ toolResult: { toolUseId: runnable[i]!.toolUseId, content: [{ text: o.content }], status: o.status } })),
      );
      turn.pendingToolUseIds = [];
      const final = outcomes.find((o) => o.after && o.after.action !== "listen")?.after;
      for (const o of outcomes) if (o.dtmf) this.#emit(turn, { kind: "dtmf_request", turnId: turn.turnId, digits: o.dtmf });
      if (final) {
        after = final;
        if (!text) this.#emit(turn, { kind: "reply_delta", turnId: turn.turnId, text: final.action === "hang_up" ? this.opts.closingMessage : "Please hold while I transfer your call." });
        spokeAfterTools = true;
        break;
      }
    }
    if (signal.aborted) return;
    // The agent is never left silent after a tool: an empty answer still gets a spoken line.
    if (!spokeAfterTools) {
      this.#emit(turn, { kind: "reply_delta", turnId: turn.turnId, text: TOOL_FALLBACK });
      this.#commit(turn, [{ text: TOOL_FALLBACK }]);
    }
    this.#emit(turn, { kind: "reply_done", turnId: turn.turnId, after });
    turn.finished = true;
    this.#lastSpoken = { turnId: turn.turnId, historyStart: turn.historyStart };
    if (!turn.held && this.#turn === turn) this.#turn = undefined;
    if (modelDown) this.opts.onProviderFailure(modelDown);
  }

  /** The assistant's blocks go to the history, or wait with an unconfirmed early start. */
  #commit(turn: Turn, blocks: ContentBlock[]): void {
    if (turn.held) turn.uncommitted.push(...blocks);
    else this.history.add("assistant", blocks);
  }

  async #runTools(turn: Turn, calls: ToolCall[]): Promise<ToolOutcome[]> {
    const { signal } = turn.abort;
    turn.pendingToolUseIds = calls.map((c) => c.toolUseId);
    this.#emit(turn, { kind: "reply_flush", turnId: turn.turnId });
    const started = this.context.now();
    for (const c of calls) this.#emit(turn, { kind: "tool_call", turnId: turn.turnId, toolUseId: c.toolUseId, name: c.name, input: c.input });
    const running = this.opts.runTools(calls, signal);
    if (!turn.spokeInRound) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const filler = new Promise<"filler">((resolve) => (timer = setTimeout(() => resolve("filler"), this.opts.fillerAfterMs ?? 600)));
      const first = await Promise.race([running.then(() => "done" as const), filler]);
      clearTimeout(timer ?? null);
      if (first === "filler" && !signal.aborted) {
        this.#emit(turn, { kind: "reply_delta", turnId: turn.turnId, text: `${this.opts.fillerLine ?? "One moment while I check that."} ` });
        this.#emit(turn, { kind: "reply_flush", turnId: turn.turnId });
      }
    }
    const outcomes = await running;
    const durationMs = this.context.now() - started;
    calls.forEach((c, i) =>
      this.#emit(turn, { kind: "tool_result", turnId: turn.turnId, toolUseId: c.toolUseId, name: c.name, status: outcomes[i]!.status, content: outcomes[i]!.content, durationMs }),
    );
    return outcomes;
  }

  /** Resolves when the early-start turn is confirmed, or is aborted because the caller said something else. */
  #untilConfirmed(turn: Turn): Promise<void> {
    return new Promise((resolve) => {
      turn.onConfirmed = resolve;
      turn.abort.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }
}
