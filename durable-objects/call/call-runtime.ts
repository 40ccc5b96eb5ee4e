import { agentVersionConfig } from "../../shared/agents/live-agent.ts";
import { emitTranscriptTurn } from "../../shared/webhooks/call-events.ts";
import { redactText } from "../../shared/compliance/pii-detector.ts";
import { APOLOGY_LINE } from "../../shared/calls/call-lines.ts";
import type { StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import { ChatHistory } from "../pipeline/chat-history.ts";
import type { AfterReply, Frame, FrameOf } from "../pipeline/frames.ts";
import type { AudioSink } from "../pipeline/stages/playback.ts";
import { VoicePipeline } from "../pipeline/voice-pipeline.ts";
import type { ProviderError } from "../providers/provider-types.ts";
import { agentProviders } from "./agent-providers.ts";
import { PciRecordingPause } from "./call-recording.ts";
import { CallTimers } from "./call-timers.ts";
import type { DeadlineName } from "./deadlines.ts";
import type { CallMeta, CallStore, StoredTurn } from "./call-store.ts";
import { toolRound } from "./tool-turn.ts";
import { TranscriptRecorder, type FinishedTurn } from "./transcript-recorder.ts";
import { UsageMeter, type CallUsage } from "./usage-meter.ts";

export type RuntimeDeadline = Extract<DeadlineName, "call_timers" | "hangup">;

export interface CallRuntimeHooks {
  /** The reply has been heard in full (or its hang-up deadline passed): hang up or transfer now. */
  afterReply(after: Exclude<AfterReply, { action: "listen" }>): void;
  /** The recording disclosure has been heard: start recording the call. */
  startRecording(): void;
  /** A provider failed for good: apologise and end the call. */
  providerFailed(error: ProviderError): void;
  setDeadline(name: RuntimeDeadline, at: number): void;
  log(level: "warn" | "error", message: string, data?: Record<string, unknown>): void;
  /** A caller or agent turn has finished (the live transcript's viewers are told). */
  turnFinished?(turn: FinishedTurn): void;
}

/**
 * Why the agent says a fixed line, recorded with its turn (`agent.prompt` event) and counted in the call's metrics.
 * The pipeline only needs how the line behaves (`PIPELINE_REASON`): whether it can be talked over, whether it ends the call.
 */
export type PromptPurpose = "greeting" | "resume" | "disclosure" | "reprompt" | "closing" | "voicemail" | "hold_line" | "return_line" | "apology";

const PIPELINE_REASON: Record<PromptPurpose, FrameOf<"prompt">["reason"]> = {
  greeting: "greeting",
  resume: "greeting",
  hold_line: "greeting",
  return_line: "greeting",
  disclosure: "disclosure",
  reprompt: "silence",
  closing: "closing",
  apology: "apology",
  voicemail: "voicemail",
};

const RESUME_LINE = "Sorry about that, we had a brief interruption. Where were we?";
const REPROMPT_LINE = "Are you still there?";
/**
 * Once a line that ends the call (closing line, a reply after `end_call` or a transfer, the apology) has been
 * written, the call ends by this deadline even if the line is never heard in full (a lost TTS socket, a stream
 * that stops echoing marks): its length at a slow speaking rate, plus a grace.
 */
const CLOSING_MS_PER_CHAR = 80;
const CLOSING_GRACE_MS = 5_000;

/** `{{name}}` in prompts is replaced by the outbound call's variables (unknown names become empty). */
const fill = (text: string, vars: Record<string, string>) => text.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, k: string) => vars[k] ?? "");

/**
 * History for a resumed call, from its stored turns: what was said, and each tool call with its result (a toolUse
 * answered by its toolResult). A turn's words go after its tool calls: the stored reply holds the words spoken
 * before and after them in one text, and what it says depends on the results.
 */
function historyFrom(turns: StoredTurn[]): ChatHistory {
  const history = new ChatHistory();
  let said: string[] = [];
  const speak = () => {
    history.add("assistant", said.map((text) => ({ text })));
    said = [];
  };
  for (const t of turns) {
    if (t.role === "caller" && t.text) {
      speak();
      history.add("user", [{ text: t.text }]);
    } else if (t.role === "agent" && t.text) {
      said.push(t.interrupted ? `${t.text} —` : t.text);
    } else if (t.role === "tool") {
      const round = toolRound(t.text);
      if (round) {
        history.add("assistant", [round.use]);
        history.add("user", [round.result]);
      }
    }
  }
  speak();
  return history;
}

/**
 * A live call inside its Durable Object: the voice pipeline with its providers, the transcript written to the
 * object's storage, usage, and the call's timers. Built when the authenticated stream starts (or resumes).
 */
