import { z } from "@hono/zod-openapi";
import type { webhookEndpoints } from "../../shared/db/webhooks-schema.ts";
import { displayName } from "../../shared/schemas/text-fields.ts";
import { WEBHOOK_EVENT_TYPES } from "../../shared/webhooks/event-catalogue.ts";

const EventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, "list each event type once")
  .openapi({ description: "The events this endpoint receives. `call.transcript` (one per turn) is sent only to endpoints that list it." });

const Url = z.string().max(2048).openapi({ description: "HTTPS on port 443 at a public address; redirects are not followed.", example: "https://hooks.example.com/aybiza" });

export const WebhookEndpoint = z
  .object({
    id: z.string().openapi({ example: "WHE-7KQ2M9XD4H" }),
    url: z.string(),
    description: z.string(),
    event_types: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    enabled: z.boolean(),
    disabled_reason: z.enum(["gone"]).nullable().openapi({ description: "`gone`: the platform disabled it because the receiver answered 410 Gone." }),
    previous_secret_expires_at: z.string().nullable().openapi({ description: "After a rotation: until then, deliveries are also signed with the previous secret." }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("WebhookEndpoint");

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().openapi({ description: "The signing secret (`whsec_…`), shown once: store it now.", example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }),
}).openapi("WebhookEndpointWithSecret");

export const CreateWebhookEndpoint = z
  .object({ url: Url, event_types: EventTypes, description: displayName(500).optional(), enabled: z.boolean().default(true) })
  .strict()
  .openapi("CreateWebhookEndpoint");

export const UpdateWebhookEndpoint = z
  .object({ url: Url.optional(), event_types: EventTypes.optional(), description: displayName(500).optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "send at least one field to change")
  .openapi("UpdateWebhookEndpoint");

export const endpointView = (row: typeof webhookEndpoints.$inferSelect): z.infer<typeof WebhookEndpoint> => ({
  id: row.id,
  url: row.url,
  description: row.description,
  event_types: row.eventTypes as z.infer<typeof WebhookEndpoint>["event_types"],
  enabled: row.enabled,
  disabled_reason: row.disabledReason === "gone" ? "gone" : null,
  previous_secret_expires_at: row.previousSecretExpiresAt && Date.parse(row.previousSecretExpiresAt) > Date.now() ? row.previousSecretExpiresAt : null,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});
