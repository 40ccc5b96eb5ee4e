import type { OpenAPIHono } from "@hono/zod-openapi";
import { WEBHOOK_EVENTS, WEBHOOK_EVENT_TYPES, webhookEnvelope } from "../../shared/webhooks/event-catalogue.ts";

const SIGNATURE_HEADERS = [
  { name: "webhook-id", in: "header" as const, required: true, description: "The message id: the same on every retry; dedupe on it.", schema: { type: "string" as const } },
  { name: "webhook-timestamp", in: "header" as const, required: true, description: "Unix seconds when this attempt was signed.", schema: { type: "string" as const } },
  {
    name: "webhook-signature",
    in: "header" as const,
    required: true,
    description: "`v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` (Standard Webhooks); two, space-separated, during a secret rotation's 24 h overlap.",
    schema: { type: "string" as const },
  },
];

/** Every event type as an OpenAPI 3.1 `webhooks` entry: what the platform POSTs to a tenant's endpoint. */
export function documentWebhookEvents(app: OpenAPIHono<any>): void {
  for (const type of WEBHOOK_EVENT_TYPES) {
    const { description, data } = WEBHOOK_EVENTS[type];
    const name = `WebhookEvent_${type.replace(/[._]([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase())}`;
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      tags: ["Webhooks"],
      summary: type,
      description: `${description} Signed per Standard Webhooks; any 2xx within 10 s acknowledges it, anything else is retried for about three days, and 410 Gone disables the endpoint.`,
      parameters: SIGNATURE_HEADERS,
      request: { body: { required: true, content: { "application/json": { schema: webhookEnvelope(type, data).openapi(name) } } } },
      responses: { 200: { description: "Any 2xx acknowledges the event." }, 410: { description: "The endpoint is gone: the platform disables it." } },
    });
  }
}
