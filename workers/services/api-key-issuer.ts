import type { Database } from "../../shared/db/client.ts";
import { apiKeys } from "../../shared/db/schema.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { API_KEY_PREFIX_LENGTH, newApiKeyId, newApiKeySecret, withFreshId } from "../../shared/ids.ts";
import type { Scope } from "../auth/scopes.ts";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

interface NewApiKey {
  accountId: string;
  name: string;
  scopes: readonly Scope[];
  createdBy: string;
}

/** A new key's row, to insert in the caller's batch, and its one-time secret; only the hash and a short prefix are stored. */
export async function newApiKey(id: string, input: NewApiKey): Promise<{ values: typeof apiKeys.$inferInsert; secret: string }> {
  const secret = newApiKeySecret();
  const values = {
    id,
    accountId: input.accountId,
    name: input.name,
    prefix: secret.slice(0, API_KEY_PREFIX_LENGTH),
    hash: await sha256Hex(secret),
    scopes: [...input.scopes],
    createdBy: input.createdBy,
    createdAt: new Date().toISOString(),
  };
  return { values, secret };
}

/** Creates a key on its own (no audit entry: for fixtures that set up principals, not for API writes). */
export async function issueApiKey(db: Database, input: NewApiKey): Promise<{ row: ApiKeyRow; secret: string }> {
  return withFreshId(newApiKeyId, async (id) => {
    const { values, secret } = await newApiKey(id, input);
    return { row: await db.insert(apiKeys).values(values).returning().get(), secret };
  });
}
