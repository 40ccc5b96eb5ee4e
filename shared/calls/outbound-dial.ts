import { and, eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { phoneNumbers } from "../db/schema.ts";
import { newCallId } from "../ids.ts";
import { checkCallingHours } from "../phone/calling-hours.ts";
import { liveAgentVersion } from "../agents/live-agent.ts";
import { twilioClient, twilioCredentialsForAccount } from "../twilio/twilio-credentials.ts";
import { TwilioApiError, type TwilioCall } from "../twilio/twilio-client.ts";
import { accountRegion, callSession } from "../residency/residency.ts";
import { admitCall, type RefusalReason } from "./call-admission.ts";
import { auditCallRefusal, insertCall } from "./call-records.ts";
import { giveBackCall } from "./call-release.ts";
import { erasedRefusal } from "../compliance/phone-tombstone.ts";
import { trialDialRefusal } from "../compliance/trial-gates.ts";
import { checkConsent, type ConsentReason, type ConsentType } from "./consent-check.ts";
import { selfTestRefusal } from "./self-test-callee.ts";
import type { CallMeta } from "../../durable-objects/call/call-store.ts";

export interface OutboundDialRequest {
  accountId: string;
  agentId: string;
  to: string;
  from: string;
  consentType: ConsentType;
  /** The signed-in user placing the call (null for an API key or a campaign): a `self_test` call dials only their own number. */
  userId?: string | null;
  variables: Record<string, string>;
  machineDetection: boolean;
  publicBaseUrl: string;
  requestId: string | null;
  /** Leave the account's `reserved_inbound` slots free (campaign dials), so bulk calling never starves inbound calls. */
  keepInboundReserve?: boolean;
  /** Runs once the call is admitted and prepared, just before Twilio is asked: a campaign persists its dial intent here. */
  beforeTwilio?: (callId: string) => Promise<void>;
  /**
   * The caller settles a lost answer itself from the intent it recorded in `beforeTwilio` (a workflow step): when
   * Twilio's answer is lost (5xx, unreachable) the call may exist, so it stays prepared, holding its slot.
   */
  keepUnconfirmed?: boolean;
}

/** Why a dial was refused: the same codes the API and the audit log use (`consent_…`, `calling_hours_…`, gate reasons). */
export type DialRefusalReason =
  | `consent_${Exclude<ConsentReason, "opted_in">}`
  | "calling_hours_outside_hours"
  | "calling_hours_unknown_area_code"
  /** An account on trial dials only numbers it verified (shared/compliance/trial-gates.ts). */
  | "verification_required"
  /** A `self_test` dial to a number other than the calling user's own verified one. */
  | "self_test_not_own_number"
  | RefusalReason;

export type OutboundDialResult =
  | { kind: "placed"; callId: string; callSid: string; agentVersion: number }
  /** A compliance or account check said no: audited as `call.refused`, nothing dialled. */
  | { kind: "refused"; reason: DialRefusalReason; detail: string }
  /** The request itself cannot be dialled (not audited): `field` names what to fix. */
  | { kind: "rejected"; field: "from" | "agent_id" | "credentials"; detail: string }
  /** Twilio refused or was not reached: the call is recorded as failed and its slot given back (unless `unconfirmed`). */
  | {
      kind: "provider_failed";
      callId: string;
      reason: string;
      error: unknown;
      /** With `keepUnconfirmed` and a lost answer: the call stays prepared and holds its slot; the caller settles it. */
      unconfirmed?: true;
    };

type WaitUntil = (p: Promise<unknown>) => void;

/**
 * Places one consented outbound call: the checks every outbound dial passes, in order (caller ID, live agent, a
 * trial account's verified callees and minutes, consent (a `self_test` call: only the user's own number) and do-not-call, calling hours in the callee's zones, credentials, then account status, concurrency and
 * the billing reservation in the account's gate), then the call's record and object, then Twilio. Shared by
 * `POST /v1/calls` and the campaign objects, so a campaign dial can never skip a check a single call passes.
 */
export async function dialOutbound(env: Env, waitUntil: WaitUntil, req: OutboundDialRequest, now = new Date()): Promise<OutboundDialResult> {
  const db = database(env.DB);
  const refuse = async (reason: DialRefusalReason, detail: string): Promise<OutboundDialResult> => {
    await auditCallRefusal(env, waitUntil, req.accountId, { reason, to: req.to, from: req.from, direction: "outbound" }, req.requestId ?? undefined);
    return { kind: "refused", reason, detail };
  };

  const fromNumber = await db
    .select({ id: phoneNumbers.id })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.accountId, req.accountId), eq(phoneNumbers.e164, req.from), eq(phoneNumbers.status, "active")))
    .get();
  if (!fromNumber) return { kind: "rejected", field: "from", detail: `${req.from} is not one of this account's active numbers` };
  const agent = await liveAgentVersion(env, req.accountId, req.agentId);
  if (!agent) return { kind: "rejected", field: "agent_id", detail: "the agent does not exist, is archived, or was never published" };

  const trial = await trialDialRefusal(env, req.accountId, req.to);
  if (trial) return refuse(trial.reason, trial.detail);

  if (req.consentType === "self_test") {
    const notOwn = await selfTestRefusal(db, req.accountId, req.userId ?? null, req.to);
    if (notOwn) return refuse("self_test_not_own_number", notOwn);
  }
  const checked = await checkConsent(db, req.accountId, req.to, req.consentType, now);
  // An erased callee's refusals outlive their records (shared/compliance/phone-tombstone.ts).
  const erased = checked.allowed ? await erasedRefusal(db, env.ENCRYPTION_KEY, req.accountId, req.to, req.consentType, checked.record?.capturedAt ?? null) : null;
  const consent = erased ? { allowed: false as const, reason: erased } : checked;
  if (!consent.allowed) return refuse(`consent_${consent.reason}` as DialRefusalReason, consentDetail(consent.reason, req.consentType));
  const hours = checkCallingHours(req.to, now);
  if (!hours.allowed) {
    const detail = hours.reason === "unknown_area_code" ? "the callee's area code is unknown, so its local time cannot be checked" : `it is ${hours.localTimes.join(" / ")} for the callee; calls are allowed 08:00–21:00 local time`;
    return refuse(hours.reason === "unknown_area_code" ? "calling_hours_unknown_area_code" : "calling_hours_outside_hours", detail);
  }
  const creds = await twilioCredentialsForAccount(env, req.accountId);
  if (!creds) return { kind: "rejected", field: "credentials", detail: "store the account's Twilio credentials first (PUT /v1/accounts/me/credentials/twilio)" };

  const callId = newCallId(await accountRegion(env, req.accountId));
  const refusal = await admitCall(env, req.accountId, callId, { keepInboundReserve: req.keepInboundReserve ?? false });
  if (refusal) return refuse(refusal.reason, refusal.message);

  // From here on the call holds a slot: until Twilio has the call, whatever fails gives it back with the row.
  const session = callSession(env, callId);
  let recorded = false;
  try {
    const row = await insertCall(env, { id: callId, accountId: req.accountId, agentId: req.agentId, agentVersion: agent.version, direction: "outbound", from: req.from, to: req.to, twilioCallSid: null, status: "queued" });
    recorded = true;
    const meta: CallMeta = { callId, accountId: req.accountId, agentId: req.agentId, agentVersion: agent.version, direction: "outbound", from: req.from, to: req.to, callSid: null, createdAt: row.createdAt, publicBaseUrl: req.publicBaseUrl };
    await session.prepare(meta, req.variables);
    await req.beforeTwilio?.(callId);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "outbound call failed after admission; released", call_id: callId, account_id: req.accountId, error: String(err) }));
    await giveBackCall(env, waitUntil, { id: callId, accountId: req.accountId, callSid: null, direction: "outbound" }, recorded, req.requestId ?? "");
    throw err;
  }
  const base = req.publicBaseUrl;
  let twilioCall: TwilioCall;
  try {
    twilioCall = await twilioClient(env, creds).createCall({
      to: req.to,
      from: req.from,
      url: `${base}/twilio/voice?call_id=${callId}`,
      statusCallback: `${base}/twilio/status/${callId}`,
      // Leaving a message means waiting for the beep; hanging up on a machine only needs the first verdict.
      machineDetection: req.machineDetection ? (agent.config.voicemail.action === "leave_message" ? "DetectMessageEnd" : "Enable") : undefined,
      timeLimitSeconds: agent.config.max_call_duration_s + 60,
    });
  } catch (err) {
    // Refused by Twilio, or Twilio not reached at all (network, timeout): either way no call will report back,
    // so the record is failed and its concurrency slot released here.
    const reason = err instanceof TwilioApiError ? `twilio_error:${err.code ?? err.status}` : "twilio_unreachable";
    // A 5xx or no answer at all may hide a call Twilio did create (its Calls API has no idempotency key).
    if (req.keepUnconfirmed && !(err instanceof TwilioApiError && err.status < 500)) return { kind: "provider_failed", callId, reason, error: err, unconfirmed: true };
    await session.finalize({ status: "failed", endReason: reason, durationSeconds: null });
    await auditCallRefusal(env, waitUntil, req.accountId, { reason, to: req.to, from: req.from, direction: "outbound" }, req.requestId ?? undefined);
    return { kind: "provider_failed", callId, reason, error: err };
  }
  await session.setCallSid(twilioCall.sid);
  return { kind: "placed", callId, callSid: twilioCall.sid, agentVersion: agent.version };
}

function consentDetail(reason: ConsentReason, type: string): string {
  switch (reason) {
    case "do_not_call":
      return "the callee is on the account's do-not-call list";
    case "opted_out":
      return `the callee opted out of ${type}`;
    case "expired":
      return `the callee's ${type} consent has expired; record a new consent first`;
    default:
      return `no ${type} consent is recorded for the callee; record it with POST /v1/consent first`;
  }
}
