import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import { database } from "../../../shared/db/client.ts";
import { calls, phoneNumbers } from "../../../shared/db/schema.ts";
import { ID_PATTERNS, newCallId } from "../../../shared/ids.ts";
import { checkCallingHours } from "../../../shared/phone/calling-hours.ts";
import { zE164 } from "../../../shared/phone/e164.ts";
import type { CallMeta } from "../../../durable-objects/call/call-store.ts";
import type { AppEnv } from "../app-env.ts";
import { admitCall, type RefusalReason } from "../../services/call-admission.ts";
import { auditCallRefusal, callAuditDetail, insertCall } from "../../services/call-records.ts";
import { giveBackCall } from "../../services/call-release.ts";
import { erasedRefusal } from "../../compliance/privacy/phone-tombstone.ts";
import { checkConsent } from "../../services/consent-check.ts";
import { liveAgentVersion } from "../../../shared/agents/live-agent.ts";
import { twilioClient, twilioCredentialsForAccount } from "../../../shared/twilio/twilio-credentials.ts";
import { publicBaseUrl } from "../../twilio/public-url.ts";
import { TwilioApiError, type TwilioCall } from "../../../shared/twilio/twilio-client.ts";
import { callSession } from "../../../shared/calls/call-session-stub.ts";
import type { TwilioFailure } from "../../../durable-objects/call/call-transfer.ts";
import { ApiError, notFound, type ProblemType } from "../problem.ts";
import { IdParam, jsonBody, jsonResponse, resourceApp, securedRoute } from "../route.ts";
import { Call, callView } from "./calls.ts";

const CreateCall = z
  .object({
    agent_id: z.string().regex(ID_PATTERNS.agent, "not a valid agent id"),
    to: zE164,
    from: zE164.openapi({ description: "One of the account's active numbers (the caller ID)." }),
    consent_type: z.enum(["outbound_calls", "marketing"]).default("outbound_calls"),
    variables: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/), z.string().max(1_000)).default({}),
    machine_detection: z.boolean().default(true).openapi({ description: "Detect answering machines and apply the agent's voicemail behaviour." }),
  })
  .strict()
  .openapi("CreateCall");

const Transfer = z
  .object({ to: zE164, mode: z.enum(["cold", "warm"]).default("cold"), announcement: z.string().max(500).optional() })
  .strict()
  .openapi("TransferCall");

const REFUSAL_PROBLEMS: Record<RefusalReason, ProblemType> = {
  account_suspended: "account-suspended",
  insufficient_credit: "insufficient-credit",
  billing_suspended: "billing-suspended",
  concurrency_limit: "concurrency-limit",
};

/** What the API says for refusals whose caller-facing message would not tell a developer what to do. */
const REFUSAL_DETAILS: Partial<Record<RefusalReason, string>> = {
  concurrency_limit: "the account is at its concurrent-call limit; retry when a call ends",
  insufficient_credit: "the account's spendable credit (its balance less what calls in progress reserve) cannot cover a new call; top up, or retry when a call ends",
  billing_suspended: "the account's billing is suspended; calls are refused until it is active again",
};

export const callControlApi = resourceApp();

/** Refuses an outbound call: audited with its reason, answered as problem+json. */
async function refuse(c: Context<AppEnv>, problem: ProblemType, reason: string, detail: string, body: { to: string; from: string }): Promise<never> {
  await auditCallRefusal(c.env, (p) => c.executionCtx.waitUntil(p), c.get("principal").accountId, { reason, to: body.to, from: body.from, direction: "outbound" }, c.get("requestId"));
  throw new ApiError(problem, detail, { reason });
}

callControlApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/calls",
    tags: ["Calls"],
    summary: "Place an outbound call (requires the callee's recorded, unexpired consent)",
    description:
      "Refused with 403 `consent-required` when the callee has no opted-in, unexpired consent of `consent_type` or is on the do-not-call list; 403 `calling-hours` outside 08:00–21:00 in the callee's local time (US numbers, by area code); 429 `concurrency-limit` at the account's limit; 402 `insufficient-credit` when a prepaid account's spendable credit cannot cover the call's reservation; 402 `billing-suspended` while the account's billing is suspended. Twilio's own errors come back as `provider-error` with `twilio_code`.",
    request: jsonBody(CreateCall),
    responses: { 201: jsonResponse(Call, "The call, queued at Twilio.") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);

    const fromNumber = await db
      .select({ id: phoneNumbers.id })
      .from(phoneNumbers)
      .where(and(eq(phoneNumbers.accountId, accountId), eq(phoneNumbers.e164, body.from), eq(phoneNumbers.status, "active")))
      .get();
    if (!fromNumber) throw new ApiError("validation-error", `${body.from} is not one of this account's active numbers`, { errors: [{ path: "from", message: "not an account number" }] });
    const agent = await liveAgentVersion(c.env, accountId, body.agent_id);
    if (!agent) throw new ApiError("validation-error", "the agent does not exist, is archived, or was never published", { errors: [{ path: "agent_id", message: "no live version" }] });

    const now = new Date();
    const checked = await checkConsent(db, accountId, body.to, body.consent_type, now);
    // An erased callee's refusals outlive their records (workers/compliance/privacy/phone-tombstone.ts).
    const erased = checked.allowed ? await erasedRefusal(db, c.env.ENCRYPTION_KEY, accountId, body.to, body.consent_type, checked.record?.capturedAt ?? null) : null;
    const consent = erased ? { allowed: false, reason: erased } : checked;
    if (!consent.allowed) await refuse(c, "consent-required", `consent_${consent.reason}`, consentDetail(consent.reason, body.consent_type), body);
    const hours = checkCallingHours(body.to, now);
    if (!hours.allowed) {
      await refuse(c, "calling-hours", `calling_hours_${hours.reason}`, hours.reason === "unknown_area_code" ? "the callee's area code is unknown, so its local time cannot be checked" : `it is ${hours.localTimes.join(" / ")} for the callee; calls are allowed 08:00–21:00 local time`, body);
    }
    const creds = await twilioCredentialsForAccount(c.env, accountId);
    if (!creds) throw new ApiError("conflict", "store the account's Twilio credentials first (PUT /v1/accounts/me/credentials/twilio)");

    const callId = newCallId();
    const refusal = await admitCall(c.env, accountId, callId);
    if (refusal) await refuse(c, REFUSAL_PROBLEMS[refusal.reason], refusal.reason, REFUSAL_DETAILS[refusal.reason] ?? refusal.message, body);

    // From here on the call holds a slot: until Twilio has the call, whatever fails gives it back with the row.
    const session = callSession(c.env, callId);
    let recorded = false;
    try {
      const row = await insertCall(c.env, { id: callId, accountId, agentId: body.agent_id, agentVersion: agent.version, direction: "outbound", from: body.from, to: body.to, twilioCallSid: null, status: "queued" });
      recorded = true;
      const meta: CallMeta = { callId, accountId, agentId: body.agent_id, agentVersion: agent.version, direction: "outbound", from: body.from, to: body.to, callSid: null, createdAt: row.createdAt, publicBaseUrl: publicBaseUrl(c.env, c.req.raw) };
      await session.prepare(meta, body.variables);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", message: "outbound call failed after admission; released", call_id: callId, account_id: accountId, error: String(err) }));
      await giveBackCall(c.env, (p) => c.executionCtx.waitUntil(p), { id: callId, accountId, callSid: null, direction: "outbound" }, recorded, c.get("requestId"));
      throw err;
    }
    const base = publicBaseUrl(c.env, c.req.raw);
    let twilioCall: TwilioCall;
    try {
      twilioCall = await twilioClient(c.env, creds).createCall({
        to: body.to,
        from: body.from,
        url: `${base}/twilio/voice?call_id=${callId}`,
        statusCallback: `${base}/twilio/status/${callId}`,
        // Leaving a message means waiting for the beep; hanging up on a machine only needs the first verdict.
        machineDetection: body.machine_detection ? (agent.config.voicemail.action === "leave_message" ? "DetectMessageEnd" : "Enable") : undefined,
        timeLimitSeconds: agent.config.max_call_duration_s + 60,
      });
    } catch (err) {
      // Refused by Twilio, or Twilio not reached at all (network, timeout): either way no call will report back,
      // so the record is failed and its concurrency slot released here.
      const reason = err instanceof TwilioApiError ? `twilio_error:${err.code ?? err.status}` : "twilio_unreachable";
      await session.finalize({ status: "failed", endReason: reason, durationSeconds: null });
      await auditCallRefusal(c.env, (p) => c.executionCtx.waitUntil(p), accountId, { reason, to: body.to, from: body.from, direction: "outbound" }, c.get("requestId"));
      if (err instanceof TwilioApiError) {
        throw new ApiError("provider-error", `Twilio refused the call: ${err.message}`, { status: err.status >= 500 ? 502 : 422, twilio_code: err.code, more_info: err.moreInfo, call_id: callId });
      }
      throw new ApiError("provider-error", `Twilio could not be reached (${err instanceof Error ? err.message : String(err)}); the call was not placed, retry later`, { status: 502, reason, call_id: callId });
    }
    await session.setCallSid(twilioCall.sid);
    // The placed call and its audit entry commit last, so the answer is what happened.
    const detail = await callAuditDetail(c.env, accountId, { to: body.to, from: body.from, agent_version: agent.version, consent_type: body.consent_type, direction: "outbound" });
    const [[updated]] = await c.var.audit.commit([db.update(calls).set({ twilioCallSid: twilioCall.sid }).where(eq(calls.id, callId)).returning()], { resource: callId, detail });
    return c.json(callView(updated!), 201);
  },
);

