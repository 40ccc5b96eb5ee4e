import type { CallClock } from "./call-clock.ts";
import type { TwilioNetwork } from "./network-conditions.ts";
import type { CallRecorder, WebhookRecord } from "./call-recording.ts";
import type { ConferenceExit, ConferenceFlags } from "./conference.ts";
import { MediaStreamSession } from "./media-stream.ts";
import { newSid } from "./sids.ts";
import { DEBUGGER_CODES } from "./twilio-api-error.ts";
import { parseTwiml, type HttpMethod, type TwimlVerb } from "./twiml.ts";
import type { WebhookParams, WebhookResult } from "./webhook-client.ts";

/** Where the next TwiML document comes from. */
export type TwimlSource =
  | { kind: "twiml"; twiml: string }
  | {
      kind: "url";
      url: string;
      method: HttpMethod;
      webhook: WebhookRecord["kind"];
      extraParams?: WebhookParams;
      fallback?: { url: string; method: HttpMethod } | null;
    };

/** How a run of TwiML finished. `aborted`: a call update or hang-up interrupted it. */
export type TwimlOutcome = "hangup" | "end" | "aborted" | "application-error";

/** What the runner needs from its call. */
export interface TwimlCall {
  readonly sid: string;
  readonly accountSid: string;
  readonly authToken: string;
  readonly clock: CallClock;
  readonly recorder: CallRecorder;
  readonly network: TwilioNetwork;
  readonly dialedPartyHangsUpAfterMs: number;
  isUp(): boolean;
  /** Not ended or ending (a ringing inbound call is active but not up). */
  isActive(): boolean;
  params(): WebhookParams;
  webhook(kind: WebhookRecord["kind"], url: string, method: HttpMethod, params: WebhookParams): Promise<WebhookResult>;
  /** Fire-and-forget webhook whose completion the call waits for before reporting its end. */
  backgroundWebhook(kind: WebhookRecord["kind"], url: string, method: HttpMethod, params: WebhookParams): void;
  ensureAnswered(): void;
  setStream(stream: MediaStreamSession | null): void;
  /** `<Dial><Conference>`: this call joins the account's conference `name` until it leaves or the conference ends. */
  joinConference(name: string, flags: ConferenceFlags, signal: AbortSignal): Promise<ConferenceExit>;
  onAgentAudio(playing: boolean, atMs: number): void;
}

type VerbResult = { kind: "next" } | { kind: "goto"; source: TwimlSource } | { kind: "hangup" };

const XML_CONTENT_TYPE = /(^|[/+])(xml|html)\b/i;
const SAY_MS_PER_WORD = 400;

const abortPromise = (signal: AbortSignal) =>
  new Promise<"aborted">((resolve) => (signal.aborted ? resolve("aborted") : signal.addEventListener("abort", () => resolve("aborted"), { once: true })));

/** Executes TwiML for one call, verb by verb, following `<Redirect>`, `<Connect action>` and `<Dial action>`. */
export class TwimlRunner {
  readonly #call: TwimlCall;

  constructor(call: TwimlCall) {
    this.#call = call;
  }

  async run(first: TwimlSource, signal: AbortSignal): Promise<TwimlOutcome> {
    let source: TwimlSource | null = first;
    while (source) {
      const doc = await this.#load(source);
      if (signal.aborted) return "aborted";
      if (!doc) return "application-error";
      this.#call.ensureAnswered();
      source = null;
      for (const verb of doc.verbs) {
        const result = await this.#execute(verb, doc.url, signal);
        // A hang-up can land while a verb is finishing; nothing after it may run.
        if (signal.aborted || !this.#call.isUp()) return "aborted";
        if (result.kind === "hangup") return "hangup";
        if (result.kind === "goto") {
          source = result.source;
          break;
        }
      }
    }
    return "end";
  }

  #fail(code: number, message: string): null {
    this.#call.recorder.error(code, message, this.#call.clock.nowMs());
    return null;
  }

