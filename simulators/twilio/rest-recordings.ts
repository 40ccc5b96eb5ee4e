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
  if (status === "stopped") call.stopRecording(recording);
  else if (status === "paused") recording.pause(now);
  else if (status === "in-progress") recording.resume(now);
  else throw new TwilioApiError(20001, "Status must be stopped, paused or in-progress");
  return { status: 200, body: recording.toJSON() };
}
