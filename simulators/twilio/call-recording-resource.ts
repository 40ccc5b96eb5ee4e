import { RecordingAudio } from "./recording-audio.ts";
import { newSid } from "./sids.ts";
import { rfc2822 } from "./twilio-dates.ts";
import type { HttpMethod } from "./twiml.ts";
import type { WebhookParams } from "./webhook-client.ts";

export type RecordingStatus = "in-progress" | "paused" | "stopped" | "completed" | "absent";
export type RecordingEvent = "in-progress" | "completed" | "absent";

export interface RecordingOptions {
  channels: "mono" | "dual";
  track: "inbound" | "outbound" | "both";
  source: "StartCallRecordingAPI" | "OutboundAPI";
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  statusCallbackEvents: ReadonlySet<RecordingEvent>;
}

/**
 * A call recording (`RE…`): its lifecycle, the recording status callbacks the application listens for, and the
 * audio the call carried while it was recording (served at its media URL).
 */
export class CallRecordingResource {
  readonly sid = newSid("RE");
  readonly accountSid: string;
  readonly callSid: string;
  readonly options: RecordingOptions;
  readonly dateCreated: Date;
  status: RecordingStatus = "in-progress";
  startMs: number;
  durationMs = 0;
  #resumedAtMs: number | null;
  readonly #audio = new RecordingAudio();

  constructor(accountSid: string, callSid: string, options: RecordingOptions, startMs: number, now: Date) {
    this.accountSid = accountSid;
    this.callSid = callSid;
    this.options = options;
    this.startMs = startMs;
    this.#resumedAtMs = startMs;
    this.dateCreated = now;
  }

  get uri(): string {
    return `/2010-04-01/Accounts/${this.accountSid}/Calls/${this.callSid}/Recordings/${this.sid}.json`;
  }

  pause(nowMs: number): void {
    if (this.status !== "in-progress") return;
    this.durationMs += nowMs - (this.#resumedAtMs ?? nowMs);
    this.#resumedAtMs = null;
    this.status = "paused";
  }

  resume(nowMs: number): void {
    if (this.status !== "paused") return;
    this.#resumedAtMs = nowMs;
    this.status = "in-progress";
  }

  /** One call frame: the caller's audio and the agent audio played during it, kept while recording. */
  capture(frameStartMs: number, inbound: Uint8Array, outbound: Uint8Array): void {
    if (this.status !== "in-progress" || this.#resumedAtMs === null || frameStartMs < this.#resumedAtMs) return;
    this.#audio.capture(this.durationMs + frameStartMs - this.#resumedAtMs, inbound, outbound);
  }

  /** The media, as `GET …/Recordings/{sid}.wav` returns it once the recording has completed. */
  wav(): Uint8Array {
    return this.#audio.wav(this.durationMs, this.options.channels === "dual" ? 2 : 1, this.options.track);
  }

  /** Stops recording; returns false if it had already finished. */
  finish(nowMs: number): boolean {
    if (this.status === "completed" || this.status === "stopped") return false;
    if (this.#resumedAtMs !== null) this.durationMs += nowMs - this.#resumedAtMs;
    this.#resumedAtMs = null;
    this.status = "completed";
    return true;
  }

  callbackParams(status: RecordingEvent): WebhookParams {
    return {
      AccountSid: this.accountSid,
      CallSid: this.callSid,
      RecordingSid: this.sid,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${this.accountSid}/Recordings/${this.sid}`,
      RecordingStatus: status,
      RecordingDuration: String(Math.round(this.durationMs / 1000)),
      RecordingChannels: this.options.channels === "dual" ? "2" : "1",
      RecordingStartTime: rfc2822(this.dateCreated),
      RecordingSource: this.options.source,
      RecordingTrack: this.options.track,
      ErrorCode: "0",
    };
  }

  toJSON(): Record<string, unknown> {
    const done = this.status === "completed";
    return {
      sid: this.sid,
      account_sid: this.accountSid,
      call_sid: this.callSid,
      conference_sid: null,
      api_version: "2010-04-01",
      channels: this.options.channels === "dual" ? 2 : 1,
      date_created: rfc2822(this.dateCreated),
      date_updated: rfc2822(this.dateCreated),
      start_time: rfc2822(this.dateCreated),
      duration: done ? String(Math.round(this.durationMs / 1000)) : "-1",
      price: null,
      price_unit: "USD",
      source: this.options.source,
      status: this.status,
      track: this.options.track,
      error_code: null,
      encryption_details: null,
      uri: this.uri,
    };
  }
}
