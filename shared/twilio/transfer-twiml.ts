import { mintStreamToken } from "../auth/stream-token.ts";
import { twiml } from "./twiml.ts";

/** The Twilio conference a warm transfer bridges the caller and the target in. */
export const transferConference = (callId: string) => `transfer-${callId}`;

/** The briefing stream's token names this subject: a caller-stream token cannot open it, nor the reverse. */
export const briefingTokenSubject = (callId: string) => `${callId}:briefing`;

/** The platform's URLs for a warm transfer's target leg (Twilio signs every request to them). */
export function transferUrls(baseUrl: string, callId: string) {
  const base = `${baseUrl}/twilio/transfer/${callId}`;
  return { answer: `${base}/answer`, status: `${base}/status`, briefingEnded: `${base}/briefing-ended`, stream: `${base.replace(/^http/, "ws")}/stream` };
}

/**
 * The caller's leg while the target is called and briefed: on hold in the conference, which it does not start.
 * Leaving it (taken back to the agent when the transfer fails) must not end it; once bridged, the conference ends
 * when the target hangs up, and so does the caller's call.
 */
export const callerHoldTwiml = (callId: string) =>
  twiml({ verb: "Dial", conference: { name: transferConference(callId), startConferenceOnEnter: false, endConferenceOnExit: false } }, { verb: "Hangup" });

/** The target's leg after the briefing: it starts the conference (the caller comes off hold) and ends it on leaving. */
export const targetJoinTwiml = (callId: string) =>
  twiml({ verb: "Dial", conference: { name: transferConference(callId), startConferenceOnEnter: true, endConferenceOnExit: true } });

/**
 * The target's leg once it answers: a media stream to the call's own Durable Object in the briefing role, where
 * the agent speaks the briefing. Should that stream drop, `<Connect action>` still gets the target into the call.
 */
export async function briefingTwiml(jwtSecret: string, baseUrl: string, callId: string): Promise<string> {
  const urls = transferUrls(baseUrl, callId);
  return twiml({
    verb: "Connect",
    action: urls.briefingEnded,
    stream: { url: urls.stream, name: "briefing", parameters: { call_id: callId, role: "briefing", token: await mintStreamToken(jwtSecret, briefingTokenSubject(callId)) } },
  });
}
