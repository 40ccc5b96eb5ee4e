import { encodeMulaw } from "../../shared/audio/mulaw.ts";
import { noiseAudio } from "../common/noise-audio.ts";
import { resample, synthesizeSpeech } from "../common/speech-audio.ts";
import type { CallerScript, CallerStep } from "./caller-script.ts";

/** What the scripted caller can observe and do on its call. Times are call-clock ms. */
export interface CallerEnvironment {
  /** A media stream is up, so the caller can be heard. */
  streamLive(): boolean;
  /** Agent audio is queued or playing on the live stream. */
  agentSpeaking(): boolean;
  /** Start of the agent audio segment playing now, if any. */
  agentSegmentStartMs(): number | null;
  /** How many agent audio segments have started on this call so far. */
  agentSegmentsStarted(): number;
  /** The later of the last agent audio end and the current stream's start. */
  agentSilentSinceMs(): number;
  /** How many marks whose name starts with `prefix` were echoed because their audio played (not by a clear). */
  marksPlayed(prefix: string): number;
  /** Agent audio played after the last mark named with `prefix` came back, and no clear cut it: a reply in progress. */
  agentMidReply(prefix: string): boolean;
  callerSpeaking(): boolean;
  /** Starts an utterance with the current frame. */
  speak(utterance: PreparedUtterance, bargeIn: boolean): void;
  sendDtmf(digit: string): void;
  hangup(): void;
  /** A script-level note (e.g. a wait that timed out), kept in the recording. */
  note(message: string): void;
}

export interface PreparedUtterance {
  /** As recorded: the words, or `[cough]` / `[line_noise]` for a noise. */
  text: string;
  /** What the speech-to-text simulator hears in it (nothing for a noise). */
  words: string;
  mulaw: Uint8Array;
  durationMs: number;
}

export type SpeechSynthesizer = typeof synthesizeSpeech;

/** Synthesises every utterance up front so the per-frame script logic never waits on I/O. */
export async function prepareUtterances(script: CallerScript, synthesize: SpeechSynthesizer = synthesizeSpeech): Promise<Map<number, PreparedUtterance>> {
  const out = new Map<number, PreparedUtterance>();
  await Promise.all(
    script.steps.map(async (step, index) => {
      if ("noise" in step) {
        const noise = noiseAudio(step.noise, { seed: (script.seed ?? 1) + index });
        out.set(index, { text: `[${step.noise}]`, words: "", mulaw: encodeMulaw(noise.pcm), durationMs: noise.durationMs });
        return;
      }
      if (!("say" in step)) return;
      const opts = { ...(script.wordsPerMinute ? { wordsPerMinute: script.wordsPerMinute } : {}), seed: (script.seed ?? 1) + index, sampleRate: 8000 };
      const speech = await synthesize(step.say, opts);
      const pcm = speech.sampleRate === 8000 ? speech.pcm : resample(speech.pcm, speech.sampleRate, 8000);
      out.set(index, { text: step.say, words: step.say, mulaw: encodeMulaw(pcm), durationMs: (pcm.length / 8000) * 1000 });
    }),
  );
  return out;
}

type Phase =
  | { kind: "waiting" }
  | { kind: "speaking" }
  | { kind: "agent-speaking" }
  | { kind: "anchored"; anchorMs: number }
  | { kind: "dtmf"; next: number; nextAtMs: number };

/**
 * Runs a caller script one 20 ms frame at a time, so every decision lands on a frame boundary of call time and a
 * run is reproducible at any speed.
 */
export class ScriptRunner {
  readonly #script: CallerScript;
  readonly #utterances: Map<number, PreparedUtterance>;
  readonly #env: CallerEnvironment;
  #index = -1;
  #stepStartMs = 0;
  #baselineSegments = 0;
  #baselineReplyMarks = 0;
  /** Reply-end marks played when the caller's last utterance began. */
  #replyMarksAtUtterance: number | undefined;
  #callerQuietSinceMs = 0;
  #phase: Phase = { kind: "waiting" };

  constructor(script: CallerScript, utterances: Map<number, PreparedUtterance>, env: CallerEnvironment) {
    this.#script = script;
    this.#utterances = utterances;
    this.#env = env;
  }

  get done(): boolean {
    return this.#index >= this.#script.steps.length;
  }

  onFrame(nowMs: number): void {
    if (this.#index === -1) this.#activate(0, nowMs);
    // Several steps can finish on one frame (a pause of 0, a wait already satisfied); bound the loop anyway.
    for (let guard = 0; guard < 64 && !this.done; guard++) {
      const step = this.#script.steps[this.#index]!;
      if (!this.#advance(step, nowMs)) return;
      this.#activate(this.#index + 1, nowMs);
    }
  }

  #activate(index: number, nowMs: number): void {
    this.#index = index;
    this.#stepStartMs = nowMs;
    this.#baselineSegments = this.#env.agentSegmentsStarted();
    const step = this.#script.steps[index];
    // A wait right after the caller spoke counts the replies that ended while it was speaking (a recording
    // disclosure finishing under the caller's question is one of the replies it waits for).
    this.#baselineReplyMarks = (step && "waitForAgent" in step ? this.#replyMarksAtUtterance : undefined) ?? this.#replyMarksPlayed();
    this.#replyMarksAtUtterance = undefined;
    this.#phase = { kind: "waiting" };
  }

  #silenceMs(step: { waitSilenceMs?: number }): number {
    return step.waitSilenceMs ?? this.#script.waitSilenceMs;
  }

