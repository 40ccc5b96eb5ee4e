import { twilioClient, twilioCredentialsForAccount } from "../../shared/twilio/twilio-credentials.ts";
import { twiml } from "../../shared/twilio/twiml.ts";
import type { CallMeta, StoredTurn } from "./call-store.ts";

export interface TransferRequest {
  to: string;
  mode: "cold" | "warm";
  announcement?: string;
  requestedBy: string;
}

export interface TransferRecord {
  to: string;
  mode: "cold" | "warm";
  requested_by: string;
  conference?: string;
  target_call_sid?: string;
}

const HOLD = "Please hold while I connect you.";

/** The agent's briefing for the person taking a warm transfer: who is calling and what they last said. */
export function briefingFor(meta: CallMeta, turns: StoredTurn[], announcement?: string): string {
  if (announcement) return announcement;
  const lastCaller = [...turns].reverse().find((t) => t.role === "caller")?.text;
  return `Hello, I'm transferring a caller from ${meta.from.split("").join(" ")}.${lastCaller ? ` They said: ${lastCaller}` : ""} Connecting you now.`;
}

/**
 * Transfers through Twilio's call update (which ends this call's media stream).
 * Cold: the caller is dialled straight through to the target.
 * Warm: the caller waits in a conference named after the call; the target is called, hears the agent's briefing,
 * then joins the conference; the agent is already gone from both legs.
 */
export async function transferCall(env: Env, meta: CallMeta, callSid: string, req: TransferRequest, turns: StoredTurn[]): Promise<TransferRecord> {
  const creds = await twilioCredentialsForAccount(env, meta.accountId);
  if (!creds) throw new Error("the account has no Twilio credentials");
  const twilio = twilioClient(env, creds);
  const callerId = meta.direction === "inbound" ? meta.to : meta.from;
  if (req.mode === "cold") {
    await twilio.updateCall(callSid, { twiml: twiml({ verb: "Say", text: req.announcement ?? HOLD }, { verb: "Dial", number: req.to, callerId, timeout: 30 }) });
    return { to: req.to, mode: "cold", requested_by: req.requestedBy };
  }
  const conference = `transfer-${meta.callId}`;
  await twilio.updateCall(callSid, {
    twiml: twiml({ verb: "Say", text: HOLD }, { verb: "Dial", conference: { name: conference, startConferenceOnEnter: true, endConferenceOnExit: true } }),
  });
  const target = await twilio.createCall({
    to: req.to,
    from: callerId,
    twiml: twiml({ verb: "Say", text: briefingFor(meta, turns, req.announcement) }, { verb: "Dial", conference: { name: conference, startConferenceOnEnter: true, endConferenceOnExit: true } }),
  });
  return { to: req.to, mode: "warm", requested_by: req.requestedBy, conference, target_call_sid: target.sid };
}
