import type { UtteranceRegistry } from "../common/utterance-registry.ts";
import { detectAnsweringMachine, type AmdOptions } from "./answering-machine.ts";
import { BackgroundWork } from "./background-work.ts";
import { CallClock, FrameTicker } from "./call-clock.ts";
import { CallerLine } from "./caller-line.ts";
import type { AnsweredBy, CallerScript } from "./caller-script.ts";
import { CallRecordingResource, type RecordingOptions } from "./call-recording-resource.ts";
import { CallRecorder, round, type CallDirection, type CallEndReason, type CallRecording, type CallStatus, type WebhookRecord } from "./call-recording.ts";
import type { MediaStreamSession } from "./media-stream.ts";
import type { TwilioNetwork } from "./network-conditions.ts";
import { ScriptRunner, type PreparedUtterance } from "./script-runner.ts";
import type { ConferenceExit, ConferenceFlags, ConferenceRegistry } from "./conference.ts";
import { CallStatusCallbacks, type StatusCallbackConfig } from "./status-callbacks.ts";
import { TwilioApiError } from "./twilio-api-error.ts";
import type { HttpMethod } from "./twiml.ts";
import { TwimlRunner, type TwimlCall, type TwimlSource } from "./twiml-runner.ts";
import { callParams } from "./call-params.ts";
import { sendWebhook, type WebhookParams, type WebhookResult } from "./webhook-client.ts";

export interface SimulatedCallInit {
  sid: string;
  accountSid: string;
  authToken: string;
  direction: CallDirection;
  from: string;
  to: string;
  phoneNumberSid: string | null;
  script: CallerScript;
  utterances: Map<number, PreparedUtterance>;
  speed: number;
  registry?: UtteranceRegistry | undefined;
  source: TwimlSource;
  statusCallback: StatusCallbackConfig | null;
  amd: AmdOptions | null;
  record: RecordingOptions | null;
  timeLimitSec: number;
  /** The simulator's conferences, which `<Dial><Conference>` joins. */
  conferences: ConferenceRegistry;
  network: TwilioNetwork;
}

const BACKGROUND_SETTLE_MS = 5000;
const NO_AUDIO = new Uint8Array(0);
const ENDED: ReadonlySet<CallStatus> = new Set(["completed", "busy", "failed", "no-answer", "canceled"]);

/**
 * One simulated phone call, from creation to its final status: rings (outbound), fetches and runs TwiML, carries
 * the scripted caller's audio on a 20 ms call clock, honours REST updates, and sends every callback Twilio would.
 */
export class SimulatedCall implements TwimlCall {
  readonly sid: string;
  readonly accountSid: string;
  readonly authToken: string;
  readonly network: TwilioNetwork;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly phoneNumberSid: string | null;
  readonly clock: CallClock;
  readonly recorder: CallRecorder;
  readonly dateCreated = new Date();
  readonly recordings: CallRecordingResource[] = [];
  status: CallStatus;
  dateUpdated = this.dateCreated;
  startTime: Date | null = null;
  endTime: Date | null = null;
  answeredBy: AnsweredBy | null = null;
  readonly #init: SimulatedCallInit;
  readonly #callbacks: CallStatusCallbacks;
  readonly #line = new CallerLine();
  readonly #ticker: FrameTicker;
  readonly #runner: TwimlRunner;
  readonly #script: ScriptRunner;
  readonly #lifetime = new AbortController();
  readonly #background = new BackgroundWork();
  #stream: MediaStreamSession | null = null;
  #document: AbortController | null = null;
  #pendingSource: TwimlSource | null = null;
  #frameMs = 0;
  #agentPlayingSinceMs: number | null = null;
  #ending = false;
  #resolveEnded!: (recording: CallRecording) => void;
  readonly ended: Promise<CallRecording>;

