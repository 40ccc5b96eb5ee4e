import { z } from "@hono/zod-openapi";
import { and, asc, eq, gte, inArray } from "drizzle-orm";
import { database, nowIso } from "../../shared/db/client.ts";
import { webhookAttempts, webhookMessages } from "../../shared/db/webhooks-schema.ts";
import { WEBHOOK_EVENT_TYPES } from "../../shared/webhooks/event-catalogue.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../api/pagination.ts";
import { notFound } from "../api/problem.ts";
import { IdParam, jsonBody, jsonResponse, resourceApp, securedRoute } from "../api/route.ts";
import { sendDeliveries } from "./event-fanout.ts";
import { WEBHOOK_ID_PATTERNS } from "./webhook-ids.ts";

const TAGS = ["Webhooks"];
const STATUSES = ["pending", "succeeded", "failed"] as const;
/** At most this many messages per replay request; a larger backlog is replayed by repeating it. */
const REPLAY_MAX = 500;

const Attempt = z
  .object({
    attempt: z.number().int(),
    attempted_at: z.string(),
    succeeded: z.boolean(),
    response_status: z.number().int().nullable().openapi({ description: "Null when no answer came (timeout, refused URL, network error)." }),
    latency_ms: z.number().int(),
    response_excerpt: z.string().openapi({ description: "At most 1 KiB of the receiver's answer, or why there was none." }),
    next_retry_at: z.string().nullable(),
  })
  .openapi("WebhookAttempt");

