import { and, eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { providerCredentials } from "../db/schema.ts";
import { SecretBox } from "../crypto/secret-box.ts";
import { TwilioClient } from "./twilio-client.ts";

/** A tenant's Twilio account, with its auth token decrypted for the duration of one request. */
export interface TwilioCredentials {
  accountId: string;
  accountSid: string;
  authToken: string;
}

/** AES-GCM associated data: a token sealed for one tenant does not decrypt as another's. */
export const twilioTokenContext = (accountId: string) => `twilio-auth-token:${accountId}`;

type Row = typeof providerCredentials.$inferSelect;

async function open(env: Env, rows: Row[]): Promise<TwilioCredentials[]> {
  if (rows.length === 0) return [];
  const box = new SecretBox(env.ENCRYPTION_KEY);
  return Promise.all(
    rows.map(async (r) => ({
      accountId: r.accountId,
      accountSid: r.externalId,
      authToken: await box.open({ keyId: r.secretKeyId, ciphertext: r.secretCiphertext }, twilioTokenContext(r.accountId)),
    })),
  );
}

/** Every tenant that registered this Twilio Account SID (normally one; sub-accounts make it exactly one). */
export async function twilioCredentialsBySid(env: Env, accountSid: string): Promise<TwilioCredentials[]> {
  const rows = await database(env.DB)
    .select()
    .from(providerCredentials)
    .where(and(eq(providerCredentials.provider, "twilio"), eq(providerCredentials.externalId, accountSid)))
    .all();
  return open(env, rows);
}

export async function twilioCredentialsForAccount(env: Env, accountId: string): Promise<TwilioCredentials | undefined> {
  const row = await database(env.DB)
    .select()
    .from(providerCredentials)
    .where(and(eq(providerCredentials.accountId, accountId), eq(providerCredentials.provider, "twilio")))
    .get();
  return row ? (await open(env, [row]))[0] : undefined;
}

export const twilioClient = (env: Env, creds: TwilioCredentials) => new TwilioClient(env.TWILIO_API_BASE_URL, creds.accountSid, creds.authToken);
