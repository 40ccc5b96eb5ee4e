import { readTwilioBody, twilioFailure } from "./twilio-api-error.ts";
import { DEFAULT_RETRY_POLICY, withTwilioRetry, type RetryPolicy, type RetrySafety } from "./twilio-retry.ts";

/**
 * Twilio REST (2010-04-01) over fetch: Basic auth with the tenant's Account SID and auth token, form-encoded
 * PascalCase fields, JSON responses. The base URL is configuration, so the same client talks to the simulator.
 * 429s and 5xx are retried (twilio-retry.ts): reads and updates of a call or number always, creates only on 429.
 */
export { TwilioApiError } from "./twilio-api-error.ts";

export interface TwilioCall {
  sid: string;
  status: string;
  to: string;
  from: string;
  direction: string;
  answered_by?: string | null;
  start_time?: string | null;
  date_created?: string | null;
  duration?: string | null;
}

export interface TwilioNumber {
  sid: string;
  phone_number: string;
  voice_url?: string | null;
  status_callback?: string | null;
}

export interface AvailableNumber {
  phone_number: string;
  friendly_name?: string;
  locality?: string | null;
  region?: string | null;
  iso_country?: string;
}

export interface TwilioMessage {
  sid: string;
  status: string;
  to: string;
  from: string;
}

type Form = Record<string, string | string[] | number | boolean | undefined>;

export interface CreateCallParams {
  to: string;
  from: string;
  /** Where Twilio fetches TwiML once answered; or inline `twiml`. */
  url?: string;
  twiml?: string;
  statusCallback?: string;
  statusCallbackEvents?: string[];
  machineDetection?: "Enable" | "DetectMessageEnd";
  asyncAmdStatusCallback?: string;
  timeLimitSeconds?: number;
  /** How long Twilio lets the callee ring before `no-answer` (Twilio's default: 60 s). */
  timeoutSeconds?: number;
}

export class TwilioClient {
  readonly #base: string;
  readonly #auth: string;
  readonly #retry: RetryPolicy;

