import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { deadLetters } from "../../shared/db/schema.ts";
import type { AuditedCommit } from "../api/audited-commit.ts";

/** The producer binding of each queue a dead letter can be sent back to. */
const PRODUCERS: Readonly<Record<string, (env: Env) => Queue>> = { "call-events": (env) => env.CALL_EVENTS, "call-analysis": (env) => env.CALL_ANALYSIS, "sanctions-rescreens": (env) => env.SANCTIONS_RESCREENS };

/** Queues take at most 100 messages per sendBatch. */
const SEND_BATCH_SIZE = 100;
/** Rows redriven per request; a larger backlog takes another request (the answer says how many remain). */
const MAX_PER_REDRIVE = 1_000;

export interface RedriveResult {
  redriven: number;
  /** Pending rows whose queue has no producer here, left as they are. */
  unroutable: number;
  /** Pending rows beyond this request's share: redrive again. */
  remaining: number;
}

/**
 * Sends each pending dead letter back to its queue, then marks it redriven, so a second redrive sends nothing again.
 * Sending comes first: a failure between the two re-sends a message, which its consumer settles idempotently, where
 * the other order could mark a message that never left. The marks go through the audited commit, one per account
 * the messages name (their `account_id`), so each tenant's audit log shows the operator's redrive.
 */
export async function redriveDeadLetters(env: Env, audit: AuditedCommit): Promise<RedriveResult> {
  const db = database(env.DB);
  const pending = await db.select().from(deadLetters).where(isNull(deadLetters.redrivenAt)).orderBy(deadLetters.firstFailedAt).limit(MAX_PER_REDRIVE + 1);
  const share = pending.slice(0, MAX_PER_REDRIVE);
  const routable = share.filter((row) => PRODUCERS[row.queue]);
  const groups = new Map<string, typeof routable>();
  for (const row of routable) {
    const key = `${row.queue}\u0000${accountOf(row.body)}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const rows of groups.values()) {
    const { queue, body } = rows[0]!;
    const producer = PRODUCERS[queue]!(env);
    for (let i = 0; i < rows.length; i += SEND_BATCH_SIZE) await producer.sendBatch(rows.slice(i, i + SEND_BATCH_SIZE).map((row) => ({ body: row.body })));
    const ids = rows.map((row) => row.messageId);
    await audit.commit(
      [db.update(deadLetters).set({ redrivenAt: new Date().toISOString() }).where(and(eq(deadLetters.queue, queue), inArray(deadLetters.messageId, ids), isNull(deadLetters.redrivenAt)))],
      { accountId: accountOf(body), resource: queue, detail: { messages: ids }, ifChanged: true },
    );
  }
  // Nothing to send: the write is a conditional statement that changes nothing, so no audit entry is written.
  if (groups.size === 0) await audit.commit([db.update(deadLetters).set({ redrivenAt: sql`${deadLetters.redrivenAt}` }).where(sql`0`)], { ifChanged: true });
  return { redriven: routable.length, unroutable: share.length - routable.length, remaining: pending.length - share.length };
}

const accountOf = (body: unknown) => {
  const id = (body as { account_id?: unknown } | null)?.account_id;
  return typeof id === "string" ? id : "";
};
