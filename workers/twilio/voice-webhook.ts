import type { Context } from "hono";
import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { calls } from "../../shared/db/schema.ts";
import { newCallId } from "../../shared/ids.ts";
import { normalizeE164 } from "../../shared/phone/e164.ts";
import type { AppEnv } from "../api/app-env.ts";
import { admitCall, releaseCall } from "../../shared/calls/call-admission.ts";
import { auditCallRefusal, callWithSid, recordAcceptedCall, type CallRow } from "../../shared/calls/call-records.ts";
import { giveBackCall } from "../../shared/calls/call-release.ts";
import { agentVersionConfig, liveAgentVersion } from "../../shared/agents/live-agent.ts";
import { resolveNumberRoute } from "../services/number-routing.ts";
import type { CallMeta } from "../../durable-objects/call/call-store.ts";
import { publicBaseUrl } from "./public-url.ts";
import { accountRegion, callRecordsDbOf, callSession } from "../../shared/residency/residency.ts";
import { connectTwiml } from "../../shared/twilio/connect-twiml.ts";
import { refusalTwiml, twiml, twimlResponse } from "../../shared/twilio/twiml.ts";
import { accountSidCandidates, authenticateTwilioRequest, forbidden, readTwilioForm } from "./webhook-auth.ts";

const NOT_IN_SERVICE = "The number you have called is not in service. Goodbye.";
const UNAVAILABLE = "We cannot take your call right now. Please try again later. Goodbye.";

/** The TwiML that connects a call to its Durable Object, at the public URL this request was sent to. */
export const connectCall = (env: Env, request: Request, callId: string) => connectTwiml(env.JWT_SECRET, publicBaseUrl(env, request), callId);

/**
 * `POST /twilio/voice`, the Voice URL of every number and the `Url` of every outbound call. Verifies the
 * signature with the auth token of the tenant that owns the Twilio account, then routes: number → account →
 * the agent's live version. Calls the platform will not take get a short spoken reason and a hang-up.
 */
