import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { database } from "../../shared/db/client.ts";
import type { AppEnv } from "../api/app-env.ts";
import { ApiError } from "../api/problem.ts";
import { appendAudit } from "../services/audit-log.ts";

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Appends an audit row for every successful write, so no route can forget to. The action is the route
 * template (`POST /v1/agents/:id/publish`); the resource is what the handler named, else the path's `:id`.
 * Awaited, not deferred: a write whose audit row cannot be stored reports an error instead of passing unseen.
 * It runs outside the idempotency middleware, which has stored the write's response by then: retrying with the
 * same Idempotency-Key replays that response instead of repeating the write.
 */
export const auditWrites: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (!WRITE_METHODS.has(c.req.method) || c.res.status >= 400 || c.res.headers.get("idempotent-replayed")) return;
  const principal = c.get("principal");
  if (!principal?.accountId) return;
  const entry = {
    accountId: principal.accountId,
    actor: principal.actor,
    action: `${c.req.method} ${routePath(c, -1)}`,
    resource: c.get("auditResource") ?? c.req.param("id") ?? null,
    requestId: c.get("requestId"),
    ip: c.req.header("cf-connecting-ip") ?? null,
    detail: c.get("auditDetail") ?? null,
  };
  try {
    await appendAudit(database(c.env.DB), entry);
  } catch (err) {
    console.error("audit append failed", entry, err);
    throw new ApiError(
      "internal",
      "the change was made but its audit entry could not be stored; retry with the same Idempotency-Key to get the result without repeating the change",
    );
  }
};
