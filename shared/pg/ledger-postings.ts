import { ledgerPostings, type NewLedgerPosting } from "./schema.ts";
import type { PgDatabase } from "./client.ts";

export type PostingOutcome = "posted" | "already-posted";

/**
 * Appends a posting once per (account, source type, source id): a redelivered queue message, webhook or retried
 * operator request finds its posting already there and changes nothing. Runs inside the caller's transaction if given one.
 */
export async function postOnce(db: Pick<PgDatabase, "insert">, posting: NewLedgerPosting): Promise<PostingOutcome> {
  const inserted = await db
    .insert(ledgerPostings)
    .values(posting)
    .onConflictDoNothing({ target: [ledgerPostings.accountId, ledgerPostings.sourceType, ledgerPostings.sourceId] })
    .returning({ id: ledgerPostings.id });
  return inserted.length > 0 ? "posted" : "already-posted";
}
