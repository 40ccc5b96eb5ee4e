import { and, eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { providerCredentials } from "../db/schema.ts";
import { IsolateMemo } from "../cache/isolate-memo.ts";
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

/**
 * Every webhook and stream upgrade of a call reads its tenant's credentials. The isolate keeps the sealed rows (never
 * the decrypted token) for a few seconds, and a burst of calls to one account shares one read. A write in this
 * isolate forgets them at once (`forgetTwilioCredentials`); other isolates see a replaced token within the TTL.
 */
const rowsMemo = new IsolateMemo<Row[]>({ ttlMs: 5_000, maxEntries: 1_000 });

const cachedRows = async (key: string, read: () => Promise<Row[]>): Promise<Row[]> =>
  (await rowsMemo.load(key, async () => {
    const rows = await read();
    return rows.length > 0 ? rows : undefined;
  })) ?? [];

/** Drops what this isolate keeps for the account (its rows, under any Account SID it had or now has). */
export function forgetTwilioCredentials(accountId: string, accountSid: string): void {
  rowsMemo.deleteWhere((rows) => rows.some((r) => r.accountId === accountId));
  rowsMemo.delete(`sid:${accountSid}`);
}

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
  const rows = await cachedRows(`sid:${accountSid}`, () =>
    database(env.DB)
      .select()
      .from(providerCredentials)
      .where(and(eq(providerCredentials.provider, "twilio"), eq(providerCredentials.externalId, accountSid)))
      .all(),
  );
  return open(env, rows);
}

export async function twilioCredentialsForAccount(env: Env, accountId: string): Promise<TwilioCredentials | undefined> {
  const rows = await cachedRows(`account:${accountId}`, () =>
    database(env.DB)
      .select()
      .from(providerCredentials)
      .where(and(eq(providerCredentials.accountId, accountId), eq(providerCredentials.provider, "twilio")))
      .all(),
  );
  return (await open(env, rows))[0];
}

export const twilioClient = (env: Env, creds: TwilioCredentials) => new TwilioClient(env.TWILIO_API_BASE_URL, creds.accountSid, creds.authToken);
