import { and, eq, lt } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { database } from "../../shared/db/client.ts";
import { idempotencyKeys } from "../../shared/db/schema.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import type { AppEnv } from "../api/app-env.ts";
import { ApiError } from "../api/problem.ts";

/** Printable ASCII, as the OpenAPI spec documents it. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const RETENTION_MS = 24 * 60 * 60 * 1000;
const REPLAYED_HEADERS = ["content-type", "location"];

/**
 * `Idempotency-Key` on POST: the first request's response is stored per (account, key); the same key with the
 * same method, path and body replays it byte for byte (with `Idempotent-Replayed: true`); the same key with a
 * different request is a 422; a key whose first request is still running is a 409. Error responses are not
 * stored, so a retry after a fix re-runs the request. Keys expire after 24 h.
 */
export const idempotency: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (c.req.method !== "POST" || key === undefined) return next();
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new ApiError("validation-error", "Idempotency-Key must be 1–255 printable ASCII characters", {
      errors: [{ path: "header.Idempotency-Key", message: "invalid format" }],
    });
  }
  // Operator requests share one namespace: they act before an account exists.
  const accountId = c.get("principal").accountId || "operator";
  const db = database(c.env.DB);
  const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
  const where = and(eq(idempotencyKeys.accountId, accountId), eq(idempotencyKeys.key, key));

  const createdAt = new Date().toISOString();
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ accountId, key, requestHash, createdAt })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key })
    .get();

  if (!claimed) {
    const stored = await db.select().from(idempotencyKeys).where(where).get();
    if (stored && Date.parse(stored.createdAt) < Date.now() - RETENTION_MS) {
      await db.delete(idempotencyKeys).where(and(where, lt(idempotencyKeys.createdAt, new Date(Date.now() - RETENTION_MS).toISOString()))).run();
      return idempotency(c, next);
    }
    if (!stored) return idempotency(c, next);
    if (stored.requestHash !== requestHash) {
      throw new ApiError("idempotency-key-reused", "this Idempotency-Key was used for a different request; use a new key for a new request");
    }
    if (stored.status === null) throw new ApiError("idempotency-in-progress", "retry after the first request has finished");
    return new Response(stored.responseBody, {
      status: stored.status,
      headers: { ...(stored.responseHeaders ?? {}), "idempotent-replayed": "true", "x-request-id": c.get("requestId") },
    });
  }

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
  const body = await c.res.clone().text();
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = c.res.headers.get(name);
    if (value) headers[name] = value;
  }
  await db.update(idempotencyKeys).set({ status: c.res.status, responseBody: body, responseHeaders: headers }).where(where).run();
};
