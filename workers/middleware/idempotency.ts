import { and, eq, lt } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { database, type Database } from "../../shared/db/client.ts";
import { idempotencyKeys } from "../../shared/db/schema.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import type { AppEnv } from "../api/app-env.ts";
import { ApiError } from "../api/problem.ts";

/** Printable ASCII, as the OpenAPI spec documents it. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
const REPLAYED_HEADERS = ["content-type", "location"];

type StoredRequest = typeof idempotencyKeys.$inferSelect;

export interface IdempotencyOptions {
  /** The success response carries a secret (a key, a token): it is shown once, never stored, never replayed. */
  secretResponse?: boolean;
}

const expiredBefore = (now: Date) => new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS).toISOString();

/** Deletes every stored response older than the retention (the scheduled purge). Returns how many went. */
export async function purgeExpiredIdempotencyKeys(db: Database, now: Date): Promise<number> {
  const gone = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, expiredBefore(now))).returning({ key: idempotencyKeys.key }).all();
  return gone.length;
}

/**
 * `Idempotency-Key` on POST, installed per route after its scope guard (route.ts), so a caller that may not make
 * the request never sees its stored response. The first request's response is stored per (account, key) with the
 * principal that sent it; the same principal with the same method, path and body gets it replayed byte for byte
 * (with `Idempotent-Replayed: true`); another request, or another principal, with that key is a 422; a key whose
 * first request is still running is a 409. A response that carries a secret is stored as a marker only, and its
 * replay is a 409 `secret-already-shown`. Error responses are not stored, so a retry after a fix re-runs the
 * request. Keys expire after 24 h (a scheduled job deletes them).
 */
export const idempotency =
  (options: IdempotencyOptions = {}): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new ApiError("validation-error", "Idempotency-Key must be 1–255 printable ASCII characters", {
        errors: [{ path: "header.Idempotency-Key", message: "invalid format" }],
      });
    }
    const { accountId, actor } = c.get("principal");
    const claim = {
      // Operator requests share one namespace: they act before an account exists.
      accountId: accountId || "operator",
      key,
      principal: actor,
      requestHash: await requestHash(c),
    };
    const db = database(c.env.DB);
    const where = and(eq(idempotencyKeys.accountId, claim.accountId), eq(idempotencyKeys.key, key));

    const stored = await claimKey(db, claim);
    if (stored) return replay(c, stored, claim);

    try {
      await next();
    } catch (err) {
      await db.delete(idempotencyKeys).where(where).run();
      throw err;
    }
    // Like Stripe: only a request that succeeded is remembered; after an error the client fixes it and retries.
    if (c.res.status >= 400) {
      await db.delete(idempotencyKeys).where(where).run();
      return;
    }
    if (options.secretResponse) {
      await db.update(idempotencyKeys).set({ status: c.res.status, secretWithheld: true }).where(where).run();
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = c.res.headers.get(name);
      if (value) headers[name] = value;
    }
    const body = await c.res.clone().text();
    await db.update(idempotencyKeys).set({ status: c.res.status, responseBody: body, responseHeaders: headers }).where(where).run();
  };

/**
 * Hashes the method, path and body's bytes. Read as bytes, not text: a binary upload (a verification document) read
 * as text would be cached as text, and handed back to its handler re-encoded, not as sent. A UTF-8 body hashes as
 * its text did.
 */
async function requestHash(c: Context<AppEnv>): Promise<string> {
  const head = new TextEncoder().encode(`${c.req.method} ${c.req.path}\n`);
  const body = new Uint8Array(await c.req.arrayBuffer());
  const all = new Uint8Array(head.length + body.length);
  all.set(head);
  all.set(body, head.length);
  return sha256Hex(all);
}

/** Claims the key for this request, or returns the live row of an earlier request that holds it. */
async function claimKey(db: Database, claim: Pick<StoredRequest, "accountId" | "key" | "principal" | "requestHash">): Promise<StoredRequest | undefined> {
  const where = and(eq(idempotencyKeys.accountId, claim.accountId), eq(idempotencyKeys.key, claim.key));
  // Each pass either claims the key or finds a holder; it repeats only when the holder vanished in between (its
  // request failed, or it had expired and was just deleted).
  for (;;) {
    const now = new Date();
    const claimed = await db
      .insert(idempotencyKeys)
      .values({ ...claim, createdAt: now.toISOString() })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key })
      .get();
    if (claimed) return undefined;
    const stored = await db.select().from(idempotencyKeys).where(where).get();
    if (!stored) continue;
    if (stored.createdAt >= expiredBefore(now)) return stored;
    // Expired but not yet purged: it no longer counts.
    await db.delete(idempotencyKeys).where(and(where, lt(idempotencyKeys.createdAt, expiredBefore(now)))).run();
  }
}

function replay(c: Context<AppEnv>, stored: StoredRequest, claim: Pick<StoredRequest, "principal" | "requestHash">): Response {
  if (stored.principal !== claim.principal) {
    // Only the principal that made the first request may see its response: another key or user of the same
    // account must not obtain it by guessing or reusing the key.
    throw new ApiError("idempotency-key-reused", "this Idempotency-Key was used by another credential of the account; use a new key for a new request");
  }
  if (stored.requestHash !== claim.requestHash) {
    throw new ApiError("idempotency-key-reused", "this Idempotency-Key was used for a different request; use a new key for a new request");
  }
  if (stored.status === null) throw new ApiError("idempotency-in-progress", "retry after the first request has finished");
  if (stored.secretWithheld) {
    throw new ApiError(
      "secret-already-shown",
      "the first request with this Idempotency-Key succeeded, and its response carried a secret that is shown only once and is not kept; if it was lost, create a new one (with a new Idempotency-Key)",
    );
  }
  return new Response(stored.responseBody, {
    status: stored.status,
    headers: { ...(stored.responseHeaders ?? {}), "idempotent-replayed": "true", "x-request-id": c.get("requestId") },
  });
}
