import { verifyTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { recordSecurityEvent } from "../../shared/db/security-events.ts";
import { twilioCredentialsBySid, type TwilioCredentials } from "../../shared/twilio/twilio-credentials.ts";
import { publicRequestUrl } from "./public-url.ts";

/** Twilio posts form-encoded parameters; anything else carries none (and is then signed over the URL alone). */
export async function readTwilioForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get("content-type") ?? "";
  return /application\/x-www-form-urlencoded/i.test(type) ? new URLSearchParams(await request.text()) : new URLSearchParams();
}

/** The tenants registered with the request's `AccountSid`: the auth tokens that may have signed it. */
export async function accountSidCandidates(env: Env, params: URLSearchParams): Promise<TwilioCredentials[]> {
  const accountSid = params.get("AccountSid") ?? "";
  return /^AC[0-9a-fA-F]{32}$/.test(accountSid) ? twilioCredentialsBySid(env, accountSid) : [];
}

/**
 * Returns the credentials whose auth token produced `X-Twilio-Signature` over the public URL and these
 * parameters, or undefined after recording a security event. Several tenants may register one Twilio account;
 * every candidate is tried so the answer does not depend on which one matched.
 */
export async function authenticateTwilioRequest(
  env: Env,
  request: Request,
  params: URLSearchParams,
  candidates: TwilioCredentials[],
  ctx: Pick<ExecutionContext, "waitUntil">,
): Promise<TwilioCredentials[]> {
  const url = publicRequestUrl(env, request);
  const signature = request.headers.get("x-twilio-signature");
  const results = await Promise.all(candidates.map((c) => verifyTwilioSignature(c.authToken, url, params, signature)));
  const verified = candidates.filter((_, i) => results[i]);
  if (verified.length === 0) {
    await recordSecurityEvent(env, {
      kind: "twilio_signature_invalid",
      path: new URL(request.url).pathname,
      accountId: candidates.length === 1 ? candidates[0]!.accountId : null,
      ip: request.headers.get("cf-connecting-ip"),
      detail: { account_sid: params.get("AccountSid"), call_sid: params.get("CallSid"), signature_present: !!signature, candidates: candidates.length },
    }, ctx);
  }
  return verified;
}

export const forbidden = () => new Response("invalid Twilio signature", { status: 403, headers: { "content-type": "text/plain" } });
