import { Hono, type Context } from "hono";
import type { AppEnv } from "../api/app-env.ts";
import { twimlResponse } from "../../shared/twilio/twiml.ts";
import { streamUpgrade, verifiedCall } from "./call-callbacks.ts";
import { callSession } from "../../shared/residency/residency.ts";

/**
 * A warm transfer's target leg calls back here (`/twilio/transfer/{callId}/…`, signed by the call's Twilio
 * account); each request becomes a step of the call object's transfer state machine.
 */
async function targetLeg(c: Context<AppEnv>, kind: "answered" | "briefing-ended" | "status"): Promise<Response> {
  const v = await verifiedCall(c);
  if (v instanceof Response) return v;
  const callSid = v.params.get("CallSid") ?? "";
  const session = callSession(c.env, v.call.id);
  const reply = await session.transferTargetLeg(kind === "status" ? { kind, callSid, status: v.params.get("CallStatus") ?? "" } : { kind, callSid });
  return reply.twiml === null ? c.body(null, 204) : twimlResponse(reply.twiml);
}

export const transferRoutes = new Hono<AppEnv>()
  // The target answered: its TwiML streams it to the call's object, which briefs it.
  .post("/:callId/answer", (c) => targetLeg(c, "answered"))
  // The briefing stream ended without the object moving the target on (`<Connect action>`).
  .post("/:callId/briefing-ended", (c) => targetLeg(c, "briefing-ended"))
  .post("/:callId/status", (c) => targetLeg(c, "status"))
  // The briefing stream: signed like the caller's stream; the object tells the two apart by this path.
  .get("/:callId/stream", streamUpgrade);
