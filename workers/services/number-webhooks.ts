import { twilioClient, twilioCredentialsForAccount } from "../../shared/twilio/twilio-credentials.ts";
import { TwilioApiError } from "../../shared/twilio/twilio-client.ts";
import { ApiError } from "../api/problem.ts";

/** The webhooks a Twilio number needs to reach the platform, from its public base URL. */
export const platformWebhooks = (baseUrl: string) => ({ voiceUrl: `${baseUrl}/twilio/voice`, statusCallback: `${baseUrl}/twilio/status` });

export async function tenantTwilio(env: Env, accountId: string) {
  const creds = await twilioCredentialsForAccount(env, accountId);
  if (!creds) throw new ApiError("conflict", "store the account's Twilio credentials first (PUT /v1/accounts/me/credentials/twilio)");
  return twilioClient(env, creds);
}

/** Twilio's refusal as the API's problem: its code kept, 4xx as the request's fault, 5xx as the provider's. */
export function providerProblem(err: unknown, what: string): never {
  if (err instanceof TwilioApiError) {
    throw new ApiError("provider-error", `Twilio refused to ${what}: ${err.message}`, { status: err.status >= 500 ? 502 : 422, twilio_code: err.code, more_info: err.moreInfo });
  }
  throw err;
}

/** Points a Twilio number's Voice URL and status callback at the platform (or, with `baseUrl` null, clears them). */
export async function pointTwilioNumber(env: Env, accountId: string, numberSid: string, baseUrl: string | null): Promise<void> {
  const twilio = await tenantTwilio(env, accountId);
  const hooks = baseUrl ? platformWebhooks(baseUrl) : { voiceUrl: "", statusCallback: "" };
  try {
    await twilio.configureNumber(numberSid, hooks.voiceUrl, hooks.statusCallback);
  } catch (err) {
    providerProblem(err, baseUrl ? "point the number at the platform" : "clear the number's webhooks");
  }
}

/** Buys `e164` on the tenant's Twilio with its webhooks already pointed at the platform; returns Twilio's SID. */
export async function buyTwilioNumber(env: Env, accountId: string, e164: string, baseUrl: string): Promise<string> {
  const twilio = await tenantTwilio(env, accountId);
  const hooks = platformWebhooks(baseUrl);
  const bought = await twilio.buyNumber(e164, hooks.voiceUrl, hooks.statusCallback).catch((err) => providerProblem(err, "sell this number"));
  return bought.sid;
}

/**
 * The SID of `e164` on the tenant's Twilio, looked up by phone number, so an import always re-points the number it
 * records: a `providerSid` naming any other number is refused, and a number the account does not have is reported.
 */
export async function twilioNumberSid(env: Env, accountId: string, e164: string, providerSid: string | undefined): Promise<string> {
  const twilio = await tenantTwilio(env, accountId);
  const found = await twilio.findNumber(e164).catch((err) => providerProblem(err, "look up the number"));
  if (!found || found.phone_number !== e164) {
    throw new ApiError("validation-error", `${e164} is not a number of the account's Twilio; buy it (omit source) or add it at Twilio first`, { errors: [{ path: "e164", message: "not on the account's Twilio" }] });
  }
  if (providerSid !== undefined && providerSid !== found.sid) {
    throw new ApiError("validation-error", `provider_sid ${providerSid} is not ${e164} at Twilio (that number is ${found.sid}); omit provider_sid or correct it`, { errors: [{ path: "provider_sid", message: "names another number" }] });
  }
  return found.sid;
}
