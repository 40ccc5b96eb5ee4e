import type { AmdOptions } from "./answering-machine.ts";
import { placeOutboundCall } from "./call-factory.ts";
import type { RecordingOptions } from "./call-recording-resource.ts";
import { callResource } from "./call-resource.ts";
import type { SimulatedCall } from "./call.ts";
import type { FormFields } from "./form-fields.ts";
import { isDialable, isE164 } from "./phone-numbers.ts";
import { recordingOptions } from "./rest-recordings.ts";
import type { TwilioState } from "./simulator-state.ts";
import { CALL_PROGRESS_EVENTS, type CallProgressEvent, type StatusCallbackConfig } from "./status-callbacks.ts";
import { TwilioApiError } from "./twilio-api-error.ts";
import type { TwimlSource } from "./twiml-runner.ts";

const MAX_TWIML_CHARS = 4000;

function twimlSource(form: FormFields, required: boolean): TwimlSource | undefined {
  const url = form.url("Url", 21205);
  if (url) {
    const fallbackUrl = form.url("FallbackUrl", 21205);
    const fallback = fallbackUrl ? { url: fallbackUrl, method: form.method("FallbackMethod") } : null;
    return { kind: "url", url, method: form.method("Method"), webhook: "voice", fallback };
  }
  const twiml = form.string("Twiml");
  if (twiml !== undefined && twiml !== "") {
    if (twiml.length > MAX_TWIML_CHARS) throw new TwilioApiError(20001, `Twiml must be at most ${MAX_TWIML_CHARS} characters`);
    return { kind: "twiml", twiml };
  }
  if (form.has("ApplicationSid")) throw new TwilioApiError(20001, "ApplicationSid is not supported by the simulator; use Url or Twiml");
  if (required) throw new TwilioApiError(21205, "A 'Url', 'Twiml' or 'ApplicationSid' parameter is required");
  return undefined;
}

function statusCallback(form: FormFields): StatusCallbackConfig | null {
  const url = form.url("StatusCallback", 21609);
  const events = form.list("StatusCallbackEvent");
  for (const e of events) {
    if (!CALL_PROGRESS_EVENTS.includes(e as CallProgressEvent)) throw new TwilioApiError(20001, `StatusCallbackEvent '${e}' is not one of ${CALL_PROGRESS_EVENTS.join(", ")}`);
  }
  const method = form.method("StatusCallbackMethod");
  if (!url) return null;
  return { url, method, events: new Set((events.length ? events : ["completed"]) as CallProgressEvent[]) };
}

function machineDetection(form: FormFields): AmdOptions | null {
  const mode = form.string("MachineDetection");
  const asyncAmd = form.boolean("AsyncAmd", false, 21234);
  const callback = form.url("AsyncAmdStatusCallback", 21234);
  if (mode === undefined || mode === "" || form.has("SendDigits")) return null;
  if (mode !== "Enable" && mode !== "DetectMessageEnd") throw new TwilioApiError(21234, `MachineDetection must be Enable or DetectMessageEnd, got '${mode}'`);
  // The tuning ranges of protocol notes §2.5 (milliseconds); the simulator's detection is scripted, so only checked.
  form.integer("MachineDetectionSpeechThreshold", 2400, 1000, 6000, 21234);
  form.integer("MachineDetectionSpeechEndThreshold", 1200, 500, 5000, 21234);
  form.integer("MachineDetectionSilenceTimeout", 5000, 2000, 10_000, 21234);
  return { mode, async: asyncAmd, callback: callback ? { url: callback, method: form.method("AsyncAmdStatusCallbackMethod") } : null };
}

export async function createCall(state: TwilioState, accountSid: string, form: FormFields) {
  const to = form.string("To")?.trim();
  const from = form.string("From")?.trim();
  if (!to) throw new TwilioApiError(21201);
  if (!from) throw new TwilioApiError(21213);
  if (!isDialable(to)) throw new TwilioApiError(21211, `Invalid 'To' Phone Number: ${to}`);
  state.checkDestination(to);
  if (!isDialable(from)) throw new TwilioApiError(21212, `Invalid 'From' Phone Number: ${from}`);
  const owned = isE164(from) ? state.numberByPhone(from) : undefined;
  if (isE164(from) && owned?.accountSid !== accountSid) throw new TwilioApiError(21210, `The source phone number provided, ${from}, is not yet verified for your account`);
  const source = twimlSource(form, true)!;
  const callback = statusCallback(form);
  const amd = machineDetection(form);
  form.integer("Timeout", 60, 1, 600);
  const timeLimitSec = form.integer("TimeLimit", 14_400, 1, 86_400);
  let record: RecordingOptions | null = null;
  if (form.boolean("Record", false)) record = recordingOptions(form, "OutboundAPI");
  const call = await placeOutboundCall(state, { accountSid, from, to, source, statusCallback: callback, amd, record, timeLimitSec, phoneNumberSid: owned?.sid ?? null });
  return { status: 201, body: callResource(call) };
}

export function updateCall(state: TwilioState, accountSid: string, callSid: string, form: FormFields) {
  const call = state.callOf(accountSid, callSid);
  const status = form.string("Status");
  if (status !== undefined && status !== "completed" && status !== "canceled") throw new TwilioApiError(20001, `Status must be completed or canceled, got '${status}'`);
  const source = twimlSource(form, false);
  const callbackUrl = form.url("StatusCallback", 21609);
  call.update({
    ...(source ? { source } : {}),
    ...(status ? { status } : {}),
    ...(callbackUrl ? { statusCallback: { url: callbackUrl, method: form.method("StatusCallbackMethod") } } : {}),
  });
  return { status: 200, body: callResource(call) };
}

/** `YYYY-MM-DD` (midnight UTC, as Twilio's docs give it) or a full ISO 8601 instant (as Twilio's helper libraries send). */
function startTimeBound(form: FormFields, name: string): Date | undefined {
  const raw = form.string(name);
  if (raw === undefined || raw === "") return undefined;
  const at = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? new Date(`${raw}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(raw) ? new Date(raw) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw new TwilioApiError(20001, `${name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time, got '${raw}'`);
  return at;
}

/**
 * The filters of Twilio's call list (Read multiple Call resources): `To`, `From`, `Status`, and `StartTime` (calls
 * that started on that UTC date), `StartTime>` (on or after), `StartTime<` (on or before). A call that has not
 * started has no start time, so any StartTime filter leaves it out.
 */
export function callListFilter(form: FormFields): (call: SimulatedCall) => boolean {
  const to = form.string("To");
  const from = form.string("From");
  const status = form.string("Status");
  const on = startTimeBound(form, "StartTime");
  const after = startTimeBound(form, "StartTime>");
  const before = startTimeBound(form, "StartTime<");
  return (call) => {
    if ((to && call.to !== to) || (from && call.from !== from) || (status && call.status !== status)) return false;
    if (!on && !after && !before) return true;
    const started = call.startTime?.getTime();
    if (started === undefined) return false;
    if (on && (started < on.getTime() || started >= on.getTime() + 86_400_000)) return false;
    return !(after && started < after.getTime()) && !(before && started > before.getTime());
  };
}
