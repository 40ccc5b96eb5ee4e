import { mintStreamToken } from "../auth/stream-token.ts";
import { twiml } from "./twiml.ts";

/** The media-stream URL for a call: wss:// in production, ws:// when the platform itself is served over http. */
export function streamUrl(baseUrl: string, callId: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/twilio/stream/${callId}`;
}

/**
 * The TwiML that connects a call to its Durable Object, with a token binding the stream to this call. Answered by
 * the voice webhook, and sent by the call's object itself when a failed warm transfer takes the caller back.
 */
export async function connectTwiml(jwtSecret: string, baseUrl: string, callId: string): Promise<string> {
  return twiml({
    verb: "Connect",
    action: `${baseUrl}/twilio/stream-ended/${callId}`,
    stream: { url: streamUrl(baseUrl, callId), name: "agent", parameters: { call_id: callId, token: await mintStreamToken(jwtSecret, callId) } },
  });
}
