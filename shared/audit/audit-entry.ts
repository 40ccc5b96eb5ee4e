import { sql } from "drizzle-orm";
import { database, nowIso, type Database } from "../db/client.ts";
import { insertSelect } from "../db/insert-select.ts";
import { auditPending } from "../db/schema.ts";

/** What one audit entry records; phone numbers of callers and callees go in pseudonymised (phone-pseudonym.ts). */
export interface AuditEntry {
  accountId: string;
  actor: string;
  action: string;
  resource?: string | null;
  requestId?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown> | null;
}

/**
 * The statement that appends an entry to its account's audit chain: put it in the same D1 batch as the write it
 * records, so both commit or neither does. It inserts an unchained entry; the account's AuditChainer gives it
 * its place in the chain (see `pokeAuditChainer`). With `ifPreviousChanged`, the entry is only written when the
 * statement just before it in the batch changed a row (SQLite's `changes()`), for writes whose `WHERE` may match
 * nothing: a refused conditional update then leaves no entry either.
 */
export function auditInsert(db: Database, entry: AuditEntry, opts: { ifPreviousChanged?: boolean } = {}) {
  const values = {
    accountId: entry.accountId,
    actor: entry.actor,
    action: entry.action,
    resource: entry.resource ?? null,
    requestId: entry.requestId ?? null,
    ip: entry.ip ?? null,
    at: nowIso(),
    detail: entry.detail == null ? null : JSON.stringify(entry.detail),
  };
  return insertSelect(db, auditPending, values, opts.ifPreviousChanged ? sql`WHERE changes() > 0` : sql``);
}

/** The account's chainer object; `durable-objects/audit-chainer.ts` explains what it does. */
export const auditChainer = (env: Env, accountId: string) => env.AUDIT_CHAINER.get(env.AUDIT_CHAINER.idFromName(accountId));

/**
 * Asks the account's chainer to chain what is pending, without waiting for it (through `waitUntil`). A lost poke
 * delays chaining until the account's next write or verification; it never loses the entry.
 */
export function pokeAuditChainer(env: Env, waitUntil: (p: Promise<unknown>) => void, accountId: string): void {
  waitUntil(
    auditChainer(env, accountId)
      .poke(accountId)
      .catch((err: unknown) => console.error(JSON.stringify({ level: "error", message: "audit chainer poke failed", account_id: accountId, error: String(err) }))),
  );
}

/** An entry that records no write of its own (a refused call): written alone, then chained like any other. */
export async function recordAudit(env: Env, waitUntil: (p: Promise<unknown>) => void, entry: AuditEntry): Promise<void> {
  await auditInsert(database(env.DB), entry).run();
  pokeAuditChainer(env, waitUntil, entry.accountId);
}
