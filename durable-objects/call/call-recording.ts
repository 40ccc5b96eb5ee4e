import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { calls } from "../../shared/db/schema.ts";
import { callerLeg } from "./caller-leg.ts";
import type { CallStore } from "./call-store.ts";

/**
 * Dual-channel recording through Twilio's call recordings API, once the disclosure was heard; the recording's
 * status callback stores its outcome. Throws when Twilio refuses (the caller's background task records it).
 */
export async function startRecording(env: Env, store: CallStore): Promise<void> {
  const meta = store.meta!;
  const leg = await callerLeg(env, store);
  if (!leg) throw new Error("the call has no Twilio leg or the account no Twilio credentials");
  const recording = await leg.twilio.startRecording(leg.callSid, `${meta.publicBaseUrl}/twilio/recording/${meta.callId}`);
  store.event("recording.started", { recording_sid: recording.sid });
  await database(env.DB).update(calls).set({ recordingSid: recording.sid, recordingStatus: recording.status }).where(eq(calls.id, meta.callId)).run();
}