function consentDetail(reason: string, type: string): string {
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

const callParams = IdParam(ID_PATTERNS.call, "CAL-7KQ2M9XD4HTV2R");

async function liveCall(c: Context<AppEnv>, id: string) {
  const accountId = c.get("principal").accountId;
  const call = await database(c.env.DB).select().from(calls).where(and(eq(calls.id, id), eq(calls.accountId, accountId))).get();
  if (!call) throw notFound("call");
  if (!["queued", "initiated", "ringing", "in-progress"].includes(call.status) || !call.twilioCallSid) {
    throw new ApiError("conflict", `the call is ${call.status}; only a live call can be controlled`);
  }
  const creds = await twilioCredentialsForAccount(c.env, accountId);
  if (!creds) throw new ApiError("conflict", "the account has no Twilio credentials");
  return { call, twilio: twilioClient(c.env, creds) };
}

/** Twilio's refusal of a call-control request, as problem+json with Twilio's own code. */
function twilioProblem(action: string, callId: string, failure: TwilioFailure): ApiError {
  return new ApiError("provider-error", `Twilio refused to ${action}: ${failure.message}`, {
    status: failure.status >= 500 ? 502 : 422,
    twilio_code: failure.code,
    more_info: failure.moreInfo ?? undefined,
    call_id: callId,
  });
}

callControlApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/calls/{id}/hangup",
    tags: ["Calls"],
    summary: "Hang up a live call",
    description: "Twilio's own errors come back as `provider-error` with `twilio_code`.",
    request: { params: callParams },
    responses: { 202: jsonResponse(Call, "Hang-up requested; the final status arrives by Twilio's callback.") },
  }),
  async (c) => {
    const { call, twilio } = await liveCall(c, c.req.valid("param").id);
    const session = callSession(c.env, call.id);
    await session.recordEvent("call.hangup_requested", { by: c.get("principal").actor });
    try {
      // `completed` hangs up a call in any live state; the stored status can lag behind Twilio's.
      await twilio.updateCall(call.twilioCallSid!, { status: "completed" });
    } catch (err) {
      if (!(err instanceof TwilioApiError)) throw err;
      // 20404: Twilio says the call has already ended; finish it here rather than report an error.
      if (err.code !== 20404) throw twilioProblem("hang up the call", call.id, { status: err.status, code: err.code, message: err.message, moreInfo: err.moreInfo ?? null });
      await session.finalize({ status: "completed", endReason: "hangup_requested", durationSeconds: null });
    }
    await c.var.audit.commit([]);
    return c.json(callView(call), 202);
  },
);

callControlApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/calls/{id}/transfer",
    tags: ["Calls"],
    summary: "Transfer a live call to another number (cold: hand over; warm: conference with a briefing)",
    description:
      "Cold: the caller is dialled straight through to `to`. Warm: the caller waits in a conference while `to` is called; when it answers, the agent briefs it in its own voice, then it joins the caller. If `to` is busy, does not answer or fails, the caller comes back to the agent. Every step is a call event. Twilio's own errors come back as `provider-error` with `twilio_code`; 409 while another transfer is under way.",
    request: { params: callParams, ...jsonBody(Transfer) },
    responses: { 202: jsonResponse(Call, "Transfer started.") },
  }),
  async (c) => {
    const { call } = await liveCall(c, c.req.valid("param").id);
    const body = c.req.valid("json");
    const result = await callSession(c.env, call.id).transfer({ to: body.to, mode: body.mode, announcement: body.announcement, requestedBy: c.get("principal").actor });
    if (!result.ok) throw "conflict" in result ? new ApiError("conflict", result.conflict) : twilioProblem("transfer the call", call.id, result.twilio);
    await c.var.audit.commit([], {
      detail: { to: await c.var.audit.phone(body.to), mode: body.mode, ...(result.value.target_call_sid ? { target_call_sid: result.value.target_call_sid } : {}) },
    });
    return c.json(callView(call), 202);
  },
);