  constructor(init: SimulatedCallInit) {
    this.#init = init;
    this.sid = init.sid;
    this.accountSid = init.accountSid;
    this.authToken = init.authToken;
    this.network = init.network;
    this.direction = init.direction;
    this.from = init.from;
    this.to = init.to;
    this.phoneNumberSid = init.phoneNumberSid;
    this.status = init.direction === "inbound" ? "ringing" : "queued";
    this.clock = new CallClock(init.speed);
    this.recorder = new CallRecorder({ callSid: this.sid, accountSid: this.accountSid, direction: this.direction, from: this.from, to: this.to, speed: init.speed, status: this.status });
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    this.#callbacks = new CallStatusCallbacks(init.statusCallback, (url, method, params) => this.backgroundWebhook("status-callback", url, method, params));
    this.#ticker = new FrameTicker(this.clock, this.#onFrame);
    this.#runner = new TwimlRunner(this);
    this.#script = new ScriptRunner(init.script, init.utterances, {
      streamLive: () => this.#stream?.carriesFrame(this.#frameMs) ?? false,
      agentSpeaking: () => this.#stream?.agentSpeaking ?? false,
      agentSegmentStartMs: () => this.#agentPlayingSinceMs,
      agentSegmentsStarted: () => this.recorder.data.agentAudio.length,
      agentSilentSinceMs: () => Math.max(this.#stream?.lastAgentAudioEndMs ?? 0, this.#stream?.record.openedAtMs ?? 0),
      // The platform sends a reply-end mark only once its reply was heard, so one flushed by a later clear (it sat
      // behind the next reply's audio) still says that its reply ended.
      marksPlayed: (prefix) => this.recorder.data.marks.filter((m) => m.echoedAtMs !== null && m.name.startsWith(prefix)).length,
      agentMidReply: (prefix) => {
        const lastAudioEndMs = this.#stream?.lastAgentAudioEndMs ?? null;
        if (lastAudioEndMs === null) return false;
        const { marks, clears } = this.recorder.data;
        const endedAtMs = Math.max(-1, ...marks.filter((m) => m.echoedAtMs !== null && !m.cleared && m.name.startsWith(prefix)).map((m) => m.echoedAtMs!), ...clears.map((c) => c.atMs));
        return lastAudioEndMs > endedAtMs;
      },
      callerSpeaking: () => this.#line.speaking,
      speak: (utterance, bargeIn) => {
        this.#init.registry?.expect(this.sid, utterance.words, utterance.mulaw);
        this.#line.speak(utterance.mulaw);
        this.recorder.turnStarted(utterance.text, this.#frameMs, utterance.durationMs, bargeIn);
      },
      sendDtmf: (digit) => {
        this.#stream?.sendDtmf(digit);
        this.recorder.data.dtmf.push({ streamSid: this.#stream?.streamSid ?? null, digit, atMs: round(this.#frameMs) });
      },
      // Frame time, not wall time: a late timer may be replaying frames that were due earlier.
      hangup: () => void this.end("completed", "caller-hangup", this.#frameMs),
      note: (message) => this.recorder.error(0, message, this.clock.nowMs()),
    });
  }

  /** Wall-clock date of a call-clock instant (so callback timestamps advance with the simulated call). */
  dateAt(callMs = this.clock.nowMs()): Date {
    return new Date(this.dateCreated.getTime() + callMs);
  }

  isUp(): boolean {
    return this.status === "in-progress" && !this.#ending;
  }

  isActive(): boolean {
    return !this.#ending && !ENDED.has(this.status);
  }

  get isEnded(): boolean {
    return ENDED.has(this.status);
  }

  get durationSec(): number | null {
    if (!this.startTime || !this.endTime) return null;
    return Math.round((this.endTime.getTime() - this.startTime.getTime()) / 1000);
  }

  get dialedPartyHangsUpAfterMs(): number {
    return this.#init.script.dialedPartyHangsUpAfterMs;
  }

  params(): WebhookParams {
    return callParams(this);
  }

  snapshot(): CallRecording {
    const data = this.recorder.snapshot();
    data.status = this.status;
    data.answeredBy = this.answeredBy;
    return data;
  }

  /** Starts the call's lifecycle in the background. */
  start(): void {
    this.#lifecycle().catch((err: unknown) => {
      this.recorder.error(0, `simulator error: ${(err as Error).stack ?? String(err)}`, this.clock.nowMs());
      void this.end("failed", "failed");
    });
  }

  async #lifecycle(): Promise<void> {
    const signal = this.#lifetime.signal;
    const script = this.#init.script;
    // Let the REST response go out first: a created call is reported as `queued`.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.direction === "outbound-api") {
      this.#notify("initiated");
      this.#setStatus("ringing");
      this.#notify("ringing");
      await this.clock.sleep(script.ringMs, signal);
      if (signal.aborted) return;
      if (script.answer !== "answer") return this.end(script.answer, script.answer);
      this.ensureAnswered();
    }
    let extraParams: WebhookParams = {};
    if (this.#init.amd && this.direction === "outbound-api") {
      const detected = await detectAnsweringMachine(this, this.#init.amd, script, signal);
      if (!detected) return;
      this.answeredBy = detected.answeredBy;
      extraParams = detected.extraParams;
    }
    let source: TwimlSource | null = this.#takePending() ?? withExtra(this.#init.source, extraParams);
    while (source && !this.#ending) {
      this.#document = new AbortController();
      const outcome = await this.#runner.run(source, this.#document.signal);
      source = outcome === "aborted" ? this.#takePending() : null;
      if (outcome === "hangup") await this.end("completed", "twiml-hangup");
      if (outcome === "end") await this.end("completed", "twiml-end");
      if (outcome === "application-error") {
        // Twilio answers to play "an application error has occurred", then hangs up.
        this.ensureAnswered();
        await this.end("completed", "application-error");
      }
    }
  }

