import { and, eq } from "drizzle-orm";
import { database, nowIso } from "../../shared/db/client.ts";
import { webhookEndpoints, webhookMessages } from "../../shared/db/webhooks-schema.ts";
import { WebhookEventMessage, type WebhookEvent } from "../../shared/webhooks/event-catalogue.ts";
import type { DeliveryMessage } from "./delivery-consumer.ts";
import { newMessageId } from "./webhook-ids.ts";
import { dispatchWorkflows } from "../workflows/event-dispatch.ts";

/** D1 binds at most 100 parameters per statement; a message row has 11 columns. */
const MESSAGE_ROWS_PER_INSERT = 9;
/** Queues' sendBatch takes at most 100 messages. */
const SEND_BATCH_MAX = 100;

/**
 * The `webhook-events` consumer: each event becomes one stored message per enabled endpoint of its account that
 * subscribed to its type, and one `webhook-deliveries` queue message each. Redelivered events change nothing
 * (one message per event and endpoint); messages not yet delivered are queued again, which is at-least-once.
 */
export async function consumeWebhookEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const queued of batch.messages) {
    const parsed = WebhookEventMessage.safeParse(queued.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ level: "error", message: "malformed webhook event dropped", id: queued.id }));
      queued.ack();
      continue;
    }
    try {
      await fanOut(env, parsed.data as WebhookEvent);
      await dispatchWorkflows(env, parsed.data as WebhookEvent);
      queued.ack();
    } catch (error) {
      console.error(JSON.stringify({ level: "error", message: "webhook event not fanned out; will retry", event_id: parsed.data.id, error: String(error) }));
      queued.retry({ delaySeconds: 5 });
    }
  }
}

async function fanOut(env: Env, event: WebhookEvent): Promise<void> {
  const db = database(env.DB);
  const endpoints = await db
    .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.accountId, event.account_id), eq(webhookEndpoints.enabled, true)))
    .all();
  const subscribed = endpoints.filter((e) => e.eventTypes.includes(event.type)).map((e) => e.id);
  if (subscribed.length === 0) return;
  await queueEventMessages(env, event, subscribed);
}

/** Stores one message of `event` for each endpoint (once), then queues every one not yet delivered. */
export async function queueEventMessages(env: Env, event: WebhookEvent, endpointIds: readonly string[]): Promise<string[]> {
  const db = database(env.DB);
  const rows = endpointIds.map((endpointId) => messageRow(event, endpointId));
  for (let i = 0; i < rows.length; i += MESSAGE_ROWS_PER_INSERT) {
    await db.insert(webhookMessages).values(rows.slice(i, i + MESSAGE_ROWS_PER_INSERT)).onConflictDoNothing();
  }
  const pending = await db
    .select({ id: webhookMessages.id, endpointId: webhookMessages.endpointId })
    .from(webhookMessages)
    .where(and(eq(webhookMessages.eventId, event.id), eq(webhookMessages.accountId, event.account_id), eq(webhookMessages.status, "pending")))
    .all();
  const wanted = pending.filter((m) => endpointIds.includes(m.endpointId)).map((m) => m.id);
  await sendDeliveries(env, event.account_id, wanted);
  return wanted;
}

export async function sendDeliveries(env: Pick<Env, "WEBHOOK_DELIVERIES">, accountId: string, messageIds: readonly string[]): Promise<void> {
  for (let i = 0; i < messageIds.length; i += SEND_BATCH_MAX) {
    const body = messageIds.slice(i, i + SEND_BATCH_MAX).map((id): { body: DeliveryMessage; contentType: "json" } => ({ body: { message_id: id, account_id: accountId }, contentType: "json" }));
    await env.WEBHOOK_DELIVERIES.sendBatch(body);
  }
}

/** A new message: `payload` is the exact body every attempt signs and sends. */
export function messageRow(event: WebhookEvent, endpointId: string): typeof webhookMessages.$inferInsert {
  const now = nowIso();
  return {
    id: newMessageId(),
    accountId: event.account_id,
    endpointId,
    eventId: event.id,
    eventType: event.type,
    payload: JSON.stringify(event),
    status: "pending",
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
}
