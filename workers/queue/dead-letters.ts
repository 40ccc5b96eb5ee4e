import { sql } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { deadLetters } from "../../shared/db/schema.ts";

/** Each dead-letter queue and the queue its messages came from (wrangler.toml's `dead_letter_queue`). */
export const DEAD_LETTER_SOURCES: Readonly<Record<string, string>> = { "call-events-dlq": "call-events", "call-analysis-dlq": "call-analysis", "sanctions-rescreens-dlq": "sanctions-rescreens" };

/**
 * A dead letter's key: the body's own id when it has one (a usage event's id stays the same when it is redriven and
 * dies again, so its row counts the attempts), else the queue's message id.
 */
const keyOf = (message: Message<unknown>) => {
  const id = (message.body as { id?: unknown } | null)?.id;
  return typeof id === "string" && id ? id : message.id;
};

/**
 * The dead-letter queues' consumer: keeps each message that exhausted its retries in D1 (`dead_letters`) until an
 * operator redrives it. A message dead again after a redrive updates its row: `attempts` counts how many times it
 * reached the dead-letter queue, and the row is pending again. If D1 refuses, the whole batch is retried.
 */
export async function storeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const queue = DEAD_LETTER_SOURCES[batch.queue] ?? batch.queue;
  const db = database(env.DB);
  const rows = batch.messages.map((m) => {
    const at = m.timestamp.toISOString();
    return db
      .insert(deadLetters)
      .values({ queue, messageId: keyOf(m), body: m.body, firstFailedAt: at, lastFailedAt: at, attempts: 1 })
      .onConflictDoUpdate({
        target: [deadLetters.queue, deadLetters.messageId],
        set: { body: m.body, lastFailedAt: at, attempts: sql`${deadLetters.attempts} + 1`, redrivenAt: null },
      });
  });
  if (rows.length === 0) return;
  await db.batch(rows as [(typeof rows)[0], ...typeof rows]);
  console.error(JSON.stringify({ level: "error", message: "messages dead-lettered", queue, count: rows.length }));
  batch.ackAll();
}
