import { and, asc, desc, eq, gt } from "drizzle-orm";
import type { Database } from "../../shared/db/client.ts";
import { auditHeads, auditLog } from "../../shared/db/schema.ts";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { isUniqueViolation } from "../../shared/db/errors.ts";

/**
 * Append-only, hash-chained audit log, one chain per account. Each row's hash covers its content and the previous
 * row's hash, so editing or deleting a row breaks every later link. Concurrent appends race on the (account, seq)
 * primary key; the loser re-reads the head and retries, so the chain never forks.
 *
 * The database enforces the rest (migrations/0004): triggers abort any UPDATE or DELETE on audit_log, and keep
 * audit_heads, the newest (seq, hash) per account, moving forward only. What verification detects: an edited,
 * removed or inserted entry anywhere in the chain, including removing the newest entries (the chain then ends
 * before its head). What it cannot: someone able to drop the triggers and rewrite both tables consistently;
 * against that, keep the `head_hash` that verification returns somewhere outside this database.
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
  /** First entry whose hash or link does not match, or the first one missing before the recorded head. */
  brokenAtSeq?: number;
  /** The recorded head's hash: the whole chain's fingerprint, worth keeping outside this database. */
  headHash: string | null;
}

export async function verifyAuditChain(db: Database, accountId: string): Promise<ChainVerification> {
  const head = await db.select().from(auditHeads).where(eq(auditHeads.accountId, accountId)).get();
  const headHash = head?.hash ?? null;
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
        return { valid: false, checked: expectedSeq - 1, brokenAtSeq: expectedSeq, headHash };
      }
      prevHash = hash;
      expectedSeq++;
    }
    if (page.length === 500) {
      after = page[page.length - 1]!.seq;
      continue;
    }
    const last = expectedSeq - 1;
    // A chain that stops short of its head lost its newest entries; one that goes past it, or ends on another
    // hash, was written around the triggers.
    const headSeq = head?.seq ?? 0;
    if (headSeq !== last) {
      const intact = Math.min(last, headSeq);
      return { valid: false, checked: intact, brokenAtSeq: intact + 1, headHash };
    }
    if (head && head.hash !== prevHash) return { valid: false, checked: last - 1, brokenAtSeq: last, headHash };
    return { valid: true, checked: last, headHash };
  }
}
