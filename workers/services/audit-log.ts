import { and, asc, count, eq, gt } from "drizzle-orm";
import type { Database } from "../../shared/db/client.ts";
import { auditHeads, auditLog, auditPending } from "../../shared/db/schema.ts";
import { auditRowHash, GENESIS_HASH } from "../../shared/audit/audit-hash.ts";
import { auditChainer } from "../../shared/audit/audit-entry.ts";

/**
 * The account's hash-chained audit log. Writes add entries in their own D1 batch (`auditInsert`); the account's
 * AuditChainer chains them shortly after (durable-objects/audit-chainer.ts). Reading and verifying settle the
 * chain first, so what they show includes every committed write; an entry that could not be chained yet (the
 * chainer unreachable) is counted as `pending`, never shown unchained.
 *
 * The database enforces the rest (migrations/0004, 0006): audit_log refuses UPDATE and DELETE, accepts only
 * pending entries copied unchanged in head order, and keeps audit_heads, the newest (seq, hash) per account,
 * moving forward only. What verification detects: an edited, removed or inserted entry anywhere in the chain,
 * including removing the newest entries (the chain then ends before its head). What it cannot: someone able to
 * drop the triggers and rewrite both tables consistently; against that, keep the `head_hash` that verification
 * returns somewhere outside this database.
 */

/** Chains whatever the account has pending. A chainer that cannot be reached leaves entries pending, logged. */
export async function settleAuditChain(env: Env, accountId: string): Promise<void> {
  try {
    await auditChainer(env, accountId).settle(accountId);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "audit chain not settled", account_id: accountId, error: String(err) }));
  }
}

export interface ChainVerification {
  valid: boolean;
  checked: number;
  /** First entry whose hash or link does not match, or the first one missing before the recorded head. */
  brokenAtSeq?: number;
  /** The recorded head's hash: the whole chain's fingerprint, worth keeping outside this database. */
  headHash: string | null;
  /** Entries written but not chained yet (0 unless the chainer could not run). */
  pending: number;
}

export async function verifyAuditChain(db: Database, accountId: string): Promise<ChainVerification> {
  const head = await db.select().from(auditHeads).where(eq(auditHeads.accountId, accountId)).get();
  const pending = (await db.select({ n: count() }).from(auditPending).where(eq(auditPending.accountId, accountId)).get())?.n ?? 0;
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
      const { hash, entryId: _bookkeeping, ...rest } = row;
      if (row.seq !== expectedSeq || row.prevHash !== prevHash || (await auditRowHash(rest)) !== hash) {
        return { valid: false, checked: expectedSeq - 1, brokenAtSeq: expectedSeq, headHash, pending };
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
      return { valid: false, checked: intact, brokenAtSeq: intact + 1, headHash, pending };
    }
    if (head && head.hash !== prevHash) return { valid: false, checked: last - 1, brokenAtSeq: last, headHash, pending };
    return { valid: true, checked: last, headHash, pending };
  }
}