  #takePending(): TwimlSource | null {
    const source = this.#pendingSource;
    this.#pendingSource = null;
    return source;
  }

  ensureAnswered(): void {
    if (this.status === "in-progress" || this.#ending) return;
    this.startTime = this.dateAt();
    this.recorder.data.answeredAtMs = round(this.clock.nowMs());
    this.#setStatus("in-progress");
    this.#notify("answered");
    this.#ticker.start();
    const signal = this.#lifetime.signal;
    void this.clock.sleep(this.#init.script.maxDurationMs, signal).then(() => {
      if (!signal.aborted) void this.end("completed", "max-duration");
    });
    void this.clock.sleep(this.#init.timeLimitSec * 1000, signal).then(() => {
      if (!signal.aborted) void this.end("completed", "time-limit");
    });
    if (this.#init.record) this.startRecording({ ...this.#init.record, source: "OutboundAPI" });
  }

  /** REST update: a redirect (new TwiML or Url) or a status change. */
  update(change: { source?: TwimlSource; status?: "completed" | "canceled"; statusCallback?: { url: string; method: HttpMethod } }): void {
    // Protocol notes §2.5: hanging up a call that has already ended answers 20404.
    if (change.status && this.isEnded) throw new TwilioApiError(20404, `Call ${this.sid} has already ended`);
    if (change.statusCallback) this.#callbacks.retarget(change.statusCallback.url, change.statusCallback.method);
    if (change.status === "canceled") {
      if (this.status === "queued" || this.status === "ringing") void this.end("canceled", "rest-canceled");
      return;
    }
    if (change.status === "completed") {
      if (this.status === "in-progress") void this.end("completed", "rest-completed");
      else if (!this.isEnded) void this.end("canceled", "rest-canceled");
      return;
    }
    if (!change.source) return;
    if (this.isEnded || this.#ending) throw new TwilioApiError(21220);
    this.#pendingSource = change.source;
    this.#document?.abort();
  }

  startRecording(options: RecordingOptions): CallRecordingResource {
    if (!this.isUp()) throw new TwilioApiError(21220, "Requested resource is not eligible for recording");
    const recording = new CallRecordingResource(this.accountSid, this.sid, options, this.clock.nowMs(), this.dateAt());
    this.recordings.push(recording);
    this.#recordingCallback(recording, "in-progress");
    return recording;
  }

  #recordingCallback(recording: CallRecordingResource, event: "in-progress" | "completed"): void {
    const { statusCallback, statusCallbackMethod, statusCallbackEvents } = recording.options;
    if (statusCallback && statusCallbackEvents.has(event)) {
      this.backgroundWebhook("recording-status", statusCallback, statusCallbackMethod, recording.callbackParams(event));
    }
  }

  stopRecording(recording: CallRecordingResource): void {
    if (recording.finish(this.clock.nowMs())) this.#recordingCallback(recording, "completed");
  }

  /** Ends the call with a final status (idempotent). Resolves once its callbacks have been delivered. */
  async end(status: CallStatus, reason: CallEndReason, atMs = this.clock.nowMs()): Promise<void> {
    if (this.#ending) return;
    this.#ending = true;
    const nowMs = atMs;
    await this.#stream?.stop("call-ended");
    this.#ticker.stop();
    this.#lifetime.abort();
    this.#document?.abort();
    for (const recording of this.recordings) this.stopRecording(recording);
    this.endTime = this.dateAt(nowMs);
    if (!this.startTime && status === "completed") status = "canceled";
    this.recorder.data.endedAtMs = round(nowMs);
    this.recorder.data.endReason = reason;
    this.#setStatus(status);
    const extra: WebhookParams = {};
    if (this.durationSec !== null) {
      extra.CallDuration = String(this.durationSec);
      extra.Duration = String(Math.ceil(this.durationSec / 60));
    }
    extra.SipResponseCode = { busy: "486", "no-answer": "487", failed: "500", canceled: "487" }[status as string] ?? "200";
    this.#notify("completed", extra);
    await this.#background.settle(BACKGROUND_SETTLE_MS);
    this.#resolveEnded(this.snapshot());
  }

  hangupByCaller(): Promise<void> {
    return this.end(this.status === "in-progress" ? "completed" : "canceled", "caller-hangup");
  }

  setStream(stream: MediaStreamSession | null): void {
    this.#stream = stream;
    if (!stream) this.#agentPlayingSinceMs = null;
  }

  joinConference(name: string, flags: ConferenceFlags, signal: AbortSignal): Promise<ConferenceExit> {
    this.recorder.verb("Conference", this.clock.nowMs(), name);
    return this.#init.conferences.open(this.accountSid, name).join(this.sid, flags, signal);
  }

  onAgentAudio(playing: boolean, atMs: number): void {
    this.#agentPlayingSinceMs = playing ? atMs : null;
  }

  async webhook(kind: WebhookRecord["kind"], url: string, method: HttpMethod, params: WebhookParams): Promise<WebhookResult> {
    const record: WebhookRecord = { kind, url, method, params: { ...params }, status: null, error: null, atMs: round(this.clock.nowMs()), delayMs: this.network.webhookDelayMs() };
    this.recorder.data.webhooks.push(record);
    const result = await sendWebhook(url, method, params, this.authToken, record.delayMs, this.network.webhookTimeoutMs);
    record.status = result.status;
    record.error = result.error;
    return result;
  }

  backgroundWebhook(kind: WebhookRecord["kind"], url: string, method: HttpMethod, params: WebhookParams): void {
    this.#background.track(this.webhook(kind, url, method, params));
  }

  #setStatus(status: CallStatus): void {
    this.status = status;
    this.dateUpdated = this.dateAt();
    this.recorder.data.status = status;
  }

  #notify(event: "initiated" | "ringing" | "answered" | "completed", extra: WebhookParams = {}): void {
    const status = event === "initiated" ? "initiated" : this.status;
    this.#callbacks.notify(event, { ...this.params(), CallStatus: status, ...extra }, this.dateAt());
  }

  #onFrame = (frameStartMs: number): void => {
    this.#frameMs = frameStartMs;
    try {
      this.#script.onFrame(frameStartMs);
      const audio = this.#line.nextFrame();
      const played = this.#stream?.frame(frameStartMs, audio) ?? NO_AUDIO;
      for (const recording of this.recordings) recording.capture(frameStartMs, audio, played);
    } catch (err) {
      this.recorder.error(0, `simulator error: ${(err as Error).message}`, frameStartMs);
      void this.end("failed", "failed");
    }
  };
}

function withExtra(source: TwimlSource, extraParams: WebhookParams): TwimlSource {
  return source.kind === "url" ? { ...source, extraParams: { ...source.extraParams, ...extraParams } } : source;
}