  #timedOut(nowMs: number, timeoutMs: number | undefined, what: string): boolean {
    if (nowMs - this.#stepStartMs < (timeoutMs ?? this.#script.agentTimeoutMs)) return false;
    this.#env.note(`step ${this.#index}: ${what} timed out`);
    return true;
  }

  /** Returns true when the step is complete. */
  #advance(step: CallerStep, nowMs: number): boolean {
    const env = this.#env;
    if ("hangup" in step) {
      env.hangup();
      this.#index = this.#script.steps.length;
      return false;
    }
    if ("pause" in step) return nowMs - this.#stepStartMs >= step.pause;
    if ("waitForAgent" in step) return this.#waitForAgent(step, nowMs);
    if ("dtmf" in step) return this.#dtmf(step.dtmf, step.gapMs ?? 150, nowMs);
    if (this.#phase.kind === "speaking") {
      if (env.callerSpeaking()) return false;
      this.#callerQuietSinceMs = nowMs;
      return true;
    }
    if (!env.streamLive()) return false;
    if (step.immediately) return this.#speak();
    if (step.interruptAfterMs !== undefined) return this.#interrupt(step.interruptAfterMs, nowMs);
    // Silence on the line: since the agent's last audio and the caller's own last utterance, whichever is later.
    const quietFrom = Math.max(env.agentSilentSinceMs(), this.#callerQuietSinceMs);
    if (env.agentSpeaking() || env.callerSpeaking() || nowMs - quietFrom < this.#silenceMs(step)) return false;
    if (this.#awaitingReplyEnd(nowMs - quietFrom, this.#replyMarksPlayed() > this.#baselineReplyMarks || !this.#midReply())) return false;
    return this.#speak();
  }

  /** Starts the step's utterance; the step completes on a later frame, once the line has sent all of it. */
  #speak(): boolean {
    const utterance = this.#utterances.get(this.#index);
    if (!utterance) throw new Error(`no prepared audio for step ${this.#index}`);
    this.#env.speak(utterance, this.#env.agentSpeaking());
    this.#replyMarksAtUtterance = this.#replyMarksPlayed();
    this.#phase = { kind: "speaking" };
    return utterance.mulaw.length === 0;
  }

  #agentStartedSinceStep(): boolean {
    return this.#env.agentSpeaking() || this.#env.agentSegmentsStarted() > this.#baselineSegments;
  }

  #interrupt(afterMs: number, nowMs: number): boolean {
    if (this.#phase.kind === "waiting") {
      const start = this.#env.agentSegmentStartMs();
      if (this.#agentStartedSinceStep() && start !== null) this.#phase = { kind: "anchored", anchorMs: start };
      else if (this.#timedOut(nowMs, undefined, "waiting for agent speech to interrupt")) return this.#speak();
      else return false;
    }
    if (this.#phase.kind === "anchored" && nowMs >= this.#phase.anchorMs + afterMs) return this.#speak();
    return false;
  }

  #replyMarksPlayed(): number {
    const prefix = this.#script.replyEndMark;
    return prefix === undefined ? 0 : this.#env.marksPlayed(prefix);
  }

  #midReply(): boolean {
    const prefix = this.#script.replyEndMark;
    return prefix !== undefined && this.#env.agentMidReply(prefix);
  }

  /**
   * With `replyEndMark`, true while the silence so far is not yet the end of the agent's turn (`ended` false) and
   * shorter than `agentTimeoutMs`; past that the caller goes on, and the missing mark is noted.
   */
  #awaitingReplyEnd(silentMs: number, ended: boolean): boolean {
    if (this.#script.replyEndMark === undefined || ended) return false;
    if (silentMs < this.#script.agentTimeoutMs) return true;
    this.#env.note(`step ${this.#index}: no reply-end mark after ${this.#script.agentTimeoutMs} ms of silence`);
    return false;
  }

  #waitForAgent(step: { timeoutMs?: number; waitSilenceMs?: number; replies?: number }, nowMs: number): boolean {
    const env = this.#env;
    if (this.#phase.kind === "waiting" && this.#agentStartedSinceStep()) this.#phase = { kind: "agent-speaking" };
    if (this.#phase.kind === "agent-speaking") {
      const silentMs = nowMs - env.agentSilentSinceMs();
      if (env.agentSpeaking() || silentMs < this.#silenceMs(step)) return false;
      return !this.#awaitingReplyEnd(silentMs, this.#replyMarksPlayed() - this.#baselineReplyMarks >= (step.replies ?? 1));
    }
    return this.#timedOut(nowMs, step.timeoutMs, "waitForAgent");
  }

  #dtmf(digits: string, gapMs: number, nowMs: number): boolean {
    if (this.#phase.kind !== "dtmf") {
      if (!this.#env.streamLive()) return false;
      this.#phase = { kind: "dtmf", next: 0, nextAtMs: nowMs };
    }
    const phase = this.#phase;
    if (phase.kind !== "dtmf") return false;
    while (phase.next < digits.length && nowMs >= phase.nextAtMs) {
      this.#env.sendDtmf(digits[phase.next]!);
      phase.next++;
      phase.nextAtMs += gapMs;
    }
    return phase.next >= digits.length && nowMs >= phase.nextAtMs;
  }
}
