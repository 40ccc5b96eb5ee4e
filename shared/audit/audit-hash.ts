import { sha256Hex } from "../crypto/sha256.ts";
import type { auditLog } from "../db/schema.ts";

/** The `prev_hash` of an account's first entry. */
export const GENESIS_HASH = "0".repeat(64);

export type AuditRow = typeof auditLog.$inferSelect;

/**
 * An entry's hash: its content and the previous entry's hash, so editing or removing an entry breaks every later
 * link. `entry_id` (which pending row it came from) is bookkeeping, not content, and entries chained before it
 * existed must keep verifying.
 */
export const auditRowHash = (r: Omit<AuditRow, "hash" | "entryId">) =>
  sha256Hex(JSON.stringify([r.prevHash, r.accountId, r.seq, r.actor, r.action, r.resource, r.requestId, r.ip, r.at, r.detail ?? null]));
