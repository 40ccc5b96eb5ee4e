import type { CallClock } from "./call-clock.ts";
import type { CallRecorder, WebhookRecord } from "./call-recording.ts";
import type { AnsweredBy, CallerScript } from "./caller-script.ts";
import { DEBUGGER_CODES } from "./twilio-api-error.ts";
import type { HttpMethod } from "./twiml.ts";
import type { WebhookParams } from "./webhook-client.ts";

export interface AmdOptions {
  mode: "Enable" | "DetectMessageEnd";
  async: boolean;
  callback: { url: string; method: HttpMethod } | null;
}

interface AmdCall {
  readonly sid: string;
  readonly accountSid: string;
  readonly clock: CallClock;
  readonly recorder: CallRecorder;
  isUp(): boolean;
  backgroundWebhook(kind: WebhookRecord["kind"], url: string, method: HttpMethod, params: WebhookParams): void;
}

/** What detection reports for who answered: `Enable` only tells machines apart by `machine_start`. */
export function amdResult(answeredBy: AnsweredBy, mode: AmdOptions["mode"]): AnsweredBy {
  if (mode === "Enable") return answeredBy.startsWith("machine_") ? "machine_start" : answeredBy;
  return answeredBy === "machine_start" ? "machine_end_other" : answeredBy;
}

/**
 * Answering-machine detection on an answered outbound call. Synchronous AMD holds the call for the detection time
 * and returns `AnsweredBy`/`MachineDetectionDuration` for the Url request; async AMD returns nothing to add and
 * posts the result to AsyncAmdStatusCallback once detection finishes. Resolves null if the call ended meanwhile.
 */
export async function detectAnsweringMachine(call: AmdCall, amd: AmdOptions, script: CallerScript, signal: AbortSignal): Promise<{ answeredBy: AnsweredBy; extraParams: WebhookParams } | null> {
  const answeredBy = amdResult(script.answeredBy, amd.mode);
  const detection = { AnsweredBy: answeredBy, MachineDetectionDuration: String(script.amdDurationMs) };
  if (!amd.async) {
    await call.clock.sleep(script.amdDurationMs, signal);
    return signal.aborted ? null : { answeredBy, extraParams: detection };
  }
  if (!amd.callback) {
    call.recorder.error(DEBUGGER_CODES.amdNoCallback, "AsyncAmd is on but no AsyncAmdStatusCallback was given", call.clock.nowMs());
  } else {
    const { url, method } = amd.callback;
    void call.clock.sleep(script.amdDurationMs, signal).then(() => {
      if (call.isUp()) call.backgroundWebhook("amd", url, method, { AccountSid: call.accountSid, CallSid: call.sid, ...detection });
    });
  }
  return { answeredBy, extraParams: {} };
}
