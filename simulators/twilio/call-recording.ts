import type { AnsweredBy } from "./caller-script.ts";

/**
 * Everything observable about one simulated call, for assertions and benchmarks. Plain JSON (no class instances,
 * no undefined). Every `…Ms` is call-clock milliseconds since the call was created.
 */
export type CallStatus = "queued" | "ringing" | "in-progress" | "completed" | "busy" | "failed" | "no-answer" | "canceled";
export type CallDirection = "inbound" | "outbound-api";

export type CallEndReason =
  | "caller-hangup"
  | "twiml-hangup"
  | "twiml-end"
  | "rest-completed"
  | "rest-canceled"
  | "time-limit"
  | "max-duration"
  | "application-error"
  | "busy"
  | "no-answer"
  | "failed"
  | "simulator-closed";

export interface AgentAudioSegment {
  streamSid: string;
  startMs: number;
  endMs: number;
  bytes: number;
  /** Ended by a `clear` (or the stream ending) rather than by running out of audio. */
  cutShort: boolean;
}

export interface MarkRecord {
  streamSid: string;
  name: string;
  receivedAtMs: number;
  echoedAtMs: number | null;
  /** Echoed because of a `clear` (or stream end) rather than because its audio played. */
  cleared: boolean;
}

export interface ClearRecord {
  streamSid: string;
  atMs: number;
  discardedBytes: number;
  discardedMs: number;
  marksReturned: string[];
}

export interface DtmfRecord {
  streamSid: string | null;
  digit: string;
  atMs: number;
}

export interface CallerTurn {
  index: number;
  text: string;
  speechStartMs: number;
  speechEndMs: number;
  /** The agent was playing audio when the caller started speaking. */
  bargeIn: boolean;
  /** Start of the first agent audio segment that began after the caller's speech ended. */
  firstAgentAudioMs: number | null;
  /** `firstAgentAudioMs - speechEndMs`: the voice-to-voice gap the caller experienced. */
  voiceToVoiceMs: number | null;
}

export interface StreamRecord {
  streamSid: string;
  url: string;
  name: string | null;
  customParameters: Record<string, string>;
  /** When Twilio began connecting the WebSocket. */
  openedAtMs: number;
  /** When `connected` and `start` went out (null if the handshake failed). */
  startedAtMs: number | null;
  closedAtMs: number | null;
  /** `call-ended`, `redirected`, `server-closed`, `handshake-failed`, `network-dropped` (jittery profile). */
  endReason: string | null;
  mediaFramesSent: number;
  messagesSent: number;
  messagesReceived: number;
  invalidMessages: number;
  /** One-way network transit between Twilio and the application the latency profile drew for this stream. */
  transitMs: number;
}

export interface VerbRecord {
  verb: string;
  atMs: number;
  detail: string | null;
}

export interface WebhookRecord {
  kind: "voice" | "fallback" | "status-callback" | "action" | "redirect" | "dial-action" | "amd" | "stream-status" | "recording-status";
  url: string;
  method: "GET" | "POST";
  params: Record<string, string | string[]>;
  status: number | null;
  error: string | null;
  atMs: number;
  /** The network delay the latency profile drew for this request (wall-clock ms before it is sent). */
  delayMs: number;
}

export interface DebuggerEvent {
  code: number;
  message: string;
  atMs: number;
}

export interface CallRecording {
  callSid: string;
  accountSid: string;
  direction: CallDirection;
  from: string;
  to: string;
  speed: number;
  status: CallStatus;
  answeredBy: AnsweredBy | null;
  answeredAtMs: number | null;
  endedAtMs: number | null;
  endReason: CallEndReason | null;
  streams: StreamRecord[];
  agentAudio: AgentAudioSegment[];
  marks: MarkRecord[];
  clears: ClearRecord[];
  dtmf: DtmfRecord[];
  turns: CallerTurn[];
  verbs: VerbRecord[];
  webhooks: WebhookRecord[];
  /** Twilio debugger errors and warnings (11200, 12100, 31951…) and script notes (code 0). */
  errors: DebuggerEvent[];
}

/** Owns a call's recording and the derived per-turn metrics. */
export class CallRecorder {
  readonly data: CallRecording;

  constructor(init: Pick<CallRecording, "callSid" | "accountSid" | "direction" | "from" | "to" | "speed" | "status">) {
    this.data = {
      ...init,
      answeredBy: null,
      answeredAtMs: null,
      endedAtMs: null,
      endReason: null,
      streams: [],
      agentAudio: [],
      marks: [],
      clears: [],
      dtmf: [],
      turns: [],
      verbs: [],
      webhooks: [],
      errors: [],
    };
  }

  error(code: number, message: string, atMs: number): void {
    this.data.errors.push({ code, message, atMs: round(atMs) });
  }

  verb(verb: string, atMs: number, detail: string | null = null): void {
    this.data.verbs.push({ verb, atMs: round(atMs), detail });
  }

  agentAudioStarted(streamSid: string, startMs: number): AgentAudioSegment {
    const segment: AgentAudioSegment = { streamSid, startMs: round(startMs), endMs: round(startMs), bytes: 0, cutShort: false };
    this.data.agentAudio.push(segment);
    for (const turn of this.data.turns) {
      if (turn.firstAgentAudioMs === null && turn.speechEndMs <= startMs) {
        turn.firstAgentAudioMs = round(startMs);
        turn.voiceToVoiceMs = round(startMs - turn.speechEndMs);
      }
    }
    return segment;
  }

  turnStarted(text: string, speechStartMs: number, durationMs: number, bargeIn: boolean): CallerTurn {
    const turn: CallerTurn = {
      index: this.data.turns.length,
      text,
      speechStartMs: round(speechStartMs),
      speechEndMs: round(speechStartMs + durationMs),
      bargeIn,
      firstAgentAudioMs: null,
      voiceToVoiceMs: null,
    };
    this.data.turns.push(turn);
    return turn;
  }

  /** A deep copy, safe to hand out while the call is still running. */
  snapshot(): CallRecording {
    return structuredClone(this.data);
  }
}

/** Timestamps to 0.1 ms: enough precision, stable JSON. */
export const round = (ms: number): number => Math.round(ms * 10) / 10;
