import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { SignJWT } from "jose";
import { z } from "zod";
import { tokenKey } from "../../shared/auth/token-keys.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { database, nowIso } from "../../shared/db/client.ts";
import { consoleInvites, consoleLogins, consoleSessions } from "../../shared/db/console-schema.ts";
import { users } from "../../shared/db/schema.ts";
import { ApiError } from "../api/problem.ts";
import { ROLE_SCOPES } from "../auth/scopes.ts";
import { accountRequiresMfa } from "./console-api.ts";
import { loginByEmail, loginByUser, useSecondFactor } from "./console-logins.ts";
import { clearSessionCookie, currentSession, requireSession, revokeSession, setSessionStage, startSession, type SessionStage } from "./console-sessions.ts";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./password-hash.ts";
import { validJson } from "./valid-json.ts";
import { checkSignInAllowed, clearEmailFailures, clientIp, recordSignInFailure } from "./sign-in-limits.ts";

/** Bearer tokens the console mints for `/v1`: short, so a token lifted from the page's memory is soon worthless. */
export const CONSOLE_TOKEN_TTL_S = 5 * 60;

type ConsoleEnv = { Bindings: Env };

const Password = z.string().min(12, "use at least 12 characters").max(256, "use at most 256 characters");
const SignIn = z.object({ email: z.string().trim().toLowerCase().max(320), password: z.string().max(256) }).strict();
const SecondFactor = z.object({ code: z.string().trim().min(6).max(20) }).strict();
const AcceptInvite = z.object({ token: z.string().min(20).max(100), password: Password }).strict();

/**
 * Requests without a session (sign-in, accepting an invitation) must come from the console's own origin: the
 * browser sets `Origin` on every cross-site POST, and no page elsewhere may sign a victim into an attacker's login.
 */
export function requireSameOrigin(c: Context<ConsoleEnv>): void {
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) throw new ApiError("forbidden", "cross-site requests are refused");
}

async function stageAfterPassword(env: Env, login: { totpEnabledAt: string | null }, accountId: string): Promise<SessionStage> {
  if (login.totpEnabledAt) return "mfa";
  return (await accountRequiresMfa(env, accountId)) ? "mfa_setup" : "active";
}

export const sessionRoutes = new Hono<ConsoleEnv>();

sessionRoutes.post("/sign-in", validJson(SignIn), async (c) => {
  requireSameOrigin(c);
  const { email, password } = c.req.valid("json");
  const ip = clientIp(c.req.raw.headers);
  await checkSignInAllowed(c.env, email, ip);
  const login = await loginByEmail(c.env, email);
  const user = login && (await database(c.env.DB).select().from(users).where(eq(users.id, login.userId)).get());
  const ok = await verifyPassword(password, login ? { hash: login.passwordHash, salt: login.passwordSalt, iterations: login.passwordIterations } : DUMMY_HASH);
  if (!login || !user || !ok) {
    await recordSignInFailure(c.env, email, ip);
    throw new ApiError("unauthenticated", "the email or password is wrong");
  }
  const stage = await stageAfterPassword(c.env, login, user.accountId);
  // The email's counter is cleared once the second factor is given too, so a stolen password cannot reset it.
  if (stage !== "mfa") await clearEmailFailures(c.env, email);
  await startSession(c, user, stage);
  return c.json({ stage });
});

sessionRoutes.post("/sign-in/second-factor", validJson(SecondFactor), async (c) => {
  const session = await requireSession(c, ["mfa"]);
  const ip = clientIp(c.req.raw.headers);
  await checkSignInAllowed(c.env, session.email, ip);
  const login = await loginByUser(c.env, session.userId);
  if (!login || !(await useSecondFactor(c.env, login, c.req.valid("json").code))) {
    await recordSignInFailure(c.env, session.email, ip);
    throw new ApiError("unauthenticated", "that code is not valid; enter the current code from your authenticator app or an unused recovery code", { errors: [{ path: "code", message: "not valid" }] });
  }
  await clearEmailFailures(c.env, session.email);
  await setSessionStage(c.env, session.id, "active");
  return c.json({ stage: "active" });
});

