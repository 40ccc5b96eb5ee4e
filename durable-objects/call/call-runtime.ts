import { agentVersionConfig } from "../../shared/agents/live-agent.ts";
import type { StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import { ChatHistory } from "../pipeline/chat-history.ts";
import type { AfterReply, Frame } from "../pipeline/frames.ts";
import type { AudioSink } from "../pipeline/stages/playback.ts";
import { VoicePipeline } from "../pipeline/voice-pipeline.ts";
import type { ProviderError } from "../providers/provider-types.ts";
import { agentProviders } from "./agent-providers.ts";
import { CallTimers } from "./call-timers.ts";
import type { CallMeta, CallStore, StoredTurn } from "./call-store.ts";
import { toolRound } from "./tool-turn.ts";
import { TranscriptRecorder } from "./transcript-recorder.ts";
import { UsageMeter, type CallUsage } from "./usage-meter.ts";

export interface CallRuntimeHooks {
  /** The reply before it has been heard in full: hang up or transfer now. */
  afterReply(after: Exclude<AfterReply, { action: "listen" }>): void;
  /** The recording disclosure has been heard: start recording the call. */
  startRecording(): void;
  /** A provider failed for good: apologise and end the call. */
  providerFailed(error: ProviderError): void;
  setAlarm(at: number): void;
  log(level: "warn" | "error", message: string, data?: Record<string, unknown>): void;
}

const RESUME_LINE = "Sorry about that, we had a brief interruption. Where were we?";
const REPROMPT_LINE = "Are you still there?";
/** Once the closing line has started, the call ends by this deadline even if the line is never heard in full. */
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
  /** When the closing line started to be said, the call ends at this time at the latest. */
  #closingDeadline: number | undefined;
  #ended = false;

  private constructor(
    readonly meta: CallMeta,
    config: StoredAgentConfig,
    pipeline: VoicePipeline,
    timers: CallTimers,
    speed: number,
    hooks: CallRuntimeHooks,
  ) {
    this.config = config;
    this.pipeline = pipeline;
    this.timers = timers;
    this.#speed = speed;
    this.#hooks = hooks;
  }

  /** `resumeLine`: what the agent says first on a resumed call (after a dropped stream, or a failed transfer). */
  static async start(env: Env, store: CallStore, sink: AudioSink, hooks: CallRuntimeHooks, resumeLine = RESUME_LINE): Promise<CallRuntime> {
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
    const providers = agentProviders(env, meta, config, store.callSid ?? null);
    const now = () => Date.now();
    const pipeline = new VoicePipeline({
      ...providers,
      callId: meta.callId,
      sink,
      sensitivity: config.interruption_sensitivity,
      earlyStart: config.early_start,
      closingMessage: config.closing_message,
      history: resumed ? historyFrom(turns) : undefined,
      firstTurnId: turns.length,
      now,
      speed,
      onError: (error, stage, frame) => hooks.log("error", "pipeline stage failed", { stage, frame: frame.kind, error: String(error) }),
      onProviderFailure: (error) => hooks.providerFailed(error),
    });
    const timers = new CallTimers(
      { maxCallDurationS: config.max_call_duration_s, silenceTimeoutS: config.silence_timeout_s, silenceReprompts: config.silence_reprompts, speed },
      Date.parse(meta.createdAt) || now(),
      { setAlarm: hooks.setAlarm },
    );
    const runtime = new CallRuntime(meta, config, pipeline, timers, speed, hooks);
    const recorder = new TranscriptRecorder(store, pipeline.ledger, pipeline.metrics);
    pipeline.observe(recorder.observe);
    pipeline.observe(runtime.usage.observe);
    pipeline.observe((frame: Frame) => runtime.#observe(frame));
    timers.activity(now(), false);
    // A recorded call opens with its disclosure (heard in full, never talked over); recording starts once heard.
    if (!resumed && config.recording.enabled) runtime.#disclosureTurnId = pipeline.say(config.recording.disclosure, "disclosure");
    const opening = resumed ? resumeLine : config.first_message;
    if (opening) pipeline.say(opening, "greeting");
    return runtime;
  }

  #observe(frame: Frame): void {
    const now = Date.now();
    if (frame.kind === "speech_started" || frame.kind === "user_turn") this.timers.activity(now, true);
    if (frame.kind === "playback_done") {
      this.timers.activity(now, false);
      if (frame.turnId === this.#disclosureTurnId) this.#hooks.startRecording();
      if (frame.after.action !== "listen") this.#end(frame.after);
    }
  }

  /** Hangs up or transfers, once. */
  #end(after: Exclude<AfterReply, { action: "listen" }>): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#hooks.afterReply(after);
  }

  /** The call's alarm: maximum duration or caller silence; after the closing line, its deadline. */
  onAlarm(): void {
    const now = Date.now();
    if (this.#closingDeadline !== undefined) {
      // The closing line is said once. Normally its end hangs up; if it never finishes (a lost TTS socket, a
      // stream that stops echoing marks), the call still ends at the deadline.
      if (now >= this.#closingDeadline) this.#end({ action: "hang_up", reason: "closing_deadline" });
      else this.#hooks.setAlarm(this.#closingDeadline);
      return;
    }
    const action = this.timers.due(now, this.pipeline.isAgentSpeaking());
    if (action.kind === "reprompt") this.pipeline.say(REPROMPT_LINE, "silence");
    else if (action.kind === "max_duration" || action.kind === "give_up") {
      const text = this.config.closing_message;
      this.#closingDeadline = now + (text.length * CLOSING_MS_PER_CHAR + CLOSING_GRACE_MS) / this.#speed;
      this.#hooks.setAlarm(this.#closingDeadline);
      this.pipeline.say(text, "closing");
    }
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
    return { playback: { ...this.pipeline.playback.stats }, stt: this.pipeline.stt.stats ?? null, tts: this.pipeline.tts.stats ?? null, clock_speed: this.#speed };
  }

  close(reason: string): Promise<void> {
    return this.pipeline.close(reason);
  }
}
