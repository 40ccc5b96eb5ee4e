import type { Context } from "hono";
import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { calls } from "../../shared/db/schema.ts";
import { recordSecurityEvent } from "../../shared/db/security-events.ts";
import { verifyTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import type { AppEnv } from "../api/app-env.ts";
import { callWithSid, type CallRow } from "../../shared/calls/call-records.ts";
import { twilioCredentialsForAccount, type TwilioCredentials } from "../../shared/twilio/twilio-credentials.ts";
import { publicRequestUrl } from "./public-url.ts";
import { twiml, twimlResponse } from "../../shared/twilio/twiml.ts";
import { APOLOGY_LINE } from "../../shared/calls/call-lines.ts";
import { callRecordsDbOf, callSession } from "../../shared/residency/residency.ts";
import { connectCall } from "./voice-webhook.ts";
import { accountSidCandidates, authenticateTwilioRequest, forbidden, readTwilioForm } from "./webhook-auth.ts";

const MAX_STREAM_RECOVERIES = 3;
const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);
// Callbacks are separate requests and may arrive out of order; a status only ever moves forward.
const RANK: Record<string, number> = { queued: 0, initiated: 1, ringing: 2, "in-progress": 3, completed: 4, busy: 4, "no-answer": 4, failed: 4, canceled: 4 };

interface VerifiedCall {
  call: CallRow;
  creds: TwilioCredentials;
  params: URLSearchParams;
}

/**
 * Loads the call named in the path (or, for a number's own status callback, by its CallSid) and checks the
 * request was signed by that tenant's Twilio account.
 */
export async function verifiedCall(c: Context<AppEnv>): Promise<VerifiedCall | Response> {
  const params = await readTwilioForm(c.req.raw);
  const callId = c.req.param("callId");
  const call = callId ? await database(callRecordsDbOf(c.env, callId)).select().from(calls).where(eq(calls.id, callId)).get() : await callWithSid(c.env, params.get("CallSid") ?? "");
  if (!call && !callId) return refusedCallStatus(c, params);
  const creds = call ? await twilioCredentialsForAccount(c.env, call.accountId) : undefined;
  if (!call || !creds || params.get("AccountSid") !== creds.accountSid) {
    await recordSecurityEvent(c.env, { kind: "twilio_signature_invalid", path: c.req.path, accountId: call?.accountId ?? null, ip: c.req.header("cf-connecting-ip") ?? null, detail: { reason: call ? "account_sid_mismatch" : "unknown_call" } }, c.executionCtx);
    return forbidden();
  }
  if ((await authenticateTwilioRequest(c.env, c.req.raw, params, [creds], c.executionCtx)).length === 0) return forbidden();
  return { call, creds, params };
}

/**
 * A number's status callback for a call that has no record: one the platform refused (unknown number, suspended
 * account, no free line…), which Twilio still reports. Genuine when signed by a tenant registered with its
 * AccountSid; acknowledged, since there is nothing to update. Anything else is a forgery and recorded as one.
 */
async function refusedCallStatus(c: Context<AppEnv>, params: URLSearchParams): Promise<Response> {
  const verified = await authenticateTwilioRequest(c.env, c.req.raw, params, await accountSidCandidates(c.env, params), c.executionCtx);
  return verified.length > 0 ? c.body(null, 204) : forbidden();
}

