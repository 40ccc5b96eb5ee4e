import type { Context } from "hono";
import { routePath } from "hono/route";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { database } from "../../shared/db/client.ts";
import { auditInsert } from "../../shared/audit/audit-entry.ts";
import { phonePseudonym } from "../../shared/audit/phone-pseudonym.ts";
import { settleAuditChain } from "../services/audit-log.ts";
import type { AppEnv } from "./app-env.ts";

export interface AuditOptions {
  /** What the write touched, when the path's `:id` does not name it. */
  resource?: string;
  detail?: Record<string, unknown>;
  /** The account whose chain records the write (operator routes name it; tenants write their own). */
  accountId?: string;
  /** The last statement's `WHERE` may match nothing (a refused conditional write): then no entry is written. */
  ifChanged?: boolean;
}

/**
 * A write request's one way to commit: its statements and its audit entry go to D1 as one batch, so the write
 * and its record commit together or not at all. The entry's action is the route template
 * (`POST /v1/agents/:id/publish`), its actor the caller. The audit middleware hands every write handler one of
 * these, and refuses to pass a successful write that never committed through it. API writes wait for their
 * entry to be chained (a few milliseconds); the call path only pokes the chainer (shared/audit/audit-entry.ts).
 */
export class AuditedCommit {
  readonly #c: Context<AppEnv>;
  #committed = false;

  constructor(c: Context<AppEnv>) {
    this.#c = c;
  }

  get committed(): boolean {
    return this.#committed;
  }

  /** How this account's audit entries name a caller's or callee's number (never the number itself). */
  phone(e164: string): Promise<string> {
    return phonePseudonym(this.#c.env.ENCRYPTION_KEY, this.#c.get("principal").accountId, e164);
  }

  async commit<T extends BatchItem<"sqlite">[]>(statements: [...T], opts: AuditOptions = {}): Promise<BatchResponse<T>> {
    const c = this.#c;
    const principal = c.get("principal");
    const accountId = opts.accountId ?? principal.accountId;
    const db = database(c.env.DB);
    const entry = auditInsert(
      db,
      {
        accountId,
        actor: principal.actor,
        action: `${c.req.method} ${routePath(c, -1)}`,
        resource: opts.resource ?? c.req.param("id") ?? null,
        requestId: c.get("requestId"),
        ip: c.req.header("cf-connecting-ip") ?? null,
        detail: opts.detail ?? null,
      },
      { ifPreviousChanged: opts.ifChanged },
    );
    const results = await db.batch([...statements, entry] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    this.#committed = true;
    // Chained before the answer, so a client that reads the log next finds its write there. The write stands
    // whatever chaining does: a chainer that fails retries on its own alarm.
    await settleAuditChain(c.env, accountId);
    return results.slice(0, statements.length) as BatchResponse<T>;
  }
}
