import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { calls } from "../../shared/db/schema.ts";
import { callRecordsDbOf } from "../../shared/residency/residency.ts";
import type { TwilioClient } from "../../shared/twilio/twilio-client.ts";
import { twilioClient, twilioCredentialsForAccount } from "../../shared/twilio/twilio-credentials.ts";
import type { CallStore } from "./call-store.ts";

/** The caller's Twilio leg with a client holding the tenant's credentials; undefined without either. */
export async function callerLeg(env: Env, store: CallStore): Promise<{ twilio: TwilioClient; callSid: string } | undefined> {
  const callSid = store.callSid;
  const creds = await twilioCredentialsForAccount(env, store.meta!.accountId);
  return callSid && creds ? { twilio: twilioClient(env, creds), callSid } : undefined;
}

/**
 * Ends a call that has no conversation to close politely (still ringing, or answered without a stream) through
 * Twilio: completed if it was answered, canceled if not. Returns the final status to record; a refusal by Twilio
 * is a call event (its final status callback, if any, still arrives).
 */
export async function hangUpCaller(env: Env, store: CallStore): Promise<"completed" | "canceled"> {
  const row = await database(callRecordsDbOf(env, store.meta!.callId)).select({ status: calls.status }).from(calls).where(eq(calls.id, store.meta!.callId)).get();
  const status = row?.status === "in-progress" ? "completed" : "canceled";
  try {
    const leg = await callerLeg(env, store);
    if (leg) await leg.twilio.updateCall(leg.callSid, { status });
  } catch (error) {
    store.event("hangup.failed", { error: String(error) });
  }
  return status;
}