sessionRoutes.get("/session", async (c) => {
  const session = await currentSession(c);
  if (!session) throw new ApiError("unauthenticated", "not signed in");
  const login = await loginByUser(c.env, session.userId);
  return c.json({
    user: { id: session.userId, email: session.email, name: session.name, role: session.role },
    account_id: session.accountId,
    stage: session.stage,
    scopes: ROLE_SCOPES[session.role],
    mfa_enabled: !!login?.totpEnabledAt,
    csrf_token: session.csrfToken,
  });
});

sessionRoutes.post("/sign-out", async (c) => {
  const session = await requireSession(c, ["mfa", "mfa_setup", "active"]);
  await revokeSession(c.env, session.userId, session.id);
  clearSessionCookie(c);
  return c.body(null, 204);
});

sessionRoutes.post("/token", async (c) => {
  const session = await requireSession(c);
  const expiresAtS = Math.floor(Date.now() / 1000) + CONSOLE_TOKEN_TTL_S;
  const token = await new SignJWT({ account_id: session.accountId, sid: session.id })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(session.userId)
    .setIssuer(c.env.JWT_ISSUER)
    .setAudience(c.env.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresAtS)
    .sign(await tokenKey(c.env.JWT_SECRET, "dashboard"));
  c.header("cache-control", "no-store");
  return c.json({ token, expires_at: new Date(expiresAtS * 1000).toISOString() });
});

sessionRoutes.get("/sessions", async (c) => {
  const session = await requireSession(c);
  const rows = await database(c.env.DB)
    .select()
    .from(consoleSessions)
    .where(and(eq(consoleSessions.userId, session.userId), isNull(consoleSessions.revokedAt), gt(consoleSessions.lastSeenAt, new Date(Date.now() - 30 * 60_000).toISOString())))
    .orderBy(desc(consoleSessions.lastSeenAt))
    .all();
  return c.json({ data: rows.map((r) => ({ id: r.id, user_agent: r.userAgent, created_at: r.createdAt, last_seen_at: r.lastSeenAt, current: r.id === session.id })) });
});

sessionRoutes.delete("/sessions/:id", async (c) => {
  const session = await requireSession(c);
  if (!(await revokeSession(c.env, session.userId, c.req.param("id")))) throw new ApiError("not-found", "no such live session of yours");
  return c.body(null, 204);
});

sessionRoutes.post("/invitations/accept", validJson(AcceptInvite), async (c) => {
  requireSameOrigin(c);
  const { token, password } = c.req.valid("json");
  const db = database(c.env.DB);
  const invite = await db.select().from(consoleInvites).where(eq(consoleInvites.tokenHash, await sha256Hex(token))).get();
  if (!invite || invite.acceptedAt || Date.parse(invite.expiresAt) < Date.now()) {
    throw new ApiError("unauthenticated", "this invitation link is not valid any more; ask an owner to send a new one");
  }
  const user = await db.select().from(users).where(eq(users.id, invite.userId)).get();
  if (!user) throw new ApiError("unauthenticated", "the invited user was removed");
  const other = await loginByEmail(c.env, user.email);
  if (other && other.userId !== user.id) throw new ApiError("conflict", `${user.email} already signs in to another account; one console login per email for now`);
  const hashed = await hashPassword(password);
  const credentials = { passwordHash: hashed.hash, passwordSalt: hashed.salt, passwordIterations: hashed.iterations };
  const [accepted] = await db.batch([
    db.update(consoleInvites).set({ acceptedAt: nowIso() }).where(and(eq(consoleInvites.tokenHash, invite.tokenHash), isNull(consoleInvites.acceptedAt))).returning(),
    // A repeated invitation resets the password of an existing login: that is how a forgotten password is reset.
    db.insert(consoleLogins).values({ userId: user.id, email: user.email, ...credentials, recoveryCodes: [], createdAt: nowIso() }).onConflictDoUpdate({ target: consoleLogins.userId, set: credentials }),
  ]);
  if (accepted.length === 0) throw new ApiError("conflict", "this invitation was just used");
  const login = (await loginByUser(c.env, user.id))!;
  const stage = await stageAfterPassword(c.env, login, user.accountId);
  await startSession(c, user, stage);
  return c.json({ stage });
});