export async function voiceWebhook(c: Context<AppEnv>): Promise<Response> {
  const params = await readTwilioForm(c.req.raw);
  const verified = await authenticateTwilioRequest(c.env, c.req.raw, params, await accountSidCandidates(c.env, params), c.executionCtx);
  if (verified.length === 0) return forbidden();

  const callSid = params.get("CallSid");
  const outboundCallId = c.req.query("call_id");
  if (outboundCallId) return answerOutbound(c, outboundCallId, verified.map((v) => v.accountId), params);
  // Twilio retries a webhook that timed out, and a captured request can be replayed: the same CallSid gets the
  // same call, not a second record, object and concurrency slot.
  const known = callSid ? await callWithSid(c.env, callSid, verified.map((v) => v.accountId)) : undefined;
  if (known) return answerKnownCall(c, known);

  const to = normalizeE164(params.get("To") ?? "");
  const from = normalizeE164(params.get("From") ?? "") ?? params.get("From") ?? "unknown";
  const route = to ? await resolveNumberRoute(c.env, to) : null;
  const owner = route && verified.some((v) => v.accountId === route.account_id) ? route : null;
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  // The caller is refused either way: an entry that cannot be stored is logged, never turned into Twilio's error.
  const refuse = async (accountId: string, reason: string, message: string) => {
    await auditCallRefusal(c.env, waitUntil, accountId, { reason, call_sid: callSid, to: to ?? params.get("To") ?? "", from, direction: "inbound" }, c.get("requestId")).catch((err: unknown) =>
      console.error(JSON.stringify({ level: "error", message: "refused call not audited", account_id: accountId, reason, error: String(err) })),
    );
    return twimlResponse(refusalTwiml(message));
  };
  if (!owner) return refuse(verified[0]!.accountId, to ? "unknown_number" : "invalid_number", NOT_IN_SERVICE);
  if (!owner.agent_id) return refuse(owner.account_id, "number_unassigned", NOT_IN_SERVICE);
  const agent = await liveAgentVersion(c.env, owner.account_id, owner.agent_id);
  if (!agent) return refuse(owner.account_id, "agent_not_published", NOT_IN_SERVICE);

  const callId = newCallId(await accountRegion(c.env, owner.account_id));
  const refusal = await admitCall(c.env, owner.account_id, callId, { inboundTo: to! });
  if (refusal) return refuse(owner.account_id, refusal.reason, refusal.message);

  // From here on the call holds a slot: whatever fails gives it back, with the call's row, and the caller hears a
  // short apology rather than Twilio's application error.
  let recorded = false;
  try {
    recorded = await recordAcceptedCall(
      c.env,
      waitUntil,
      { id: callId, accountId: owner.account_id, agentId: owner.agent_id, agentVersion: agent.version, direction: "inbound", from, to: to!, twilioCallSid: callSid, status: "in-progress" },
      c.get("requestId"),
    );
    if (!recorded) {
      // A duplicate delivered in parallel recorded the call first: this one never existed.
      await releaseCall(c.env, owner.account_id, callId);
      const first = await callWithSid(c.env, callSid!, [owner.account_id]);
      return first ? answerKnownCall(c, first) : twimlResponse(refusalTwiml(UNAVAILABLE));
    }
    const meta: CallMeta = { callId, accountId: owner.account_id, agentId: owner.agent_id, agentVersion: agent.version, direction: "inbound", from, to: to!, callSid, createdAt: new Date().toISOString(), publicBaseUrl: publicBaseUrl(c.env, c.req.raw) };
    await callSession(c.env, callId).prepare(meta);
    return twimlResponse(await connectCall(c.env, c.req.raw, callId));
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "inbound call failed after admission; released", call_id: callId, account_id: owner.account_id, error: String(err) }));
    await giveBackCall(c.env, waitUntil, { id: callId, accountId: owner.account_id, callSid, direction: "inbound" }, recorded, c.get("requestId"));
    return twimlResponse(refusalTwiml(UNAVAILABLE));
  }
}

/** A repeated webhook for a call already taken: the same stream again while it is live, a hang-up once it ended. */
async function answerKnownCall(c: Context<AppEnv>, call: CallRow): Promise<Response> {
  if (call.endedAt !== null) return twimlResponse(twiml({ verb: "Hangup" }));
  return twimlResponse(await connectCall(c.env, c.req.raw, call.id));
}

/** An outbound call we created: Twilio fetches its `Url` once the callee answers (with `AnsweredBy` under AMD). */
async function answerOutbound(c: Context<AppEnv>, callId: string, accountIds: string[], params: URLSearchParams): Promise<Response> {
  const records = database(callRecordsDbOf(c.env, callId));
  const row = await records.select().from(calls).where(eq(calls.id, callId)).get();
  if (!row || !accountIds.includes(row.accountId) || row.direction !== "outbound") return twimlResponse(refusalTwiml(NOT_IN_SERVICE));
  const session = callSession(c.env, callId);
  const answeredBy = params.get("AnsweredBy");
  await records
    .update(calls)
    .set({ twilioCallSid: params.get("CallSid") ?? row.twilioCallSid, status: "in-progress", answeredAt: new Date().toISOString(), answeredBy })
    .where(eq(calls.id, callId))
    .run();
  if (answeredBy && /^machine|^fax/.test(answeredBy)) {
    const agent = await agentVersionConfig(c.env, row.accountId, row.agentId, row.agentVersion);
    const voicemail = agent?.config.voicemail;
    await session.machineAnswered(voicemail?.action === "leave_message" ? "voicemail_left" : "answering_machine");
    return twimlResponse(
      voicemail?.action === "leave_message" && voicemail.message ? twiml({ verb: "Say", text: voicemail.message }, { verb: "Hangup" }) : twiml({ verb: "Hangup" }),
    );
  }
  return twimlResponse(await connectCall(c.env, c.req.raw, callId));
}
