import { TwilioApiError, type TwilioClient } from "../../shared/twilio/twilio-client.ts";
import { twilioClient, twilioCredentialsForAccount } from "../../shared/twilio/twilio-credentials.ts";
import { twiml } from "../../shared/twilio/twiml.ts";
import type { CallMeta } from "./call-store.ts";

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

/** Twilio's refusal, carried across the Durable Object RPC as data (a thrown error would arrive as a bare 500). */
export interface TwilioFailure {
  status: number;
  code: number | null;
  message: string;
  moreInfo: string | null;
}

export type TwilioResult<T> = { ok: true; value: T } | { ok: false; twilio: TwilioFailure };
/** What a transfer request got: done, refused by Twilio, or impossible in the call's state. */
export type ControlResult<T> = TwilioResult<T> | { ok: false; conflict: string };

/** A Twilio API error as data; anything else (a network failure, a bug) is rethrown. */
export function twilioFailure(error: unknown): TwilioFailure {
  if (!(error instanceof TwilioApiError)) throw error;
  return { status: error.status, code: error.code, message: error.message, moreInfo: error.moreInfo ?? null };
}

/** A failed Twilio request for a call event: Twilio's code, or the error's text. */
export const failureData = (error: unknown) => (error instanceof TwilioApiError ? { twilio_code: error.code } : { error: String(error) });

/** The caller ID the far end sees: the platform's number on the call (the one dialled in, or dialled from). */
export const transferCallerId = (meta: CallMeta) => (meta.direction === "inbound" ? meta.to : meta.from);

export async function callTwilio(env: Env, meta: CallMeta): Promise<TwilioClient> {
  const creds = await twilioCredentialsForAccount(env, meta.accountId);
  if (!creds) throw new Error("the account has no Twilio credentials");
  return twilioClient(env, creds);
}

/** What the caller hears before any transfer: said by Twilio on a cold one, by the agent itself on a warm one. */
export const HOLD_LINE = "Please hold while I connect you.";

/** The TwiML of a cold transfer: a short line, then the caller is dialled straight through. */
const coldTransferTwiml = (meta: CallMeta, to: string, announcement?: string) =>
  twiml({ verb: "Say", text: announcement ?? HOLD_LINE }, { verb: "Dial", number: to, callerId: transferCallerId(meta), timeout: 30 });

/** Cold transfer through Twilio's call update, which ends this call's media stream and dials the target. */
export async function coldTransfer(env: Env, meta: CallMeta, callSid: string, req: TransferRequest): Promise<TwilioResult<TransferRecord>> {
  const twilio = await callTwilio(env, meta);
  try {
    await twilio.updateCall(callSid, { twiml: coldTransferTwiml(meta, req.to, req.announcement) });
  } catch (error) {
    return { ok: false, twilio: twilioFailure(error) };
  }
  return { ok: true, value: { to: req.to, mode: "cold", requested_by: req.requestedBy } };
}
