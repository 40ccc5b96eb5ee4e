import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client.ts";
import { insertSelect } from "../db/insert-select.ts";
import { auditHeads, auditLog, auditPending } from "../db/schema.ts";
import { auditRowHash, GENESIS_HASH } from "./audit-hash.ts";

/** Pending entries chained per D1 batch: one insert per entry (D1 binds at most 100 parameters per statement). */
export const CHAIN_BATCH_ENTRIES = 50;

/**
 * Chains the account's oldest pending entries after its head: each gets the next seq, the head's hash as
 * `prev_hash`, and its own hash. The entries are copied into audit_log by SQL (byte for byte what the write
 * stored) and removed from audit_pending in the same batch, so a crash either chains them all or none, and a
 * rerun starts from the new head. Only the account's AuditChainer calls this, one call at a time: the head read
 * here is not moved by anyone else in between (and if it were, the triggers of migrations/0006 would refuse the
 * batch rather than fork the chain). Returns how many entries it chained.
 */
export async function chainPendingEntries(db: Database, accountId: string, limit = CHAIN_BATCH_ENTRIES): Promise<number> {
  const pending = await db.select().from(auditPending).where(eq(auditPending.accountId, accountId)).orderBy(asc(auditPending.id)).limit(limit).all();
  if (pending.length === 0) return 0;
  const head = await db.select().from(auditHeads).where(eq(auditHeads.accountId, accountId)).get();
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const inserts = [];
  for (const entry of pending) {
    seq++;
    const hash = await auditRowHash({ ...entry, seq, prevHash });
    const p = auditPending;
    const copied = { accountId: p.accountId, actor: p.actor, action: p.action, resource: p.resource, requestId: p.requestId, ip: p.ip, at: p.at, detail: p.detail };
    inserts.push(insertSelect(db, auditLog, { ...copied, seq, prevHash, hash, entryId: p.id }, sql`FROM ${p} WHERE ${p.id} = ${entry.id}`));
    prevHash = hash;
  }
  const ids = pending.map((p) => p.id);
  await db.batch([...inserts, db.delete(auditPending).where(and(eq(auditPending.accountId, accountId), inArray(auditPending.id, ids)))] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  return pending.length;
}
