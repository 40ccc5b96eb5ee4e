import { connectTwiml } from "../../shared/twilio/connect-twiml.ts";
import { callerHoldTwiml, targetJoinTwiml, transferUrls } from "../../shared/twilio/transfer-twiml.ts";
import { callTwilio, transferCallerId } from "./call-transfer.ts";
import type { CallMeta } from "./call-store.ts";

const RING_TIMEOUT_S = 30;
/** How long the target may ring (Twilio's own timeout) plus a margin for its status callback. */
export const DIAL_DEADLINE_MS = (RING_TIMEOUT_S + 15) * 1000;

/**
 * The Twilio REST requests of a warm transfer, one per step. Each looks the tenant's credentials up itself, so a
 * missing credential fails the step that needed it like any other Twilio refusal.
 */
export class TransferLegs {
  constructor(
    private readonly env: Env,
    private readonly meta: CallMeta,
  ) {}

  /** The caller waits on hold in the transfer's conference (which closes the agent's media stream). */
  async holdCaller(callerSid: string): Promise<void> {
    await (await callTwilio(this.env, this.meta)).updateCall(callerSid, { twiml: callerHoldTwiml(this.meta.callId) });
  }

  /** Rings the target; its answer and status come back to the transfer webhooks. Returns its CallSid. */
  async dialTarget(to: string): Promise<string> {
    const urls = transferUrls(this.meta.publicBaseUrl, this.meta.callId);
    const target = await (await callTwilio(this.env, this.meta)).createCall({
      to,
      from: transferCallerId(this.meta),
      url: urls.answer,
      statusCallback: urls.status,
      statusCallbackEvents: ["answered", "completed"],
      timeoutSeconds: RING_TIMEOUT_S,
    });
    return target.sid;
  }

  /** The briefed target joins the conference, which starts it: the caller comes off hold. */
  async bridgeTarget(targetSid: string): Promise<void> {
    await (await callTwilio(this.env, this.meta)).updateCall(targetSid, { twiml: targetJoinTwiml(this.meta.callId) });
  }

  async hangUp(callSid: string): Promise<void> {
    await (await callTwilio(this.env, this.meta)).updateCall(callSid, { status: "completed" });
  }

  /** The caller leaves the conference for a new media stream to the agent (a failed transfer). */
  async returnCaller(callerSid: string): Promise<void> {
    await (await callTwilio(this.env, this.meta)).updateCall(callerSid, { twiml: await connectTwiml(this.env.JWT_SECRET, this.meta.publicBaseUrl, this.meta.callId) });
  }
}
