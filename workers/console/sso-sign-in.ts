import { eq, sql } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { database } from "../../shared/db/client.ts";
import { accounts, users } from "../../shared/db/schema.ts";
import { ApiError } from "../api/problem.ts";
import { JwtRejection, verifyWithJwks } from "../auth/jwks-verify.ts";
import { loginByUser } from "./console-logins.ts";
import { startSession } from "./console-sessions.ts";
import { randomToken } from "./random-token.ts";
import { requireSameOrigin } from "./session-routes.ts";
import { validJson } from "./valid-json.ts";

/**
 * Console sign-in with an SSO provider's OpenID Connect ID token, verified through the same JWKS support as the
 * API's RS256/ES256 tokens (JWKS_URL), against the provider's own issuer and the console's client id as audience
 * (SSO_ISSUER, SSO_AUDIENCE). The token's `email` names an existing user: SSO creates no users (an owner adds them
 * with POST /v1/users), and one email must belong to one user across the platform, as a console login's does.
 *
 * The token is bound to the browser that asked for it: the sign-in page's login URL carries `nonce` = SHA-256 of a
 * secret kept in an HttpOnly cookie, and the exchange takes the token only if its `nonce` claim matches, once (the
 * cookie is cleared by every attempt). A token lifted from another browser, a log or a proxy is worth nothing here.
 */
const SsoSignIn = z.object({ id_token: z.string().min(20).max(8_192) }).strict();

const unauthenticated = (detail: string) => new ApiError("unauthenticated", detail);

/** SSO is on when the provider's keys, issuer and audience and the page to send the browser to are all set. */
export const ssoConfigured = (env: Env) => !!(env.JWKS_URL && env.SSO_ISSUER && env.SSO_AUDIENCE && env.SSO_LOGIN_URL);

export const ssoRoutes = new Hono<{ Bindings: Env }>();

const NONCE_COOKIE = "__Host-console_sso_nonce";
/** Long enough to sign in at the provider, MFA included. */
const NONCE_TTL_S = 600;

ssoRoutes.get("/sso", async (c) => {
  if (!ssoConfigured(c.env)) return c.json({ enabled: false, login_url: null });
  const secret = randomToken();
  setCookie(c, NONCE_COOKIE, secret, { path: "/", secure: true, httpOnly: true, sameSite: "Strict", maxAge: NONCE_TTL_S });
  const loginUrl = new URL(c.env.SSO_LOGIN_URL);
  loginUrl.searchParams.set("nonce", await sha256Hex(secret));
  return c.json({ enabled: true, login_url: loginUrl.toString() });
});

/** The nonce this browser was given, spent: a second exchange in the same browser needs a fresh sign-in. */
async function spendNonce(c: Context<{ Bindings: Env }>): Promise<string | null> {
  const secret = getCookie(c, NONCE_COOKIE);
  deleteCookie(c, NONCE_COOKIE, { path: "/", secure: true });
  return secret ? sha256Hex(secret) : null;
}

ssoRoutes.post("/sign-in/sso", validJson(SsoSignIn), async (c) => {
  requireSameOrigin(c);
  if (!ssoConfigured(c.env)) throw new ApiError("not-found", "SSO sign-in is not configured here; sign in with email and password");
  const expectedNonce = await spendNonce(c);
  let claims;
  try {
    claims = await verifyWithJwks(c.env.JWKS_URL, c.req.valid("json").id_token, { issuer: c.env.SSO_ISSUER, audience: c.env.SSO_AUDIENCE, names: { issuer: "SSO_ISSUER", audience: "SSO_AUDIENCE" } });
  } catch (err) {
    if (err instanceof JwtRejection) throw unauthenticated(err.message);
    throw err;
  }
  if (expectedNonce === null || claims["nonce"] !== expectedNonce) {
    throw unauthenticated("the ID token's nonce does not match this browser's sign-in: start again from the console's sign-in page (a token is taken only by the browser that asked for it, and once)");
  }
  if (typeof claims["email"] !== "string" || claims["email"] === "") throw unauthenticated("the ID token carries no `email` claim; ask the provider to include the email scope");
  // Providers that say whether they checked the address: an unchecked one could name anybody's user.
  if (claims["email_verified"] === false) throw unauthenticated("the provider has not verified this email address");
  const email = claims["email"].trim().toLowerCase();
  const matches = await database(c.env.DB)
    .select({ id: users.id, accountId: users.accountId, accountStatus: accounts.status })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(sql`lower(${users.email})`, email))
    .limit(2)
    .all();
  if (matches.length === 0) throw unauthenticated(`no console user has the email ${email}; an owner of your account adds you first (SSO does not create users)`);
  if (matches.length > 1) throw new ApiError("conflict", `${email} belongs to users of several accounts; SSO signs one email in to one account`);
  const user = matches[0]!;
  if (user.accountStatus === "closed") throw unauthenticated("the account is closed");
  // The provider enforces its own factors; a user who turned TOTP on here still gives it, as after a password.
  const stage = (await loginByUser(c.env, user.id))?.totpEnabledAt ? "mfa" : "active";
  await startSession(c, user, stage);
  return c.json({ stage });
});
