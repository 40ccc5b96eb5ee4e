import { and, eq, lt } from "drizzle-orm";
import { SecretBox } from "../../shared/crypto/secret-box.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { database, nowIso } from "../../shared/db/client.ts";
import { oauthStates } from "../../shared/db/integrations-schema.ts";
import { codeChallenge, randomToken } from "../../shared/integrations/pkce.ts";

/** How long a connect flow may take between the authorize URL and the callback. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;

const verifierContext = (stateHash: string) => `oauth-state:${stateHash}`;

export interface StartedFlow {
  state: string;
  codeChallenge: string;
  expiresAt: string;
  /** The nonce for the starting browser's cookie; only its SHA-256 is stored. */
  browserNonce: string;
}

/**
 * Starts a connect flow: a fresh state, PKCE verifier and browser nonce, stored (hashed, sealed) for the account and
 * actor. The account's expired flows are deleted on the way; the scheduled sweep takes everyone else's.
 */
export async function startFlow(
  env: Pick<Env, "DB" | "ENCRYPTION_KEY">,
  flow: { accountId: string; actor: string; integration: string; redirectUri: string; returnTo?: string | null },
  now = Date.now(),
): Promise<StartedFlow> {
  const state = randomToken();
  const verifier = randomToken();
  const browserNonce = randomToken();
  const stateHash = await sha256Hex(state);
  const expiresAt = new Date(now + OAUTH_STATE_TTL_MS).toISOString();
  const db = database(env.DB);
  await db.batch([
    db.delete(oauthStates).where(and(eq(oauthStates.accountId, flow.accountId), lt(oauthStates.expiresAt, new Date(now).toISOString()))),
    db.insert(oauthStates).values({
      stateHash,
      ...flow,
      bindingHash: await sha256Hex(browserNonce),
      codeVerifier: await new SecretBox(env.ENCRYPTION_KEY).seal(verifier, verifierContext(stateHash)),
      expiresAt,
      createdAt: nowIso(),
    }),
  ]);
  return { state, codeChallenge: await codeChallenge(verifier), expiresAt, browserNonce };
}

export interface ConsumedFlow {
  accountId: string;
  actor: string;
  integration: string;
  redirectUri: string;
  codeVerifier: string;
  bindingHash: string;
  returnTo: string | null;
}

/**
 * Takes a flow by its state, once: the row is deleted as it is read, so a replayed callback finds nothing. An
 * expired flow is taken (and so deleted) but not answered.
 */
export async function consumeFlow(env: Pick<Env, "DB" | "ENCRYPTION_KEY">, state: string, now = Date.now()): Promise<ConsumedFlow | undefined> {
  const stateHash = await sha256Hex(state);
  const [row] = await database(env.DB).delete(oauthStates).where(eq(oauthStates.stateHash, stateHash)).returning();
  if (!row || Date.parse(row.expiresAt) <= now) return undefined;
  const codeVerifier = await new SecretBox(env.ENCRYPTION_KEY).open(row.codeVerifier, verifierContext(stateHash));
  const { accountId, actor, integration, redirectUri, bindingHash, returnTo } = row;
  return { accountId, actor, integration, redirectUri, codeVerifier, bindingHash, returnTo };
}

/** The scheduled sweep: deletes every account's flows that expired before `now` (abandoned at the vendor). */
export async function purgeExpiredFlows(env: Pick<Env, "DB">, now: Date): Promise<number> {
  const deleted = await database(env.DB).delete(oauthStates).where(lt(oauthStates.expiresAt, now.toISOString())).returning({ stateHash: oauthStates.stateHash });
  return deleted.length;
}

