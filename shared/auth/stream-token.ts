import { jwtVerify, SignJWT } from "jose";
import { tokenKey } from "./token-keys.ts";

/**
 * The token in the TwiML `<Parameter name="token">` that binds a media stream to one call. The call's Durable
 * Object processes no audio until the stream's `start` message carries a valid token for its own call id.
 */
const AUDIENCE = "twilio-media-stream";
const ISSUER = "voice-webhook";
export const STREAM_TOKEN_TTL_S = 120;

export const mintStreamToken = async (secret: string, callId: string, ttlSeconds = STREAM_TOKEN_TTL_S) =>
  new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(callId)
    .setAudience(AUDIENCE)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(await tokenKey(secret, "media-stream"));

export type StreamTokenCheck = { ok: true } | { ok: false; reason: "missing" | "invalid" | "expired" | "wrong_call" };

export async function verifyStreamToken(secret: string, token: string | undefined, callId: string): Promise<StreamTokenCheck> {
  if (!token) return { ok: false, reason: "missing" };
  try {
    const { payload } = await jwtVerify(token, await tokenKey(secret, "media-stream"), { audience: AUDIENCE, issuer: ISSUER, algorithms: ["HS256"] });
    return payload.sub === callId ? { ok: true } : { ok: false, reason: "wrong_call" };
  } catch (err) {
    return { ok: false, reason: (err as { code?: string }).code === "ERR_JWT_EXPIRED" ? "expired" : "invalid" };
  }
}