export class CallRuntime {
  readonly pipeline: VoicePipeline;
  readonly usage = new UsageMeter();
  readonly timers: CallTimers;
  readonly config: StoredAgentConfig;
  readonly #speed: number;
  readonly #hooks: CallRuntimeHooks;
  #disclosureTurnId: number | undefined;
  #apologyTurnId: number | undefined;
  /** Characters of each reply still being written (cleared at its `reply_done`). */
  readonly #replyChars = new Map<number, number>();
  /**
   * Replies begun and not yet heard to the end: the agent is not silent between two of a reply's sentences while
   * the next one is synthesised (playback alone would say it is), so the silence timer must not fire there.
   */
  readonly #replying = new Set<number>();
  /** The action the last call-ending line asked for, taken at its hang-up deadline if it is never heard in full. */
  #pendingEnd: { turnId: number; after: Exclude<AfterReply, { action: "listen" }> } | undefined;
  readonly #promptCounts: Partial<Record<PromptPurpose, number>> = {};
  #ended = false;
  readonly #store: CallStore;

  private constructor(
    readonly meta: CallMeta,
    config: StoredAgentConfig,
    pipeline: VoicePipeline,
    timers: CallTimers,
    speed: number,
    hooks: CallRuntimeHooks,
    store: CallStore,
  ) {
    this.#store = store;
    this.config = config;
    this.pipeline = pipeline;
    this.timers = timers;
    this.#speed = speed;
    this.#hooks = hooks;
  }

  /** `returnLine`: what the agent says first when the caller comes back after a failed transfer. */
  static async start(env: Env, store: CallStore, sink: AudioSink, hooks: CallRuntimeHooks, returnLine?: string): Promise<CallRuntime> {
    const meta = store.meta!;
    const agent = await agentVersionConfig(env, meta.accountId, meta.agentId, meta.agentVersion);
    if (!agent) throw new Error(`agent ${meta.agentId} v${meta.agentVersion} is not available`);
    const vars = store.get<Record<string, string>>("variables") ?? {};
    const config: StoredAgentConfig = { ...agent.config, system_prompt: fill(agent.config.system_prompt, vars), first_message: fill(agent.config.first_message, vars) };
    const speed = Math.max(1, Number(env.CALL_CLOCK_SPEED) || 1);
    // A reply still open was cut off by the restart: it keeps the words sent so far, marked interrupted.
    store.interruptOpenTurns();
    const turns = store.turns();
    const resumed = turns.length > 0;
    const pci = new PciRecordingPause(env, store);
    const providers = agentProviders(env, meta, config, store.callSid ?? null, (run) =>
      pci.around(run, (reason) => ({ status: "error", content: JSON.stringify({ error: reason }) })),
    );
    const now = () => Date.now();
    const pipeline = new VoicePipeline({
      ...providers,
      callId: meta.callId,
      sink,
      sensitivity: config.interruption_sensitivity,
      earlyStart: config.early_start,
      // Versions published before the setting existed keep its default.
      duckOnSpeechStart: config.duck_on_speech_start !== false,
      closingMessage: config.closing_message,
      history: resumed ? historyFrom(turns) : undefined,
      firstTurnId: turns.length,
      now,
      speed,
      mediaMessageMs: Number(env.TWILIO_MEDIA_MESSAGE_MS) || undefined,
      onError: (error, stage, frame) => hooks.log("error", "pipeline stage failed", { stage, frame: frame.kind, error: String(error) }),
      onProviderFailure: (error) => hooks.providerFailed(error),
    });
    const timers = new CallTimers(
      { maxCallDurationS: config.max_call_duration_s, silenceTimeoutS: config.silence_timeout_s, silenceReprompts: config.silence_reprompts, speed },
      Date.parse(meta.createdAt) || now(),
      { setAlarm: (at) => hooks.setDeadline("call_timers", at) },
    );
    const runtime = new CallRuntime(meta, config, pipeline, timers, speed, hooks, store);
    // What leaves the object (the webhook, the live viewers) is redacted as the stored transcript is.
    const recorder = new TranscriptRecorder(store, pipeline.ledger, pipeline.metrics, (finished) => {
      const turn = { ...finished, text: redactText(finished.text, config.pii_redaction ?? []) };
      emitTranscriptTurn(env, meta, turn);
      hooks.turnFinished?.(turn);
    });
    pipeline.observe(recorder.observe);
    pipeline.observe(runtime.usage.observe);
    pipeline.observe((frame: Frame) => runtime.#observe(frame));
    timers.activity(now(), false);
    // A recorded call opens with its disclosure (heard in full, never talked over); recording starts once heard.
    if (!resumed && config.recording.enabled) runtime.#disclosureTurnId = runtime.speak("disclosure", config.recording.disclosure);
    const [purpose, opening]: [PromptPurpose, string] = !resumed ? ["greeting", config.first_message] : returnLine ? ["return_line", returnLine] : ["resume", RESUME_LINE];
    if (opening) runtime.speak(purpose, opening);
    return runtime;
  }

  /** Says a fixed line as its own turn, recorded with its purpose; returns the turn's id. */
  speak(purpose: PromptPurpose, text: string): number {
    const turnId = this.pipeline.say(text, PIPELINE_REASON[purpose]);
    this.#promptCounts[purpose] = (this.#promptCounts[purpose] ?? 0) + 1;
    this.#store.event("agent.prompt", { turn_id: turnId, purpose });
    return turnId;
  }

  /** The call must end while the caller is on the line: the closing line, then a hang-up (by its deadline at the latest). */
  sayClosing(): void {
    this.speak("closing", this.config.closing_message);
  }

  /** A provider failed for good but the agent can still speak: it apologises, then the call ends as `apology`. */
  apologise(): void {
    this.#apologyTurnId = this.speak("apology", APOLOGY_LINE);
  }

  #observe(frame: Frame): void {
    if (frame.kind === "interrupt" || frame.kind === "end") this.#replying.clear();
    if (frame.kind === "reply_delta") {
      this.#replying.add(frame.turnId);
      this.#replyChars.set(frame.turnId, (this.#replyChars.get(frame.turnId) ?? 0) + frame.text.length);
      return;
    }
    if (frame.kind === "reply_done") {
      const chars = this.#replyChars.get(frame.turnId) ?? 0;
      this.#replyChars.delete(frame.turnId);
      if (frame.after.action !== "listen") this.#armHangup(frame.turnId, frame.after, chars);
      return;
    }
    const now = Date.now();
    if (frame.kind === "speech_started" || frame.kind === "user_turn") this.timers.activity(now, true);
    if (frame.kind === "playback_done") {
      this.#replying.delete(frame.turnId);
      this.timers.activity(now, false);
      if (frame.turnId === this.#disclosureTurnId) this.#hooks.startRecording();
      if (frame.after.action !== "listen") this.#end(frame.turnId, frame.after, true);
    }
  }

  /** A line that ends the call was written: whether or not it is ever heard in full, the call ends by its deadline. */
  #armHangup(turnId: number, after: Exclude<AfterReply, { action: "listen" }>, chars: number): void {
    if (this.#pendingEnd) return; // the first such line decides when the call ends at the latest
    this.#pendingEnd = { turnId, after };
    this.#hooks.setDeadline("hangup", Date.now() + (chars * CLOSING_MS_PER_CHAR + CLOSING_GRACE_MS) / this.#speed);
  }

  /**
   * Hangs up or transfers, once. The apology ends the call as `apology` once heard, `apology_unheard` at its
   * deadline (Twilio then says it instead).
   */
  #end(turnId: number, after: Exclude<AfterReply, { action: "listen" }>, heard: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#hooks.afterReply(turnId === this.#apologyTurnId ? { action: "hang_up", reason: heard ? "apology" : "apology_unheard" } : after);
  }

