import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { timingSafeEqual } from "../../shared/crypto/timing-safe-equal.ts";
import { database, nowIso } from "../../shared/db/client.ts";
import { consoleSessions } from "../../shared/db/console-schema.ts";
import { accounts, users } from "../../shared/db/schema.ts";
import { ApiError } from "../api/problem.ts";
import type { Role } from "../auth/scopes.ts";
import { randomToken } from "./random-token.ts";

/** Sessions end after 30 minutes without a request that uses them (a token mint counts). */
export const SESSION_IDLE_MS = 30 * 60_000;
/**
 * `__Host-`: the browser only accepts it Secure, on this exact host, with Path=/, so a sibling subdomain cannot
 * plant or overwrite it. Browsers treat http://localhost and 127.0.0.1 as secure, so it works locally too.
 */
export const SESSION_COOKIE = "__Host-console_session";

export type SessionStage = (typeof consoleSessions.stage.enumValues)[number];

export interface ConsoleSession {
  id: string;
  userId: string;
  accountId: string;
  email: string;
  name: string | null;
  role: Role;
  stage: SessionStage;
  csrfToken: string;
}

export async function startSession(c: Context<{ Bindings: Env }>, user: { id: string; accountId: string }, stage: SessionStage): Promise<void> {
  const token = randomToken();
  const now = nowIso();
  await database(c.env.DB)
    .insert(consoleSessions)
    .values({ id: `SES-${randomToken().slice(0, 16)}`, tokenHash: await sha256Hex(token), userId: user.id, accountId: user.accountId, stage, csrfToken: randomToken(), userAgent: c.req.header("user-agent")?.slice(0, 200) ?? null, createdAt: now, lastSeenAt: now })
    .run();
  setCookie(c, SESSION_COOKIE, token, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
}

/**
 * The request's live session, or null: unknown, revoked, idle too long, or its user removed. Reading it counts as
 * activity, so the idle clock restarts.
 */
export async function currentSession(c: Context<{ Bindings: Env }>): Promise<ConsoleSession | null> {
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  const db = database(c.env.DB);
  const row = await db
    .select({ id: consoleSessions.id, userId: consoleSessions.userId, accountId: consoleSessions.accountId, stage: consoleSessions.stage, csrfToken: consoleSessions.csrfToken, lastSeenAt: consoleSessions.lastSeenAt, email: users.email, name: users.name, role: users.role, accountStatus: accounts.status })
    .from(consoleSessions)
    .innerJoin(users, eq(users.id, consoleSessions.userId))
    .innerJoin(accounts, eq(accounts.id, consoleSessions.accountId))
    .where(and(eq(consoleSessions.tokenHash, await sha256Hex(token)), isNull(consoleSessions.revokedAt)))
    .get();
  if (!row || row.accountStatus === "closed" || Date.now() - Date.parse(row.lastSeenAt) > SESSION_IDLE_MS) return null;
  await db.update(consoleSessions).set({ lastSeenAt: nowIso() }).where(eq(consoleSessions.id, row.id)).run();
  return { id: row.id, userId: row.userId, accountId: row.accountId, email: row.email, name: row.name, role: row.role, stage: row.stage, csrfToken: row.csrfToken };
}

export async function setSessionStage(env: Env, sessionId: string, stage: SessionStage): Promise<void> {
  await database(env.DB).update(consoleSessions).set({ stage }).where(eq(consoleSessions.id, sessionId)).run();
}

export async function revokeSession(env: Env, userId: string, sessionId: string): Promise<boolean> {
  const done = await database(env.DB)
    .update(consoleSessions)
    .set({ revokedAt: nowIso() })
    .where(and(eq(consoleSessions.id, sessionId), eq(consoleSessions.userId, userId), isNull(consoleSessions.revokedAt)))
    .returning({ id: consoleSessions.id });
  return done.length > 0;
}

export const clearSessionCookie = (c: Context) => deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });

const signedOut = () => new ApiError("unauthenticated", "sign in to the console first (the session is missing, revoked or idle for over 30 minutes)");

/**
 * The session a request needs, at the stage it needs. State-changing requests must echo the session's CSRF token
 * in `X-CSRF-Token`: a cross-site form cannot read it, and the SameSite=Strict cookie is the second line.
 */
export async function requireSession(c: Context<{ Bindings: Env }>, stages: SessionStage[] = ["active"]): Promise<ConsoleSession> {
  const session = await currentSession(c);
  if (!session) throw signedOut();
  if (c.req.method !== "GET" && !timingSafeEqual(c.req.header("x-csrf-token") ?? "", session.csrfToken)) {
    throw new ApiError("forbidden", "the X-CSRF-Token header is missing or does not match this session; reload the console");
  }
  if (!stages.includes(session.stage)) {
    throw new ApiError("forbidden", session.stage === "mfa" ? "enter your authentication code first" : "this account requires two-factor authentication: set it up first", { stage: session.stage });
  }
  return session;
}
