import type { Database } from "../../shared/db/client.ts";
import { apiKeys } from "../../shared/db/schema.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { API_KEY_PREFIX_LENGTH, newApiKeyId, newApiKeySecret, withFreshId } from "../../shared/ids.ts";
import type { Scope } from "../auth/scopes.ts";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Creates a key and returns it with its one-time secret; only the hash and a short prefix are stored. */
export async function issueApiKey(
  db: Database,
  input: { accountId: string; name: string; scopes: readonly Scope[]; createdBy: string },
): Promise<{ row: ApiKeyRow; secret: string }> {
  const secret = newApiKeySecret();
  const hash = await sha256Hex(secret);
  const row = await withFreshId(newApiKeyId, (id) =>
    db
      .insert(apiKeys)
      .values({
        id,
        accountId: input.accountId,
        name: input.name,
        prefix: secret.slice(0, API_KEY_PREFIX_LENGTH),
        hash,
        scopes: [...input.scopes],
        createdBy: input.createdBy,
        createdAt: new Date().toISOString(),
      })
      .returning()
      .get(),
  );
  return { row, secret };
}