const Delivery = z
  .object({
    id: z.string().openapi({ description: "The message id: the `webhook-id` header of every attempt.", example: "msg_7KQ2M9XD4H7KQ2M9XD4H" }),
    endpoint_id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    event: z.record(z.string(), z.unknown()).openapi({ description: "The body every attempt sends (and signs): `{id, type, created_at, account_id, data}`." }),
    status: z.enum(STATUSES).openapi({ description: "`pending`: queued or awaiting a retry; `failed`: given up (out of retries, 410, endpoint disabled or deleted)." }),
    attempts: z.array(Attempt),
    next_retry_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("WebhookDelivery");

const DeliveryQuery = PageQuery.extend({
  endpoint_id: z.string().regex(WEBHOOK_ID_PATTERNS.endpoint, "not a valid endpoint id").optional(),
  status: z.enum(STATUSES).optional(),
  event_type: z.enum(WEBHOOK_EVENT_TYPES).optional(),
});

const ReplaySince = z
  .object({
    since: z.iso.datetime({ offset: true }).openapi({ description: "Replays failed messages created at or after this time." }),
    endpoint_id: z.string().regex(WEBHOOK_ID_PATTERNS.endpoint, "not a valid endpoint id").optional(),
  })
  .strict()
  .openapi("ReplayFailedDeliveries");

const Replayed = z.object({ replayed: z.array(z.string()).openapi({ description: "The ids of the messages queued again." }) }).openapi("WebhookReplay");

type MessageRow = typeof webhookMessages.$inferSelect;
type AttemptRow = typeof webhookAttempts.$inferSelect;

const deliveryView = (m: MessageRow, attempts: AttemptRow[]): z.infer<typeof Delivery> => ({
  id: m.id,
  endpoint_id: m.endpointId,
  event_id: m.eventId,
  event_type: m.eventType,
  event: JSON.parse(m.payload) as Record<string, unknown>,
  status: m.status,
  attempts: attempts
    .filter((a) => a.messageId === m.id)
    .map((a) => ({
      attempt: a.attempt,
      attempted_at: a.attemptedAt,
      succeeded: a.succeeded,
      response_status: a.responseStatus,
      latency_ms: a.latencyMs,
      response_excerpt: a.responseExcerpt,
      next_retry_at: a.nextRetryAt,
    })),
  next_retry_at: m.nextRetryAt,
  created_at: m.createdAt,
});

async function attemptsOf(env: Env, accountId: string, messageIds: string[]): Promise<AttemptRow[]> {
  if (messageIds.length === 0) return [];
  return database(env.DB)
    .select()
    .from(webhookAttempts)
    .where(and(eq(webhookAttempts.accountId, accountId), inArray(webhookAttempts.messageId, messageIds)))
    .orderBy(asc(webhookAttempts.messageId), asc(webhookAttempts.attempt))
    .all();
}

export const webhookDeliveriesApi = resourceApp();

webhookDeliveriesApi.openapi(
  securedRoute("account:read", {
    method: "get",
    path: "/webhooks/deliveries",
    tags: TAGS,
    summary: "The delivery log: messages (one event to one endpoint) newest first, each with its attempts",
    request: { query: DeliveryQuery },
    responses: { 200: jsonResponse(pageOf(Delivery, "WebhookDeliveryPage"), "A page of deliveries.") },
  }),
  async (c) => {
    const { limit, cursor, endpoint_id, status, event_type } = c.req.valid("query");
    const accountId = c.get("principal").accountId;
    const rows = await database(c.env.DB)
      .select()
      .from(webhookMessages)
      .where(
        and(
          eq(webhookMessages.accountId, accountId),
          endpoint_id ? eq(webhookMessages.endpointId, endpoint_id) : undefined,
          status ? eq(webhookMessages.status, status) : undefined,
          event_type ? eq(webhookMessages.eventType, event_type) : undefined,
          afterCursor(cursor, webhookMessages.createdAt, webhookMessages.id),
        ),
      )
      .orderBy(...pageOrder(webhookMessages.createdAt, webhookMessages.id))
      .limit(limit + 1)
      .all();
    const attempts = await attemptsOf(c.env, accountId, rows.slice(0, limit).map((r) => r.id));
    return c.json(toPage(rows, limit, (m) => deliveryView(m, attempts)), 200);
  },
);

const MessageId = IdParam(WEBHOOK_ID_PATTERNS.message, "msg_7KQ2M9XD4H7KQ2M9XD4H");

webhookDeliveriesApi.openapi(
  securedRoute("account:read", {
    method: "get",
    path: "/webhooks/deliveries/{id}",
    tags: TAGS,
    summary: "One message of the delivery log, with every attempt",
    request: { params: MessageId },
    responses: { 200: jsonResponse(Delivery, "The delivery.") },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const row = await database(c.env.DB)
      .select()
      .from(webhookMessages)
      .where(and(eq(webhookMessages.id, c.req.valid("param").id), eq(webhookMessages.accountId, accountId)))
      .get();
    if (!row) throw notFound("webhook delivery");
    return c.json(deliveryView(row, await attemptsOf(c.env, accountId, [row.id])), 200);
  },
);

webhookDeliveriesApi.openapi(
  securedRoute("account:write", {
    method: "post",
    path: "/webhooks/deliveries/{id}/replay",
    tags: TAGS,
    summary: "Send a message again (same `webhook-id`, a new series of attempts)",
    request: { params: MessageId },
    responses: { 202: jsonResponse(Replayed, "Queued.") },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const [[row]] = await c.var.audit.commit(
      [
        db
          .update(webhookMessages)
          .set({ status: "pending", nextRetryAt: null, updatedAt: nowIso() })
          .where(and(eq(webhookMessages.id, c.req.valid("param").id), eq(webhookMessages.accountId, accountId)))
          .returning({ id: webhookMessages.id }),
      ],
      { ifChanged: true },
    );
    if (!row) throw notFound("webhook delivery");
    await sendDeliveries(c.env, accountId, [row.id]);
    return c.json({ replayed: [row.id] }, 202);
  },
);

webhookDeliveriesApi.openapi(
  securedRoute("account:write", {
    method: "post",
    path: "/webhooks/deliveries/replay",
    tags: TAGS,
    summary: `Send again every failed message since a time (at most ${REPLAY_MAX} per request, oldest first)`,
    request: jsonBody(ReplaySince),
    responses: { 202: jsonResponse(Replayed, "Queued.") },
  }),
  async (c) => {
    const { since, endpoint_id } = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const failed = await db
      .select({ id: webhookMessages.id })
      .from(webhookMessages)
      .where(
        and(
          eq(webhookMessages.accountId, accountId),
          eq(webhookMessages.status, "failed"),
          gte(webhookMessages.createdAt, new Date(since).toISOString()),
          endpoint_id ? eq(webhookMessages.endpointId, endpoint_id) : undefined,
        ),
      )
      .orderBy(asc(webhookMessages.createdAt))
      .limit(REPLAY_MAX)
      .all();
    const ids = failed.map((m) => m.id);
    // Committed even when nothing failed: a write route always goes through its audit (no entry when nothing changed).
    await c.var.audit.commit(
      [db.update(webhookMessages).set({ status: "pending", nextRetryAt: null, updatedAt: nowIso() }).where(and(eq(webhookMessages.accountId, accountId), inArray(webhookMessages.id, ids)))],
      { ifChanged: true, detail: { since, endpoint_id: endpoint_id ?? null, count: ids.length } },
    );
    await sendDeliveries(c.env, accountId, ids);
    return c.json({ replayed: ids }, 202);
  },
);
