import { z } from "@hono/zod-openapi";
import { CallAnalysis } from "../analysis/call-analysis-view.ts";

/**
 * Every event a tenant's webhook endpoint can receive: its stable `type` and the zod schema of its `data`. The one
 * source of the payloads: emitters type-check against it, endpoints validate their `event_types` against it, and
 * the OpenAPI document lists each type under `webhooks`.
 */
const CallRef = {
  call_id: z.string().openapi({ example: "CAL-7KQ2M9XD4H5JPW" }),
  agent_id: z.string(),
  agent_version: z.number().int(),
  direction: z.enum(["inbound", "outbound"]),
  from: z.string().openapi({ description: "E.164" }),
  to: z.string().openapi({ description: "E.164" }),
};

export const WEBHOOK_EVENTS = {
  "call.started": {
    description: "The call was accepted (inbound) or placed (outbound); the caller is not connected yet.",
    data: z.object(CallRef),
  },
  "call.answered": {
    description: "The caller's media stream is up and the agent is on the line.",
    data: z.object({ ...CallRef, answered_at: z.string() }),
  },
  "call.ended": {
    description: "The call is over. `duration_seconds` is null when Twilio had not reported it yet; `cost` is present once billing has priced the call.",
    data: z.object({
      ...CallRef,
      status: z.enum(["completed", "busy", "no-answer", "failed", "canceled"]),
      end_reason: z.string(),
      ended_at: z.string(),
      duration_seconds: z.number().int().nullable(),
      cost: z.object({ amount_minor: z.number().int(), currency: z.string() }).optional(),
    }),
  },
  "call.transferred": {
    description: "The caller was handed over to a person (cold: dialled; warm: bridged after a briefing).",
    data: z.object({ ...CallRef, mode: z.enum(["cold", "warm"]), transfer_to: z.string(), target_call_sid: z.string().nullable() }),
  },
  "call.analyzed": {
    description: "An analysis of the call was settled (succeeded, failed or skipped): after the call, and after each `POST /v1/calls/{id}/analyze`.",
    data: CallAnalysis.extend({ call_id: z.string(), agent_id: z.string() }),
  },
  "call.transcript": {
    description: "One finished turn of the conversation (opt-in: sent only to endpoints that list this type).",
    data: z.object({
      call_id: z.string(),
      seq: z.number().int(),
      role: z.enum(["caller", "agent"]),
      text: z.string(),
      interrupted: z.boolean(),
      started_at: z.string(),
      ended_at: z.string(),
    }),
  },
  "billing.balance_low": {
    description: "A prepaid account's balance fell below its low-balance threshold.",
    data: z.object({ balance_minor: z.number().int(), threshold_minor: z.number().int(), currency: z.string() }),
  },
  "billing.payment_failed": {
    description: "A payment for the account failed.",
    data: z.object({ amount_minor: z.number().int(), currency: z.string(), reason: z.string() }),
  },
  "webhook_endpoint.disabled": {
    description: "One of the account's endpoints was disabled by the platform (its receiver answered 410 Gone). Sent to the account's other endpoints.",
    data: z.object({ endpoint_id: z.string(), url: z.string(), reason: z.enum(["gone"]) }),
  },
  "campaign.started": {
    description: "A campaign placed its first call.",
    data: z.object({ campaign_id: z.string(), name: z.string(), agent_id: z.string() }),
  },
  "campaign.contact_completed": {
    description: "A campaign contact reached a final state (`done`, `skipped`, `failed` or `uncertain`).",
    data: z.object({
      campaign_id: z.string(),
      phone: z.string().openapi({ description: "E.164" }),
      state: z.enum(["done", "skipped", "failed", "uncertain"]),
      outcome: z.enum(["answered", "voicemail", "no_answer", "busy", "failed"]).nullable(),
      reason: z.string().nullable(),
      attempts: z.number().int(),
      call_ids: z.array(z.string()),
    }),
  },
  "campaign.completed": {
    description: "Every contact of a campaign reached a final state.",
    data: z.object({
      campaign_id: z.string(),
      counts: z.object({ done: z.number().int(), skipped: z.number().int(), failed: z.number().int(), uncertain: z.number().int() }),
    }),
  },
  "integration.connection_broken": {
    description: "An OAuth integration refused to refresh the account's tokens (revoked or expired grant): its connection is `broken` until connected again.",
    data: z.object({ integration: z.string().openapi({ example: "hubspot" }), reason: z.enum(["refresh_refused"]), detail: z.string(), broken_at: z.string() }),
  },
  ping: {
    description: "A test event, sent on demand (`POST /v1/webhooks/endpoints/{id}/ping`).",
    data: z.object({ endpoint_id: z.string(), message: z.string() }),
  },
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as [WebhookEventType, ...WebhookEventType[]];
export type WebhookEventData<T extends WebhookEventType> = z.infer<(typeof WEBHOOK_EVENTS)[T]["data"]>;

export const isWebhookEventType = (type: string): type is WebhookEventType => Object.hasOwn(WEBHOOK_EVENTS, type);

/** The body every delivery carries (and that is signed): the envelope around the type's `data`. */
export const webhookEnvelope = <T extends z.ZodType>(type: string, data: T) =>
  z.object({
    id: z.string().openapi({ description: "The event's id: the same for every endpoint and every retry.", example: "evt_CAL-7KQ2M9XD4H5JPW_ended" }),
    type: z.literal(type),
    created_at: z.string().openapi({ description: "ISO 8601, when the event happened." }),
    account_id: z.string(),
    data,
  });

export interface WebhookEvent<T extends WebhookEventType = WebhookEventType> {
  id: string;
  type: T;
  created_at: string;
  account_id: string;
  data: WebhookEventData<T>;
}

/** The envelope as it travels through the events queue (validated by its consumer). */
export const WebhookEventMessage = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  created_at: z.string(),
  account_id: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
});