/** `POST /twilio/status[/:callId]`: call progress; a final status finalises the call in its Durable Object. */
export async function statusCallback(c: Context<AppEnv>): Promise<Response> {
  const v = await verifiedCall(c);
  if (v instanceof Response) return v;
  const status = v.params.get("CallStatus") ?? "";
  if (!(status in RANK)) return c.text(`unknown CallStatus ${status}`, 400);
  if (RANK[status]! > RANK[v.call.status]! && !FINAL.has(status)) {
    await database(callRecordsDbOf(c.env, v.call.id))
      .update(calls)
      .set({ status: status as CallRow["status"], twilioCallSid: v.params.get("CallSid") ?? v.call.twilioCallSid, answeredAt: status === "in-progress" ? new Date().toISOString() : v.call.answeredAt })
      .where(eq(calls.id, v.call.id))
      .run();
  }
  if (FINAL.has(status)) {
    const duration = Number(v.params.get("CallDuration"));
    await callSession(c.env, v.call.id).finalize({
      status: status as "completed",
      endReason: `twilio:${status}`,
      durationSeconds: Number.isFinite(duration) && v.params.has("CallDuration") ? duration : null,
    });
  }
  return c.body(null, 204);
}

/** `GET /twilio/stream/:callId`: the media-stream upgrade, signed over the wss:// URL; the call's object takes it. */
export async function streamUpgrade(c: Context<AppEnv>): Promise<Response> {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return c.text("expected a WebSocket upgrade", 426);
  const callId = c.req.param("callId") ?? "";
  const call = await database(callRecordsDbOf(c.env, callId)).select({ accountId: calls.accountId }).from(calls).where(eq(calls.id, callId)).get();
  const creds = call ? await twilioCredentialsForAccount(c.env, call.accountId) : undefined;
  const url = publicRequestUrl(c.env, c.req.raw).replace(/^http/, "ws");
  if (!creds || !(await verifyTwilioSignature(creds.authToken, url, {}, c.req.header("x-twilio-signature")))) {
    await recordSecurityEvent(c.env, { kind: "twilio_signature_invalid", path: c.req.path, accountId: call?.accountId ?? null, ip: c.req.header("cf-connecting-ip") ?? null, detail: { stream: true } }, c.executionCtx);
    return forbidden();
  }
  return callSession(c.env, callId).fetch(c.req.raw);
}

/**
 * `POST /twilio/stream-ended/:callId`, the `<Connect action>`. If the stream dropped while the call is still up
 * (a deploy, an object restart), reconnect it to the same object, which resumes from its stored turns; if the
 * agent ended the stream on purpose, hang up, transfer, or apologise, as it asked.
 */
export async function streamEnded(c: Context<AppEnv>): Promise<Response> {
  const v = await verifiedCall(c);
  if (v instanceof Response) return v;
  const session = callSession(c.env, v.call.id);
  const recovery = await session.recoverStream(MAX_STREAM_RECOVERIES);
  if (recovery.resume) return twimlResponse(await connectCall(c.env, c.req.raw, v.call.id));
  const exit = recovery.exit;
  if (exit?.kind === "transfer") {
    await session.recordEvent("call.transferred", { to: exit.to, mode: "cold", requested_by: "agent" });
    const callerId = v.call.direction === "inbound" ? v.call.toNumber : v.call.fromNumber;
    return twimlResponse(twiml({ verb: "Dial", number: exit.to, callerId, timeout: 30 }));
  }
  // The agent apologised in its own voice already (its speech still worked): Twilio only hangs up.
  if (exit?.kind === "apology" && !exit.spoken) return twimlResponse(twiml({ verb: "Say", text: APOLOGY_LINE }, { verb: "Hangup" }));
  return twimlResponse(twiml({ verb: "Hangup" }));
}

/** `POST /twilio/recording/:callId`: the recording's sid, status and (once completed) duration, stored on the call. */
export async function recordingCallback(c: Context<AppEnv>): Promise<Response> {
  const v = await verifiedCall(c);
  if (v instanceof Response) return v;
  const duration = Number.parseInt(v.params.get("RecordingDuration") ?? "", 10);
  await database(callRecordsDbOf(c.env, v.call.id))
    .update(calls)
    .set({ recordingSid: v.params.get("RecordingSid"), recordingStatus: v.params.get("RecordingStatus"), ...(Number.isFinite(duration) ? { recordingDurationSeconds: duration } : {}) })
    .where(eq(calls.id, v.call.id))
    .run();
  return c.body(null, 204);
}