  async #load(source: TwimlSource): Promise<{ verbs: TwimlVerb[]; url: string | null } | null> {
    if (source.kind === "twiml") return this.#parse(source.twiml, null);
    const params = { ...this.#call.params(), ...source.extraParams };
    const fetched = await this.#fetch(source.webhook, source.url, source.method, params);
    if (fetched) return fetched;
    if (!source.fallback || !this.#call.isActive()) return null;
    const lastError = this.#call.recorder.data.errors.at(-1);
    const fallbackParams = { ...params, ErrorCode: String(lastError?.code ?? DEBUGGER_CODES.httpRetrievalFailure), ErrorUrl: source.url };
    return this.#fetch("fallback", source.fallback.url, source.fallback.method, fallbackParams);
  }

  async #fetch(kind: WebhookRecord["kind"], url: string, method: HttpMethod, params: WebhookParams) {
    const result = await this.#call.webhook(kind, url, method, params);
    if (result.error) return this.#fail(DEBUGGER_CODES.httpConnectionFailure, `HTTP connection failure: ${url}: ${result.error}`);
    if (!result.ok) return this.#fail(DEBUGGER_CODES.httpRetrievalFailure, `HTTP retrieval failure: ${url} returned ${result.status}`);
    if (!XML_CONTENT_TYPE.test(result.contentType ?? "")) {
      return this.#fail(DEBUGGER_CODES.invalidContentType, `Invalid Content-Type '${result.contentType ?? ""}' from ${url}`);
    }
    return this.#parse(result.body, result.requestedUrl);
  }

