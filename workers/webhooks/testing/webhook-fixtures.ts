import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { expect, vi } from "vitest";
import { database } from "../../../shared/db/client.ts";
import { webhookMessages } from "../../../shared/db/webhooks-schema.ts";
import type { WebhookEvent } from "../../../shared/webhooks/event-catalogue.ts";
import { api } from "../../../test/workers/api-client.ts";
import { consumeWebhookDeliveries } from "../delivery-consumer.ts";
import { messageRow } from "../event-fanout.ts";

/** What test/node/webhook-inbox.ts received under `tag`. */
export interface Inbox {
  count: number;
  distinct_ids: number;
  deliveries: { id: string; timestamp: string; signature: string; body: string }[];
}

let tags = 0;
/** A fresh receiver URL on the test server; `query` scripts its answers (`fail=N`, `status=S`). */
export const receiverUrl = (query = "") => {
  const tag = `t${Date.now()}-${++tags}`;
  return { tag, url: `${env.TOOL_SERVER_URL}/hooks/${tag}${query ? `?${query}` : ""}` };
};

export const inbox = async (tag: string): Promise<Inbox> => (await fetch(`${env.TOOL_SERVER_URL}/hooks/${tag}`)).json();

/** Waits (with a deadline) until the receiver holds a delivery that `match`es. */
export async function received(tag: string, match: (body: WebhookEvent) => boolean, timeout = 20_000) {
  return vi.waitFor(
    async () => {
      const found = (await inbox(tag)).deliveries.find((d) => match(JSON.parse(d.body)));
      if (!found) throw new Error(`nothing matching received under ${tag} yet`);
      return found;
    },
    { timeout, interval: 50 },
  );
}

/** Verifies a delivery exactly as a tenant would, with the `standardwebhooks` package; returns the parsed event. */
export const verified = (delivery: Inbox["deliveries"][number], secret: string) =>
  new Webhook(secret).verify(delivery.body, { "webhook-id": delivery.id, "webhook-timestamp": delivery.timestamp, "webhook-signature": delivery.signature }) as WebhookEvent;

export async function createEndpoint(key: string, url: string, eventTypes: string[]): Promise<{ id: string; secret: string }> {
  const res = await api(key).post("/v1/webhooks/endpoints", { url, event_types: eventTypes, description: "test receiver" });
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id, secret: res.json.secret };
}

/** Stores a message of `event` for an endpoint without queueing it, so a test drives the delivery consumer itself. */
export async function storedMessage(accountId: string, endpointId: string, status: "pending" | "failed" = "pending") {
  const event: WebhookEvent = { id: `evt_${crypto.randomUUID()}`, type: "ping", created_at: new Date().toISOString(), account_id: accountId, data: { endpoint_id: endpointId, message: "hello" } };
  const row = { ...messageRow(event, endpointId), status };
  await database(env.DB).insert(webhookMessages).values(row);
  return row.id;
}

/** One run of the delivery consumer over `messageId`, as Queues would hand it over on attempt `attempts`. */
export async function deliverDirectly(accountId: string, messageId: string, attempts = 1, overrides: Partial<Env> = {}) {
  const ctx = createExecutionContext();
  const batch = createMessageBatch("webhook-deliveries", [{ id: `q-${messageId}-${attempts}`, timestamp: new Date(), attempts, body: { message_id: messageId, account_id: accountId } }]);
  await consumeWebhookDeliveries(batch, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return getQueueResult(batch, ctx);
}
