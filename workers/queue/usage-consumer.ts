import { z } from "zod";
import { database } from "../../shared/db/client.ts";
import { accounts, usageEvents } from "../../shared/db/schema.ts";
import { and, eq, isNotNull, notExists, sql } from "drizzle-orm";

/** The message a finished call puts on the queue (durable-objects/call/call-finalizer.ts). */
const UsageMessage = z.object({
  type: z.literal("call.usage"),
  id: z.string().min(1),
  call_id: z.string(),
  account_id: z.string(),
  agent_id: z.string(),
  agent_version: z.number().int(),
  ended_at: z.string(),
  duration_seconds: z.number().nullable(),
  usage: z.record(z.string(), z.unknown()),
});

/**
 * Records each call's usage once and charges prepaid accounts per started minute. Delivery is at-least-once:
 * the charge and the record are one D1 batch, and the charge only applies while no record with the event's id
 * exists, so a redelivered message changes nothing. Malformed messages are acknowledged and logged, not retried.
 */
export async function consumeUsage(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = database(env.DB);
  const centsPerMinute = Number(env.PRICE_PER_MINUTE_CENTS) || 0;
  for (const message of batch.messages) {
    const parsed = UsageMessage.safeParse(message.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ level: "error", message: "malformed usage event dropped", id: message.id, issues: parsed.error.issues.length }));
      message.ack();
      continue;
    }
    const u = parsed.data;
    const charged = Math.ceil((u.duration_seconds ?? 0) / 60) * centsPerMinute;
    try {
      await db.batch([
        db
          .update(accounts)
          .set({ creditCents: sql`${accounts.creditCents} - ${charged}` })
          .where(and(eq(accounts.id, u.account_id), isNotNull(accounts.creditCents), notExists(db.select({ id: usageEvents.id }).from(usageEvents).where(eq(usageEvents.id, u.id))))),
        db
          .insert(usageEvents)
          .values({ id: u.id, accountId: u.account_id, callId: u.call_id, endedAt: u.ended_at, durationSeconds: u.duration_seconds, chargedCents: charged, usage: u.usage, receivedAt: new Date().toISOString() })
          .onConflictDoNothing(),
      ]);
      message.ack();
    } catch (error) {
      console.error(JSON.stringify({ level: "error", message: "usage event not recorded; will retry", id: u.id, error: String(error) }));
      message.retry({ delaySeconds: 5 });
    }
  }
}
