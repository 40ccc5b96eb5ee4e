import { eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { database } from "../../shared/db/client.ts";
import { accounts, users } from "../../shared/db/schema.ts";
import { ApiError } from "../api/problem.ts";
import { JwtRejection, verifyWithJwks } from "../auth/jwks-verify.ts";
import { loginByUser } from "./console-logins.ts";
import { startSession } from "./console-sessions.ts";
import { requireSameOrigin } from "./session-routes.ts";
import { validJson } from "./valid-json.ts";

/**
 * Console sign-in with an SSO provider's OpenID Connect ID token, verified through the same JWKS support as the
 * API's RS256/ES256 tokens (JWKS_URL), against the provider's own issuer and the console's client id as audience
 * (SSO_ISSUER, SSO_AUDIENCE). The token's `email` names an existing user: SSO creates no users (an owner adds them
 * with POST /v1/users), and one email must belong to one user across the platform, as a console login's does.
 */
const SsoSignIn = z.object({ id_token: z.string().min(20).max(8_192) }).strict();

const unauthenticated = (detail: string) => new ApiError("unauthenticated", detail);

/** SSO is on when the provider's keys, issuer and audience and the page to send the browser to are all set. */
export const ssoConfigured = (env: Env) => !!(env.JWKS_URL && env.SSO_ISSUER && env.SSO_AUDIENCE && env.SSO_LOGIN_URL);

export const ssoRoutes = new Hono<{ Bindings: Env }>();

ssoRoutes.get("/sso", (c) => c.json({ enabled: ssoConfigured(c.env), login_url: ssoConfigured(c.env) ? c.env.SSO_LOGIN_URL : null }));

ssoRoutes.post("/sign-in/sso", validJson(SsoSignIn), async (c) => {
  requireSameOrigin(c);
  if (!ssoConfigured(c.env)) throw new ApiError("not-found", "SSO sign-in is not configured here; sign in with email and password");
  let claims;
  try {
    claims = await verifyWithJwks(c.env.JWKS_URL, c.req.valid("json").id_token, { issuer: c.env.SSO_ISSUER, audience: c.env.SSO_AUDIENCE, names: { issuer: "SSO_ISSUER", audience: "SSO_AUDIENCE" } });
  } catch (err) {
    if (err instanceof JwtRejection) throw unauthenticated(err.message);
    throw err;
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
