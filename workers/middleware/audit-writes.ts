import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../api/app-env.ts";
import { AuditedCommit } from "../api/audited-commit.ts";
import { ApiError } from "../api/problem.ts";

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Gives every write handler its `audit` commit (see AuditedCommit), so the write and its audit entry are one D1
 * batch. A successful write that did not commit through it is a route that forgot its audit: answered 500 and
 * logged, so the route-walking tests catch it the day it is written. Replays by the idempotency middleware
 * (inside this one) run no handler and write nothing, so they need no entry.
 */
export const auditWrites: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!WRITE_METHODS.has(c.req.method)) return next();
  const audit = new AuditedCommit(c);
  c.set("audit", audit);
  await next();
  if (c.res.status >= 400 || c.res.headers.get("idempotent-replayed") || audit.committed) return;
  console.error(JSON.stringify({ level: "error", message: "write answered without an audit entry", method: c.req.method, path: c.req.path }));
  throw new ApiError("internal", "the write was not recorded in the audit log");
};
