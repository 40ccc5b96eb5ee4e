import { and, asc, desc, eq, gt } from "drizzle-orm";
import type { Database } from "../../shared/db/client.ts";
import { auditLog } from "../../shared/db/schema.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { isUniqueViolation } from "../../shared/db/errors.ts";

/**
 * Append-only, hash-chained audit log, one chain per account. Each row's hash covers its content and the previous
 * row's hash, so editing or deleting a row breaks every later link. Concurrent appends race on the (account, seq)
 * primary key; the loser re-reads the head and retries, so the chain never forks.
 */
export interface AuditEntry {
  accountId: string;
  actor: string;
  action: string;
  resource?: string | null;
  requestId?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown> | null;
}

export const GENESIS_HASH = "0".repeat(64);

type Row = typeof auditLog.$inferSelect;

const rowHash = (r: Omit<Row, "hash">) =>
  sha256Hex(JSON.stringify([r.prevHash, r.accountId, r.seq, r.actor, r.action, r.resource, r.requestId, r.ip, r.at, r.detail ?? null]));

export async function appendAudit(db: Database, entry: AuditEntry, attempts = 8): Promise<Row> {
  for (let attempt = 1; ; attempt++) {
    const head = await db
      .select({ seq: auditLog.seq, hash: auditLog.hash })
      .from(auditLog)
      .where(eq(auditLog.accountId, entry.accountId))
      .orderBy(desc(auditLog.seq))
      .limit(1)
      .get();
    const base = {
      accountId: entry.accountId,
      seq: (head?.seq ?? 0) + 1,
      actor: entry.actor,
      action: entry.action,
      resource: entry.resource ?? null,
      requestId: entry.requestId ?? null,
      ip: entry.ip ?? null,
      at: new Date().toISOString(),
      detail: entry.detail ?? null,
      prevHash: head?.hash ?? GENESIS_HASH,
    };
    const row = { ...base, hash: await rowHash(base) };
    try {
      await db.insert(auditLog).values(row).run();
      return row;
    } catch (err) {
      if (attempt >= attempts || !isUniqueViolation(err)) throw err;
    }
  }
}

export interface ChainVerification {
  valid: boolean;
  checked: number;
  /** First row whose hash or link does not match. */
  brokenAtSeq?: number;
}

export async function verifyAuditChain(db: Database, accountId: string): Promise<ChainVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let after = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, accountId), gt(auditLog.seq, after)))
      .orderBy(asc(auditLog.seq))
      .limit(500)
      .all();
    for (const row of page) {
      const { hash, ...rest } = row;
      if (row.seq !== expectedSeq || row.prevHash !== prevHash || (await rowHash(rest)) !== hash) {
        return { valid: false, checked: expectedSeq - 1, brokenAtSeq: expectedSeq };
      }
      prevHash = hash;
      expectedSeq++;
    }
    if (page.length < 500) return { valid: true, checked: expectedSeq - 1 };
    after = page[page.length - 1]!.seq;
  }
}
