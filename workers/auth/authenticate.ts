import { and, eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from "jose";
import { database, nowIso } from "../../shared/db/client.ts";
import { accounts, apiKeys, users } from "../../shared/db/schema.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { timingSafeEqual } from "../../shared/crypto/timing-safe-equal.ts";
import { tokenKey } from "../../shared/auth/token-keys.ts";
import { IsolateMemo } from "../../shared/cache/isolate-memo.ts";
import { ApiError } from "../api/problem.ts";
import type { AppEnv } from "../api/app-env.ts";
import { jwtRejection, JwtRejection, verifyWithJwks } from "./jwks-verify.ts";
import type { Principal } from "./principal.ts";
import { ROLE_SCOPES, type Scope } from "./scopes.ts";

const LAST_USED_RESOLUTION_MS = 60_000;
/**
 * API keys already checked, by hash: every request otherwise costs a D1 round trip before its handler starts.
 * Revoking a key or closing an account clears it here at once; another isolate may accept it for ≤ 5 s more.
 */
const checkedKeys = new IsolateMemo<Principal>({ ttlMs: 5_000, maxEntries: 1_000 });

/** Called when a key is revoked or its account closed, so this isolate stops accepting it now. */
export const forgetApiKeys = (match: { keyId?: string; accountId?: string }) =>
  checkedKeys.deleteWhere((p) => p.accountId === match.accountId || (match.keyId !== undefined && p.actor === `key:${match.keyId}`));

const unauthenticated = (detail: string) =>
  new ApiError("unauthenticated", detail, { headers: { "www-authenticate": 'Bearer realm="api"' } });

/**
 * Resolves `Authorization: Bearer …` to a Principal: an API key (`ayb_live_…`, looked up by hash) or a JWT for a
 * dashboard user (HS256 with the dashboard key derived from JWT_SECRET, or RS256/ES256 against JWKS_URL for SSO). The user's role is read from
 * the database, not the token, so a demotion or removal takes effect at once.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) throw unauthenticated("send `Authorization: Bearer <api key or token>`");
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthenticated("the Authorization header must be `Bearer <api key or token>`");
  const token = match[1]!;
  const principal = token.startsWith("ayb_") ? await apiKeyPrincipal(c.env, token, c.executionCtx) : await jwtPrincipal(c.env, token);
  c.set("principal", principal);
  await next();
};

async function apiKeyPrincipal(env: Env, key: string, ctx: { waitUntil(promise: Promise<unknown>): void }): Promise<Principal> {
  const hash = await sha256Hex(key);
  const known = checkedKeys.get(hash);
  if (known) return known;
  const db = database(env.DB);
  const row = await db
    .select({ id: apiKeys.id, accountId: apiKeys.accountId, scopes: apiKeys.scopes, revokedAt: apiKeys.revokedAt, lastUsedAt: apiKeys.lastUsedAt, accountStatus: accounts.status })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .where(eq(apiKeys.hash, hash))
    .get();
  if (!row) throw unauthenticated("the API key is not valid");
  if (row.revokedAt) throw unauthenticated("the API key was revoked; create a new one");
  if (row.accountStatus === "closed") throw unauthenticated("the account is closed");
  if (!row.lastUsedAt || Date.now() - Date.parse(row.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
    ctx.waitUntil(db.update(apiKeys).set({ lastUsedAt: nowIso() }).where(eq(apiKeys.id, row.id)).run());
  }
  const principal: Principal = { accountId: row.accountId, actor: `key:${row.id}`, kind: "api_key", scopes: new Set(row.scopes as Scope[]) };
  checkedKeys.set(hash, principal);
  return principal;
}

/**
 * A token must expire, and not too far ahead: a leaked token is otherwise good for ever. The lifetime counts from
 * `iat`, or from now when there is none or it lies in the future (a forged `iat` would shorten it on paper).
 */
function checkLifetime(env: Env, payload: JWTPayload): void {
  const maxLifetimeS = Number(env.JWT_MAX_LIFETIME_S);
  if (!(maxLifetimeS > 0)) throw new Error("JWT_MAX_LIFETIME_S must be a positive number of seconds");
  const nowS = Math.floor(Date.now() / 1000);
  const lifetimeS = payload.exp! - Math.min(payload.iat ?? nowS, nowS);
  if (lifetimeS > maxLifetimeS) {
    throw unauthenticated(`the token is valid for ${lifetimeS} s; tokens may live at most ${maxLifetimeS} s (exp − iat): issue one that expires sooner`);
  }
}

async function verifyJwt(env: Env, token: string): Promise<JWTPayload> {
  const payload = await verifySignature(env, token);
  checkLifetime(env, payload);
  return payload;
}

async function verifySignature(env: Env, token: string): Promise<JWTPayload> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw unauthenticated("the bearer token is neither an API key nor a JWT");
  }
  const expected = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE, names: { issuer: "JWT_ISSUER", audience: "JWT_AUDIENCE" } };
  if (alg === "HS256") {
    try {
      return (await jwtVerify(token, await tokenKey(env.JWT_SECRET, "dashboard"), { issuer: expected.issuer, audience: expected.audience, requiredClaims: ["exp"], algorithms: ["HS256"] })).payload;
    } catch (err) {
      throw unauthenticated(jwtRejection(err as { code?: string; claim?: string; message: string }, expected.names));
    }
  }
  if (alg === "RS256" || alg === "ES256") {
    if (!env.JWKS_URL) throw unauthenticated(`${alg} tokens need JWKS_URL to be configured`);
    try {
      return await verifyWithJwks(env.JWKS_URL, token, expected);
    } catch (err) {
      if (err instanceof JwtRejection) throw unauthenticated(err.message);
      throw err;
    }
  }
  throw unauthenticated(`unsupported token algorithm ${alg}; use HS256, RS256 or ES256`);
}

