import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import { database } from "../../../shared/db/client.ts";
import { calls } from "../../../shared/db/schema.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { zE164 } from "../../../shared/phone/e164.ts";
import type { AppEnv } from "../app-env.ts";
import type { RefusalReason } from "../../../shared/calls/call-admission.ts";
import { callAuditDetail, type CallRow } from "../../../shared/calls/call-records.ts";
import { dialOutbound, type DialRefusalReason } from "../../../shared/calls/outbound-dial.ts";
import { TRIAL_DETAILS } from "../../../shared/compliance/trial-gates.ts";
import { twilioClient, twilioCredentialsForAccount } from "../../../shared/twilio/twilio-credentials.ts";
import { publicBaseUrl } from "../../twilio/public-url.ts";
import { principalUserId } from "../../auth/principal.ts";
import { TwilioApiError } from "../../../shared/twilio/twilio-client.ts";
import { callRecordsDbOf, callSession, regionOfCall } from "../../../shared/residency/residency.ts";
import type { TwilioFailure } from "../../../durable-objects/call/call-transfer.ts";
import { ApiError, notFound, type ProblemType } from "../problem.ts";
import { IdParam, jsonBody, jsonResponse, resourceApp, securedRoute } from "../route.ts";
import { Call, callView } from "./calls.ts";

const CreateCall = z
  .object({
    agent_id: z.string().regex(ID_PATTERNS.agent, "not a valid agent id"),
    to: zE164,
    from: zE164.openapi({ description: "One of the account's active numbers (the caller ID)." }),
    consent_type: z
      .enum(["outbound_calls", "marketing", "self_test"])
      .default("outbound_calls")
      .openapi({ description: "`self_test`: a signed-in user calls their own verified number (`POST /v1/users/{id}/phone`) to try an agent; refused for any other number and for API keys." }),
    variables: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/), z.string().max(1_000)).default({}),
    machine_detection: z.boolean().default(true).openapi({ description: "Detect answering machines and apply the agent's voicemail behaviour." }),
  })
  .strict()
  .openapi("CreateCall");

const Transfer = z
  .object({ to: zE164, mode: z.enum(["cold", "warm"]).default("cold"), announcement: z.string().max(500).optional() })
  .strict()
  .openapi("TransferCall");

const GATE_PROBLEMS: Record<RefusalReason, ProblemType> = {
  account_suspended: "account-suspended",
  trial_minutes_exhausted: "verification-required",
  // Inbound only (a call to a trial account's second number); listed so every gate refusal has its problem.
  trial_number_limit: "verification-required",
  insufficient_credit: "insufficient-credit",
  billing_suspended: "billing-suspended",
  concurrency_limit: "concurrency-limit",
};

/** What the API says for refusals whose caller-facing message would not tell a developer what to do. */
const REFUSAL_DETAILS: Partial<Record<RefusalReason, string>> = {
  concurrency_limit: "the account is at its concurrent-call limit; retry when a call ends",
  insufficient_credit: "the account's spendable credit (its balance less what calls in progress reserve) cannot cover a new call; top up, or retry when a call ends",
  billing_suspended: "the account's billing is suspended; calls are refused until it is active again",
  trial_minutes_exhausted: TRIAL_DETAILS.minutes,
};

const refusalProblem = (reason: DialRefusalReason): ProblemType =>
  reason === "verification_required"
    ? "verification-required"
    : reason.startsWith("consent_") || reason === "self_test_not_own_number" ? "consent-required" : reason.startsWith("calling_hours_") ? "calling-hours" : GATE_PROBLEMS[reason as RefusalReason];

export const callControlApi = resourceApp();

callControlApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/calls",
    tags: ["Calls"],
    summary: "Place an outbound call (requires the callee's recorded, unexpired consent)",
    description:
      "Refused with 403 `consent-required` when the callee has no opted-in, unexpired consent of `consent_type` or is on the do-not-call list, or a `self_test` call is not to the calling user's own verified number (`reason`: `self_test_not_own_number`); 403 `calling-hours` outside 08:00–21:00 in the callee's local time (US numbers, by area code); 429 `concurrency-limit` at the account's limit; 402 `insufficient-credit` when a prepaid account's spendable credit cannot cover the call's reservation; 402 `billing-suspended` while the account's billing is suspended; 403 `verification-required` when an account on trial calls a number it has not verified (`/v1/verified-numbers`) or has used its trial minutes. Twilio's own errors come back as `provider-error` with `twilio_code`.",
    request: jsonBody(CreateCall),
    responses: { 201: jsonResponse(Call, "The call, queued at Twilio.") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const accountId = c.get("principal").accountId;

    const result = await dialOutbound(c.env, (p) => c.executionCtx.waitUntil(p), {
      accountId,
      agentId: body.agent_id,
      to: body.to,
      from: body.from,
      consentType: body.consent_type,
      userId: principalUserId(c.get("principal")),
      variables: body.variables,
      machineDetection: body.machine_detection,
      publicBaseUrl: publicBaseUrl(c.env, c.req.raw),
      requestId: c.get("requestId"),
    });
    if (result.kind === "rejected") {
      if (result.field === "credentials") throw new ApiError("conflict", result.detail);
      throw new ApiError("validation-error", result.detail, { errors: [{ path: result.field, message: result.field === "from" ? "not an account number" : "no live version" }] });
    }
    if (result.kind === "refused") throw new ApiError(refusalProblem(result.reason), REFUSAL_DETAILS[result.reason as RefusalReason] ?? result.detail, { reason: result.reason });
    if (result.kind === "provider_failed") {
      const err = result.error;
      if (err instanceof TwilioApiError) {
        throw new ApiError("provider-error", `Twilio refused the call: ${err.message}`, { status: err.status >= 500 ? 502 : 422, twilio_code: err.code, more_info: err.moreInfo, call_id: result.callId });
      }
      throw new ApiError("provider-error", `Twilio could not be reached (${err instanceof Error ? err.message : String(err)}); the call was not placed, retry later`, { status: 502, reason: result.reason, call_id: result.callId });
    }
    const { callId, callSid, agentVersion } = result;
    // The placed call and its audit entry commit last, so the answer is what happened.
    const detail = await callAuditDetail(c.env, accountId, { to: body.to, from: body.from, agent_version: agentVersion, consent_type: body.consent_type, direction: "outbound" });
    const setSid = database(callRecordsDbOf(c.env, callId)).update(calls).set({ twilioCallSid: callSid }).where(eq(calls.id, callId)).returning();
    let updated: CallRow | undefined;
    if (regionOfCall(callId) === "us") [[updated]] = await c.var.audit.commit([setSid], { resource: callId, detail });
    else {
      // An EU call's record is in DB_EU, which the audit entry's batch cannot span: the record is written first.
      [updated] = await setSid.all();
      await c.var.audit.commit([], { resource: callId, detail });
    }
    return c.json(callView(updated!), 201);
  },
);

const callParams = IdParam(ID_PATTERNS.call, "CAL-7KQ2M9XD4HTV2R");

async function liveCall(c: Context<AppEnv>, id: string) {
  const accountId = c.get("principal").accountId;
  const call = await database(callRecordsDbOf(c.env, id)).select().from(calls).where(and(eq(calls.id, id), eq(calls.accountId, accountId))).get();
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
