import { and, asc, eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { phoneNumbers } from "../db/schema.ts";
import { twilioClient, twilioCredentialsForAccount } from "./twilio-credentials.ts";

export interface SmsRequest {
  to: string;
  body: string;
  /** One of the account's active numbers; by default its oldest (a trial account has only one). */
  from?: string;
}

export type SmsResult =
  | { kind: "sent"; sid: string; from: string }
  /** Nothing was sent: the account cannot text yet, and `detail` says what it needs. */
  | { kind: "rejected"; reason: "credentials" | "from"; detail: string };

/**
 * Texts `to` through the account's own Twilio account, as the outbound dial calls through it: the account's stored
 * credentials, and one of its numbers as the sender. Twilio's refusals are thrown as `TwilioApiError`.
 */
export async function sendSms(env: Env, accountId: string, req: SmsRequest): Promise<SmsResult> {
  // A SIP-trunk number may be on the tenant's Twilio too; Twilio itself refuses one it does not hold (21606).
  const owned = and(eq(phoneNumbers.accountId, accountId), eq(phoneNumbers.status, "active"));
  const sender = await database(env.DB)
    .select({ e164: phoneNumbers.e164 })
    .from(phoneNumbers)
    .where(req.from ? and(owned, eq(phoneNumbers.e164, req.from)) : owned)
    .orderBy(asc(phoneNumbers.createdAt))
    .get();
  if (!sender) return { kind: "rejected", reason: "from", detail: req.from ? `${req.from} is not one of this account's active numbers` : "the account has no active number to text from; buy or import one first" };
  const creds = await twilioCredentialsForAccount(env, accountId);
  if (!creds) return { kind: "rejected", reason: "credentials", detail: "store the account's Twilio credentials first (PUT /v1/accounts/me/credentials/twilio)" };
  const message = await twilioClient(env, creds).sendMessage({ to: req.to, from: sender.e164, body: req.body });
  return { kind: "sent", sid: message.sid, from: sender.e164 };
}
