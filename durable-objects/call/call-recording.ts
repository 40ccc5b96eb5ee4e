import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { calls } from "../../shared/db/schema.ts";
import { callRecordsDbOf } from "../../shared/residency/residency.ts";
import { callerLeg } from "./caller-leg.ts";
import type { CallStore } from "./call-store.ts";

const RECORDING_SID_KEY = "recordingSid";

/**
 * Dual-channel recording through Twilio's call recordings API, once the disclosure was heard; the recording's
 * status callback stores its outcome. Throws when Twilio refuses (the caller's background task records it).
 */
export async function startRecording(env: Env, store: CallStore): Promise<void> {
  const meta = store.meta!;
  const leg = await callerLeg(env, store);
  if (!leg) throw new Error("the call has no Twilio leg or the account no Twilio credentials");
  const recording = await leg.twilio.startRecording(leg.callSid, `${meta.publicBaseUrl}/twilio/recording/${meta.callId}`);
  store.put(RECORDING_SID_KEY, recording.sid);
  store.event("recording.started", { recording_sid: recording.sid });
  await database(callRecordsDbOf(env, meta.callId)).update(calls).set({ recordingSid: recording.sid, recordingStatus: recording.status }).where(eq(calls.id, meta.callId)).run();
}

/**
 * Keeps card data out of the call's recording: the recording is paused while any `pci` tool runs (several at once
 * share one pause) and resumed when the last one ends. A pause Twilio refuses fails the tool instead of running it
 * on the record; a failed resume is an event (the rest of the call goes unrecorded, never the other way round).
 */
export class PciRecordingPause {
  #running = 0;
  #paused: Promise<boolean> | undefined;

  constructor(
    private readonly env: Env,
    private readonly store: CallStore,
  ) {}

  async around<T>(run: () => Promise<T>, refused: (reason: string) => T): Promise<T> {
    this.#running++;
    try {
      this.#paused ??= this.#set("paused");
      if (!(await this.#paused)) return refused("the call's recording could not be paused, so the payment step was not run");
      return await run();
    } finally {
      if (--this.#running === 0 && this.#paused) {
        const wasPaused = await this.#paused;
        this.#paused = undefined;
        if (wasPaused) await this.#set("in-progress");
      }
    }
  }

  /** True once Twilio holds the status (or the call has no recording to pause). */
  async #set(status: "paused" | "in-progress"): Promise<boolean> {
    const recordingSid = this.store.get<string>(RECORDING_SID_KEY);
    if (!recordingSid) return true;
    try {
      const leg = await callerLeg(this.env, this.store);
      if (!leg) throw new Error("the call has no Twilio leg or the account no Twilio credentials");
      await leg.twilio.updateRecording(leg.callSid, recordingSid, status);
      this.store.event(status === "paused" ? "recording.paused" : "recording.resumed", { recording_sid: recordingSid, reason: "pci_tool" });
      return true;
    } catch (error) {
      this.store.event(status === "paused" ? "recording.pause_failed" : "recording.resume_failed", { recording_sid: recordingSid, error: String(error) });
      return false;
    }
  }
}