  constructor(
    baseUrl: string,
    readonly accountSid: string,
    authToken: string,
    // Wrapped: a bare `fetch` stored on an object and called as a method is an illegal invocation in workerd.
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
    retry: Partial<RetryPolicy> = {},
  ) {
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...retry };
    this.#base = `${baseUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${accountSid}`;
    this.#auth = `Basic ${btoa(`${accountSid}:${authToken}`)}`;
  }

  createCall(p: CreateCallParams): Promise<TwilioCall> {
    return this.#request("POST", "/Calls.json", "refused-only", {
      To: p.to,
      From: p.from,
      Url: p.url,
      Twiml: p.url ? undefined : p.twiml,
      Method: p.url ? "POST" : undefined,
      StatusCallback: p.statusCallback,
      StatusCallbackMethod: p.statusCallback ? "POST" : undefined,
      StatusCallbackEvent: p.statusCallback ? (p.statusCallbackEvents ?? ["initiated", "ringing", "answered", "completed"]) : undefined,
      MachineDetection: p.machineDetection,
      AsyncAmd: p.asyncAmdStatusCallback ? "true" : undefined,
      AsyncAmdStatusCallback: p.asyncAmdStatusCallback,
      TimeLimit: p.timeLimitSeconds,
      Timeout: p.timeoutSeconds,
    });
  }

  /** Redirects a live call to new TwiML (ends its media stream), or hangs it up with `status: "completed"`. */
  updateCall(callSid: string, update: { twiml?: string; url?: string; status?: "completed" | "canceled" }): Promise<TwilioCall> {
    return this.#request("POST", `/Calls/${callSid}.json`, "idempotent", { Twiml: update.twiml, Url: update.url, Status: update.status });
  }

  fetchCall(callSid: string): Promise<TwilioCall> {
    return this.#request("GET", `/Calls/${callSid}.json`, "idempotent");
  }

  /** Calls to `to`, newest first, first page only. */
  async listCallsTo(to: string, pageSize = 50): Promise<TwilioCall[]> {
    // No StartTime filter: a call just created is still queued, with no start time, and StartTime filters leave it
    // out. The caller matches `date_created` itself; Twilio lists newest first.
    const params = new URLSearchParams({ To: to, PageSize: String(pageSize) });
    const res = await this.#request<{ calls: TwilioCall[] }>("GET", `/Calls.json?${params}`, "idempotent");
    return res.calls;
  }

  startRecording(callSid: string, statusCallback: string): Promise<{ sid: string; status: string }> {
    return this.#request("POST", `/Calls/${callSid}/Recordings.json`, "refused-only", {
      RecordingChannels: "dual",
      RecordingStatusCallback: statusCallback,
      RecordingStatusCallbackMethod: "POST",
    });
  }

  /** Pauses (`paused`, the paused span left out: `PauseBehavior=skip`) or resumes (`in-progress`) a live call recording. */
  updateRecording(callSid: string, recordingSid: string, status: "paused" | "in-progress"): Promise<{ sid: string; status: string }> {
    return this.#request("POST", `/Calls/${callSid}/Recordings/${recordingSid}.json`, "idempotent", { Status: status, PauseBehavior: status === "paused" ? "skip" : undefined });
  }

  /** Deletes a recording and its media for good; an already deleted one answers 404 (TwilioApiError). */
  deleteRecording(recordingSid: string): Promise<unknown> {
    return this.#request("DELETE", `/Recordings/${recordingSid}.json`, "idempotent");
  }

  /**
   * A recording's media (`/Recordings/{sid}.wav`), as Twilio's response with its body unread so it can be streamed
   * on; a `range` is passed through. Not retried: the caller's client retries a stream.
   */
  async recordingMedia(recordingSid: string, range?: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: this.#auth };
    if (range) headers.range = range;
    const res = await this.fetcher(`${this.#base}/Recordings/${recordingSid}.wav`, { headers });
    if (res.ok) return res;
    throw twilioFailure(res, await readTwilioBody(res), this.#retry.clock.now());
  }

  async searchNumbers(country: string, query: { areaCode?: string; contains?: string; limit?: number }): Promise<AvailableNumber[]> {
    const params = new URLSearchParams();
    if (query.areaCode) params.set("AreaCode", query.areaCode);
    if (query.contains) params.set("Contains", query.contains);
    params.set("PageSize", String(query.limit ?? 20));
    const res = await this.#request<{ available_phone_numbers: AvailableNumber[] }>("GET", `/AvailablePhoneNumbers/${country}/Local.json?${params}`, "idempotent");
    return res.available_phone_numbers;
  }

  buyNumber(phoneNumber: string, voiceUrl: string, statusCallback: string): Promise<TwilioNumber> {
    return this.#request("POST", "/IncomingPhoneNumbers.json", "refused-only", { PhoneNumber: phoneNumber, VoiceUrl: voiceUrl, VoiceMethod: "POST", StatusCallback: statusCallback, StatusCallbackMethod: "POST" });
  }

  async findNumber(phoneNumber: string): Promise<TwilioNumber | undefined> {
    const res = await this.#request<{ incoming_phone_numbers: TwilioNumber[] }>("GET", `/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(phoneNumber)}`, "idempotent");
    return res.incoming_phone_numbers[0];
  }

  /** An SMS from one of the account's numbers; like a call, retried only when Twilio refused it outright (429). */
  sendMessage(p: { to: string; from: string; body: string; statusCallback?: string }): Promise<TwilioMessage> {
    return this.#request("POST", "/Messages.json", "refused-only", { To: p.to, From: p.from, Body: p.body, StatusCallback: p.statusCallback });
  }

  /** Points a number's voice webhook at the platform, or (empty strings) un-points it. */
  configureNumber(numberSid: string, voiceUrl: string, statusCallback: string): Promise<TwilioNumber> {
    return this.#request("POST", `/IncomingPhoneNumbers/${numberSid}.json`, "idempotent", { VoiceUrl: voiceUrl, VoiceMethod: "POST", StatusCallback: statusCallback, StatusCallbackMethod: "POST" });
  }

  #request<T>(method: "GET" | "POST" | "DELETE", path: string, safety: RetrySafety, form?: Form): Promise<T> {
    return withTwilioRetry(() => this.#attempt<T>(method, path, form), safety, this.#retry);
  }

  async #attempt<T>(method: "GET" | "POST" | "DELETE", path: string, form?: Form): Promise<T> {
    const headers: Record<string, string> = { authorization: this.#auth, accept: "application/json" };
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(form)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
      }
      body = params.toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
    const res = await this.fetcher(this.#base + path, { method, headers, body });
    const read = await readTwilioBody(res);
    if (!res.ok) throw twilioFailure(res, read, this.#retry.clock.now());
    return read.json as T;
  }
}