  #parse(text: string, url: string | null): { verbs: TwimlVerb[]; url: string | null } | null {
    const parsed = parseTwiml(text);
    if (!parsed.ok) {
      const what = parsed.code === 12100 ? "Document parse failure" : "Schema validation error";
      return this.#fail(parsed.code, `${what}: ${parsed.error}`);
    }
    for (const warning of parsed.warnings) this.#call.recorder.error(DEBUGGER_CODES.schemaValidationWarning, `Schema validation warning: ${warning}`, this.#call.clock.nowMs());
    return { verbs: parsed.verbs, url };
  }

  /** Resolves a URL in TwiML against the document it came from; null (with 11100 recorded) when impossible. */
  #resolve(url: string, base: string | null): string | null {
    try {
      return new URL(url, base ?? undefined).toString();
    } catch {
      return this.#fail(DEBUGGER_CODES.invalidUrl, `Invalid URL format: '${url}'`);
    }
  }

  async #execute(verb: TwimlVerb, docUrl: string | null, signal: AbortSignal): Promise<VerbResult> {
    const { clock, recorder } = this.#call;
    const now = clock.nowMs();
    switch (verb.verb) {
      case "Say": {
        recorder.verb("Say", now, verb.text);
        const words = verb.text.split(/\s+/).filter(Boolean).length;
        await this.#hold(verb.loop, (words + 1) * SAY_MS_PER_WORD, signal);
        return { kind: "next" };
      }
      case "Play":
        recorder.verb("Play", now, verb.url);
        await this.#hold(verb.loop, 1000, signal);
        return { kind: "next" };
      case "Pause":
        recorder.verb("Pause", now, String(verb.lengthSec));
        await clock.sleep(verb.lengthSec * 1000, signal);
        return { kind: "next" };
      case "Hangup":
        recorder.verb("Hangup", now);
        return { kind: "hangup" };
      case "Redirect": {
        recorder.verb("Redirect", now, verb.url);
        const url = this.#resolve(verb.url, docUrl);
        return url ? { kind: "goto", source: { kind: "url", url, method: verb.method, webhook: "redirect" } } : { kind: "hangup" };
      }
      case "Connect":
        return this.#connect(verb, docUrl, signal);
      case "Dial":
        return this.#dial(verb, docUrl, signal);
      case "Unsupported":
        recorder.verb(verb.name, now, "not simulated; skipped");
        recorder.error(0, `<${verb.name}> is valid TwiML but not simulated; skipped`, now);
        return { kind: "next" };
    }
  }

  /** Twilio-played audio (`<Say>`, `<Play>`); `loop="0"` repeats until the call moves on. */
  async #hold(loop: number, onceMs: number, signal: AbortSignal): Promise<void> {
    await this.#call.clock.sleep(loop === 0 ? Number.MAX_SAFE_INTEGER / 4 : loop * onceMs, signal);
  }

  async #connect(verb: Extract<TwimlVerb, { verb: "Connect" }>, docUrl: string | null, signal: AbortSignal): Promise<VerbResult> {
    const call = this.#call;
    const url = this.#resolve(verb.stream.url, docUrl?.replace(/^http/, "ws") ?? null);
    call.recorder.verb("Connect", call.clock.nowMs(), url ?? verb.stream.url);
    if (!url) return { kind: "next" };
    if (!/^wss?:/.test(url)) {
      this.#fail(DEBUGGER_CODES.streamHandshakeError, `Stream - WebSocket - Handshake Error: '${url}' is not a ws(s) URL`);
      return { kind: "next" };
    }
    const stream = new MediaStreamSession({
      url,
      name: verb.stream.name,
      accountSid: call.accountSid,
      callSid: call.sid,
      streamSid: newSid("MZ"),
      authToken: call.authToken,
      customParameters: verb.stream.parameters,
      clock: call.clock,
      recorder: call.recorder,
      network: call.network,
      onAgentAudio: (playing, atMs) => call.onAgentAudio(playing, atMs),
    });
    const streamStatus = (event: string, error?: string) => {
      if (!verb.stream.statusCallback) return;
      const target = this.#resolve(verb.stream.statusCallback, docUrl);
      if (!target) return;
      call.backgroundWebhook("stream-status", target, verb.stream.statusCallbackMethod, {
        AccountSid: call.accountSid,
        CallSid: call.sid,
        StreamSid: stream.streamSid,
        StreamName: verb.stream.name ?? stream.streamSid,
        StreamEvent: event,
        ...(error ? { StreamError: error } : {}),
        Timestamp: new Date().toISOString(),
      });
    };
    call.setStream(stream);
    const opened = await stream.open();
    if (!opened) {
      call.setStream(null);
      streamStatus("stream-error", "WebSocket handshake failed");
    } else {
      streamStatus("stream-started");
      await Promise.race([stream.ended, abortPromise(signal)]);
      if (signal.aborted) await stream.stop(call.isUp() ? "redirected" : "call-ended");
      call.setStream(null);
      streamStatus("stream-stopped");
    }
    if (signal.aborted || !call.isUp()) return { kind: "next" };
    if (!verb.action) return { kind: "next" };
    const action = this.#resolve(verb.action, docUrl);
    return action ? { kind: "goto", source: { kind: "url", url: action, method: verb.method, webhook: "action" } } : { kind: "hangup" };
  }

  async #dial(verb: Extract<TwimlVerb, { verb: "Dial" }>, docUrl: string | null, signal: AbortSignal): Promise<VerbResult> {
    const { clock, recorder } = this.#call;
    const startMs = clock.nowMs();
    const targets = verb.targets.map((t) => `${t.kind}:${t.value}`).join(",");
    recorder.verb("Dial", startMs, verb.callerId ? `${targets} callerId=${verb.callerId}` : targets);
    const conference = verb.targets[0]?.conference;
    if (conference) await this.#call.joinConference(verb.targets[0]!.value, conference, signal);
    // The simulator does not script a dialled number's far end: it stays on the line for a scripted while.
    else await clock.sleep(Math.min(this.#call.dialedPartyHangsUpAfterMs, verb.timeLimitSec * 1000), signal);
    if (signal.aborted || !this.#call.isUp() || !verb.action) return { kind: "next" };
    const action = this.#resolve(verb.action, docUrl);
    if (!action) return { kind: "hangup" };
    const extraParams = {
      DialCallStatus: "completed",
      DialCallSid: newSid("CA"),
      DialCallDuration: String(Math.round((clock.nowMs() - startMs) / 1000)),
      DialBridged: "true",
    };
    return { kind: "goto", source: { kind: "url", url: action, method: verb.method, webhook: "dial-action", extraParams } };
  }
}
