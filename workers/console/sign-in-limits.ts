import { and, count, eq, gt, inArray, lt } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { consoleSignInFailures } from "../../shared/db/console-schema.ts";
import { ApiError } from "../api/problem.ts";

/**
 * Failed sign-ins are counted per account email and per client IP over a sliding window. The email limit stops a
 * guess at one password from many addresses; the IP limit stops one host from spraying many accounts.
 */
export const SIGN_IN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 20;

const keysFor = (email: string, ip: string) => ({ email: `email:${email}`, ip: `ip:${ip}` });

export const clientIp = (headers: Headers) => headers.get("cf-connecting-ip") ?? "local";

/** Throws a 429 when either counter is full, before any password work is spent. */
export async function checkSignInAllowed(env: Env, email: string, ip: string, nowMs = Date.now()): Promise<void> {
  const keys = keysFor(email, ip);
  const since = new Date(nowMs - SIGN_IN_WINDOW_MS).toISOString();
  const rows = await database(env.DB)
    .select({ key: consoleSignInFailures.key, n: count() })
    .from(consoleSignInFailures)
    .where(and(inArray(consoleSignInFailures.key, [keys.email, keys.ip]), gt(consoleSignInFailures.at, since)))
    .groupBy(consoleSignInFailures.key)
    .all();
  const failures = new Map(rows.map((r) => [r.key, r.n]));
  if ((failures.get(keys.email) ?? 0) >= MAX_FAILURES_PER_EMAIL || (failures.get(keys.ip) ?? 0) >= MAX_FAILURES_PER_IP) {
    const retryAfterS = Math.ceil(SIGN_IN_WINDOW_MS / 1000);
    throw new ApiError("rate-limited", `too many failed sign-ins; try again in ${retryAfterS / 60} minutes`, { headers: { "retry-after": String(retryAfterS) } });
  }
}

export async function recordSignInFailure(env: Env, email: string, ip: string, nowMs = Date.now()): Promise<void> {
  const keys = keysFor(email, ip);
  const at = new Date(nowMs).toISOString();
  const db = database(env.DB);
  await db.batch([
    db.insert(consoleSignInFailures).values([{ key: keys.email, at }, { key: keys.ip, at }]),
    // Old rows are pruned as new ones arrive, so the table stays the size of one window.
    db.delete(consoleSignInFailures).where(lt(consoleSignInFailures.at, new Date(nowMs - SIGN_IN_WINDOW_MS).toISOString())),
  ]);
}

/** A successful sign-in clears the account's counter (not the IP's: one good password must not reset a spray). */
export async function clearEmailFailures(env: Env, email: string): Promise<void> {
  await database(env.DB).delete(consoleSignInFailures).where(eq(consoleSignInFailures.key, keysFor(email, "").email)).run();
}
