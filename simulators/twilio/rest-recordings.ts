import type { CallRecordingResource, RecordingEvent, RecordingOptions } from "./call-recording-resource.ts";
import type { FormFields } from "./form-fields.ts";
import type { TwilioState } from "./simulator-state.ts";
import { TwilioApiError } from "./twilio-api-error.ts";

const RECORDING_EVENTS: readonly RecordingEvent[] = ["in-progress", "completed", "absent"];

export function recordingOptions(form: FormFields, source: RecordingOptions["source"]): RecordingOptions {
  const channels = form.string("RecordingChannels") ?? "mono";
  if (channels !== "mono" && channels !== "dual") throw new TwilioApiError(20001, "RecordingChannels must be mono or dual");
  const track = form.string("RecordingTrack") ?? "both";
  if (track !== "inbound" && track !== "outbound" && track !== "both") throw new TwilioApiError(20001, "RecordingTrack must be inbound, outbound or both");
  const events = form.list("RecordingStatusCallbackEvent");
  for (const e of events) if (!RECORDING_EVENTS.includes(e as RecordingEvent)) throw new TwilioApiError(20001, `RecordingStatusCallbackEvent '${e}' is invalid`);
  return {
    channels,
    track,
    source,
    statusCallback: form.url("RecordingStatusCallback", 21609) ?? null,
    statusCallbackMethod: form.method("RecordingStatusCallbackMethod"),
    statusCallbackEvents: new Set((events.length ? events : ["completed"]) as RecordingEvent[]),
  };
}

function recordingOf(state: TwilioState, accountSid: string, callSid: string, recordingSid: string): CallRecordingResource {
  const recording = state.callOf(accountSid, callSid).recordings.find((r) => r.sid === recordingSid);
  if (!recording) throw new TwilioApiError(20404, `Recording ${recordingSid} not found`);
  return recording;
}

export function createRecording(state: TwilioState, accountSid: string, callSid: string, form: FormFields) {
  const call = state.callOf(accountSid, callSid);
  return { status: 201, body: call.startRecording(recordingOptions(form, "StartCallRecordingAPI")).toJSON() };
}

export function listRecordings(state: TwilioState, accountSid: string, callSid: string) {
  return state.callOf(accountSid, callSid).recordings.map((r) => r.toJSON());
}

export function fetchRecording(state: TwilioState, accountSid: string, callSid: string, recordingSid: string) {
  return { status: 200, body: recordingOf(state, accountSid, callSid, recordingSid).toJSON() };
}

/** `Status=stopped|paused|in-progress` on a live recording. */
export function updateRecording(state: TwilioState, accountSid: string, callSid: string, recordingSid: string, form: FormFields) {
  const call = state.callOf(accountSid, callSid);
  const recording = recordingOf(state, accountSid, callSid, recordingSid);
  const status = form.string("Status");
  const now = call.clock.nowMs();
  if (recording.status === "completed") throw new TwilioApiError(21220, "Recording is not in-progress");
  const pauseBehavior = form.string("PauseBehavior");
  if (pauseBehavior !== undefined && pauseBehavior !== "skip" && pauseBehavior !== "silence") throw new TwilioApiError(20001, "PauseBehavior must be skip or silence");
  if (status === "stopped") call.stopRecording(recording);
  else if (status === "paused") recording.pause(now);
  else if (status === "in-progress") recording.resume(now);
  else throw new TwilioApiError(20001, "Status must be stopped, paused or in-progress");
  return { status: 200, body: recording.toJSON() };
}

/** A recording of any of the account's calls, by its sid alone (the account-level Recordings resource). */
function accountRecording(state: TwilioState, accountSid: string, recordingSid: string) {
  for (const call of state.calls.values()) {
    if (call.accountSid !== accountSid) continue;
    const recording = call.recordings.find((r) => r.sid === recordingSid);
    if (recording) return { call, recording };
  }
  throw new TwilioApiError(20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}.json was not found`);
}

export function fetchAccountRecording(state: TwilioState, accountSid: string, recordingSid: string) {
  return { status: 200, body: accountRecording(state, accountSid, recordingSid).recording.toJSON() };
}

/**
 * `DELETE /Accounts/{sid}/Recordings/{RecordingSid}.json`: 204, and the recording is gone (a later fetch or delete
 * is a 404). A recording still being made is stopped first, as Twilio ends its media when it is deleted.
 */
export function deleteRecording(state: TwilioState, accountSid: string, recordingSid: string) {
  const { call, recording } = accountRecording(state, accountSid, recordingSid);
  if (recording.status === "in-progress" || recording.status === "paused") call.stopRecording(recording);
  call.recordings.splice(call.recordings.indexOf(recording), 1);
  return { status: 204, body: null };
}

/**
 * The media URL, `GET /Accounts/{AccountSid}/Recordings/{RecordingSid}[.wav]`: a completed recording's audio as WAV
 * (Twilio's default without an extension). MP3 is not rendered here, so `.mp3` is answered as an unknown resource.
 */
export function recordingMedia(state: TwilioState, accountSid: string, file: string, range: string | undefined) {
  const match = /^(RE[0-9a-f]{32})(\.wav)?$/.exec(file);
  const recording = match ? findRecording(state, accountSid, match[1]!) : undefined;
  if (!recording || recording.status !== "completed") throw new TwilioApiError(20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Recordings/${file} was not found`);
  const wav = recording.wav();
  const headers = { "Content-Type": "audio/x-wav", "Accept-Ranges": "bytes" };
  // One `bytes=start-[end]` range, as a media player asks for when it seeks; anything else gets the whole file.
  const asked = /^bytes=(\d+)-(\d*)$/.exec(range ?? "");
  if (asked) {
    const start = Number(asked[1]);
    const end = Math.min(asked[2] ? Number(asked[2]) : wav.length - 1, wav.length - 1);
    if (start > end) return { status: 416, body: null, headers: { ...headers, "Content-Range": `bytes */${wav.length}` } };
    const part = wav.subarray(start, end + 1);
    return { status: 206, body: part, headers: { ...headers, "Content-Length": String(part.length), "Content-Range": `bytes ${start}-${end}/${wav.length}` } };
  }
  return { status: 200, body: wav, headers: { ...headers, "Content-Length": String(wav.length) } };
}

function findRecording(state: TwilioState, accountSid: string, recordingSid: string): CallRecordingResource | undefined {
  for (const call of state.calls.values()) {
    if (call.accountSid !== accountSid) continue;
    const recording = call.recordings.find((r) => r.sid === recordingSid);
    if (recording) return recording;
  }
  return undefined;
}
