import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { database } from "../../shared/db/client.ts";
import { webhookAttempts, webhookEndpoints, webhookMessages } from "../../shared/db/webhooks-schema.ts";
import { emitWebhookEvent } from "../../shared/webhooks/emit-webhook-event.ts";
import { signingSecrets } from "./endpoint-secrets.ts";
import { deliveryUrlRefusal } from "./endpoint-url-policy.ts";
import { postDelivery, type DeliveryResult } from "./post-delivery.ts";
import { retryDelaySeconds } from "./retry-schedule.ts";
import { signedHeaders } from "./webhook-signer.ts";

/** What the fan-out and the replay routes put on `webhook-deliveries`: one message (event × endpoint) each. */
export const DeliveryMessage = z.object({ message_id: z.string().min(1), account_id: z.string().min(1) });
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;

type Outcome = { result: DeliveryResult; retry: boolean; gone?: boolean };

/**
 * Delivers each message of the batch concurrently, so a slow receiver holds up nobody else's delivery. Every
 * attempt is logged (status, latency, an excerpt, the next retry). A failure is retried on the Queues schedule of
 * retry-schedule.ts, then dead-lettered; a 410 disables the endpoint for good and tells the account's other
 * endpoints (`webhook_endpoint.disabled`).
 */
export async function consumeWebhookDeliveries(batch: MessageBatch<unknown>, env: Env, ctx: Pick<ExecutionContext, "waitUntil">, now: () => number = Date.now): Promise<void> {
  await Promise.all(batch.messages.map((queued) => deliverQueued(queued, env, ctx, now)));
}

async function deliverQueued(queued: Message<unknown>, env: Env, ctx: Pick<ExecutionContext, "waitUntil">, now: () => number): Promise<void> {
  const parsed = DeliveryMessage.safeParse(queued.body);
  if (!parsed.success) {
    console.error(JSON.stringify({ level: "error", message: "malformed webhook delivery dropped", id: queued.id }));
    return queued.ack();
  }
  const { message_id: messageId, account_id: accountId } = parsed.data;
  const db = database(env.DB);
  try {
    const message = await db.select().from(webhookMessages).where(and(eq(webhookMessages.id, messageId), eq(webhookMessages.accountId, accountId))).get();
    // Gone, or already delivered by an earlier copy of this queue message (delivery is at least once).
    if (!message || message.status === "succeeded") return queued.ack();
    const endpoint = await db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.id, message.endpointId), eq(webhookEndpoints.accountId, accountId))).get();
    const outcome = await attempt(env, endpoint, message.id, message.payload, now);
    const delaySeconds = outcome.retry ? retryDelaySeconds(queued.attempts) : null;
    const at = now();
    const nextRetryAt = delaySeconds === null ? null : new Date(at + delaySeconds * 1000).toISOString();
    const status = outcome.result.ok ? "succeeded" : nextRetryAt ? "pending" : "failed";
    await db.batch([
      db.insert(webhookAttempts).values({
        messageId,
        accountId,
        attempt: message.attempts + 1,
        attemptedAt: new Date(at).toISOString(),
        succeeded: outcome.result.ok,
        responseStatus: outcome.result.status,
        latencyMs: outcome.result.latencyMs,
        responseExcerpt: outcome.result.excerpt,
        nextRetryAt,
      }),
      db
        .update(webhookMessages)
        .set({ status, attempts: message.attempts + 1, nextRetryAt, updatedAt: new Date(at).toISOString() })
        .where(eq(webhookMessages.id, messageId)),
    ]);
    if (outcome.gone && endpoint) await disableGoneEndpoint(env, ctx, endpoint);
    if (delaySeconds !== null) queued.retry({ delaySeconds });
    // Out of retries: retry() hands the message to the dead-letter queue.
    else if (outcome.retry) queued.retry();
    else queued.ack();
  } catch (error) {
    console.error(JSON.stringify({ level: "error", message: "webhook delivery not recorded; will retry", message_id: messageId, error: String(error) }));
    queued.retry({ delaySeconds: retryDelaySeconds(1)! });
  }
}

async function attempt(env: Env, endpoint: typeof webhookEndpoints.$inferSelect | undefined, messageId: string, body: string, now: () => number): Promise<Outcome> {
  const refused = (excerpt: string, retry: boolean): Outcome => ({ result: { ok: false, status: null, latencyMs: 0, excerpt }, retry });
  if (!endpoint) return refused("the endpoint was deleted", false);
  if (!endpoint.enabled) return refused("the endpoint is disabled", false);
  // The URL is checked again now: its name may resolve elsewhere than when it was saved.
  const refusal = await deliveryUrlRefusal(endpoint.url, env);
  if (refusal) return refused(`the endpoint URL is not allowed: ${refusal}`, true);
  const headers = signedHeaders(await signingSecrets(env, endpoint, now()), messageId, new Date(now()), body);
  const result = await postDelivery(endpoint.url, headers, body, now);
  if (result.status === 410) return { result, retry: false, gone: true };
  return { result, retry: !result.ok };
}

/** A 410 Gone: the receiver says this URL will never take events again. */
async function disableGoneEndpoint(env: Env, ctx: Pick<ExecutionContext, "waitUntil">, endpoint: typeof webhookEndpoints.$inferSelect): Promise<void> {
  const db = database(env.DB);
  const [changed] = await db
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: "gone", updatedAt: new Date().toISOString() })
    .where(and(eq(webhookEndpoints.id, endpoint.id), eq(webhookEndpoints.enabled, true)))
    .returning({ id: webhookEndpoints.id });
  if (!changed) return;
  emitWebhookEvent(env, { type: "webhook_endpoint.disabled", accountId: endpoint.accountId, data: { endpoint_id: endpoint.id, url: endpoint.url, reason: "gone" } }, (p) => ctx.waitUntil(p));
}
