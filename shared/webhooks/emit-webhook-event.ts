import type { WebhookEvent, WebhookEventData, WebhookEventType } from "./event-catalogue.ts";

export interface NewWebhookEvent<T extends WebhookEventType> {
  type: T;
  accountId: string;
  data: WebhookEventData<T>;
  /**
   * A stable id when the same event may be emitted twice (a call object re-running a step after a restart): the
   * fan-out keeps one delivery per event and endpoint. Default: a fresh random id.
   */
  id?: string;
  /** When it happened (ISO 8601); default now. */
  createdAt?: string;
}

/** The event as the `webhook-events` queue carries it (and the endpoints receive it). */
export function webhookEventBody<T extends WebhookEventType>(event: NewWebhookEvent<T>): WebhookEvent<T> {
  return {
    id: event.id ?? `evt_${crypto.randomUUID()}`,
    type: event.type,
    created_at: event.createdAt ?? new Date().toISOString(),
    account_id: event.accountId,
    data: event.data,
  };
}

/**
 * Puts an event for the account's webhook endpoints on the `webhook-events` queue, without blocking or failing the
 * caller: the send runs in the background (kept alive by `waitUntil` where the caller has one) and a failure is
 * logged, never thrown. The events consumer (workers/webhooks/event-fanout.ts) fans it out to the endpoints
 * subscribed to its type.
 */
export function emitWebhookEvent<T extends WebhookEventType>(
  env: Pick<Env, "WEBHOOK_EVENTS">,
  event: NewWebhookEvent<T>,
  waitUntil?: (promise: Promise<unknown>) => void,
): void {
  const body = webhookEventBody(event);
  const sent = (async () => {
    try {
      await env.WEBHOOK_EVENTS.send(body, { contentType: "json" });
    } catch (error) {
      console.error(JSON.stringify({ level: "error", message: "webhook event not queued", event_id: body.id, type: body.type, error: String(error) }));
    }
  })();
  waitUntil?.(sent);
}