  /** One of the runtime's deadlines passed: the call's timers (maximum duration, caller silence), or a hang-up. */
  onDeadline(name: RuntimeDeadline): void {
    if (name === "hangup") {
      const pending = this.#pendingEnd;
      if (!pending) return;
      this.#store.event("call.hangup_deadline", { turn_id: pending.turnId });
      this.#end(pending.turnId, pending.after.action === "hang_up" ? { action: "hang_up", reason: "closing_deadline" } : pending.after, false);
      return;
    }
    if (this.#pendingEnd) return; // the call is already ending
    const action = this.timers.due(Date.now(), this.#replying.size > 0 || this.pipeline.isAgentSpeaking());
    if (action.kind === "reprompt") this.speak("reprompt", REPROMPT_LINE);
    else if (action.kind === "max_duration" || action.kind === "give_up") this.sayClosing();
  }

  usageSnapshot(): CallUsage {
    const p = this.pipeline;
    return this.usage.snapshot({
      callerAudioMs: p.clock.audioMs,
      agentAudioMs: p.playback.stats.frames_sent * 20,
      sttAudioMs: p.stt.stats?.audioMsSent ?? 0,
      ttsCharacters: p.tts.stats?.characters ?? 0,
    });
  }

  metricsSnapshot(): Record<string, unknown> {
    return {
      playback: { ...this.pipeline.playback.stats },
      stt: this.pipeline.stt.stats ?? null,
      tts: this.pipeline.tts.stats ?? null,
      clock_speed: this.#speed,
      prompts: { ...this.#promptCounts },
    };
  }

  close(reason: string): Promise<void> {
    return this.pipeline.close(reason);
  }
}