async function jwtPrincipal(env: Env, token: string): Promise<Principal> {
  const payload = await verifyJwt(env, token);
  const accountId = payload["account_id"];
  if (typeof payload.sub !== "string" || typeof accountId !== "string") {
    throw unauthenticated("the token must carry `sub` (user id) and `account_id` claims");
  }
  const user = await database(env.DB)
    .select({ id: users.id, role: users.role, accountStatus: accounts.status })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(eq(users.id, payload.sub), eq(users.accountId, accountId)))
    .get();
  if (!user) throw unauthenticated("the token's user does not exist in that account");
  if (user.accountStatus === "closed") throw unauthenticated("the account is closed");
  return { accountId, actor: `user:${user.id}`, kind: "user", role: user.role, scopes: new Set(ROLE_SCOPES[user.role]) };
}

/** Route guard: the principal must hold `scope`. */
export const requireScope =
  (scope: Scope): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    if (!c.get("principal").scopes.has(scope)) {
      throw new ApiError("forbidden", `this route needs the \`${scope}\` scope`, { required_scope: scope });
    }
    await next();
  };

/** Operator routes (tenant bootstrap) are guarded by the OPERATOR_SECRET, compared in constant time. */
export const requireOperator: MiddlewareHandler<AppEnv> = async (c, next) => {
  const given = c.req.header("x-operator-secret") ?? "";
  // Hashed first, so the comparison does not reveal the secret's length either.
  const [a, b] = await Promise.all([sha256Hex(given), sha256Hex(c.env.OPERATOR_SECRET ?? "")]);
  const matches = timingSafeEqual(a, b) && given.length > 0 && !!c.env.OPERATOR_SECRET;
  if (!matches) throw unauthenticated("operator routes need a valid `X-Operator-Secret` header");
  // The handler names the account it acts on (for the audit log and idempotency) once it knows it.
  c.set("principal", { accountId: "", actor: "operator", kind: "operator", scopes: new Set() });
  await next();
};
