import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { database, nowIso } from "../../shared/db/client.ts";
import { webhookEndpoints, webhookMessages } from "../../shared/db/webhooks-schema.ts";
import { withFreshId } from "../../shared/ids.ts";
import type { WebhookEvent } from "../../shared/webhooks/event-catalogue.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../api/pagination.ts";
import { ApiError, notFound } from "../api/problem.ts";
import { IdParam, jsonBody, jsonResponse, resourceApp, securedRoute } from "../api/route.ts";
import { CreateWebhookEndpoint, endpointView, UpdateWebhookEndpoint, WebhookEndpoint, WebhookEndpointWithSecret } from "./endpoint-schemas.ts";
import { ROTATION_OVERLAP_MS, sealEndpointSecret } from "./endpoint-secrets.ts";
import { endpointUrlRefusal } from "./endpoint-url-policy.ts";
import { messageRow, sendDeliveries } from "./event-fanout.ts";
import { newEndpointId, newWebhookSecret, WEBHOOK_ID_PATTERNS } from "./webhook-ids.ts";

const TAGS = ["Webhooks"];
const EndpointId = IdParam(WEBHOOK_ID_PATTERNS.endpoint, "WHE-7KQ2M9XD4H");

function refuseUrl(url: string, env: Env): void {
  const reason = endpointUrlRefusal(url, env);
  if (reason) throw new ApiError("validation-error", `this URL cannot receive webhooks: ${reason}`, { errors: [{ path: "url", message: reason, code: "url_not_allowed" }] });
}

const owned = (id: string, accountId: string) => and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.accountId, accountId));

export const webhookEndpointsApi = resourceApp();

webhookEndpointsApi.openapi(
  securedRoute(
    "account:write",
    {
      method: "post",
      path: "/webhooks/endpoints",
      tags: TAGS,
      summary: "Register a webhook endpoint; its signing secret is returned only here",
      request: jsonBody(CreateWebhookEndpoint),
      responses: { 201: jsonResponse(WebhookEndpointWithSecret, "The endpoint and its secret.") },
    },
    { secretResponse: true },
  ),
  async (c) => {
    const body = c.req.valid("json");
    refuseUrl(body.url, c.env);
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const secret = newWebhookSecret();
    const row = await withFreshId(newEndpointId, async (id) => {
      const now = nowIso();
      const values = {
        id,
        accountId,
        url: body.url,
        description: body.description ?? "",
        eventTypes: body.event_types,
        enabled: body.enabled,
        secret: await sealEndpointSecret(c.env, accountId, id, secret),
        createdAt: now,
        updatedAt: now,
      };
      const [[inserted]] = await c.var.audit.commit([db.insert(webhookEndpoints).values(values).returning()], { resource: id, detail: { url: body.url, event_types: body.event_types } });
      return inserted!;
    });
    return c.json({ ...endpointView(row), secret }, 201);
  },
);

webhookEndpointsApi.openapi(
  securedRoute("account:read", {
    method: "get",
    path: "/webhooks/endpoints",
    tags: TAGS,
    summary: "List the account's webhook endpoints, newest first (secrets are never returned)",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(WebhookEndpoint, "WebhookEndpointPage"), "A page of endpoints.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.accountId, c.get("principal").accountId), afterCursor(cursor, webhookEndpoints.createdAt, webhookEndpoints.id)))
      .orderBy(...pageOrder(webhookEndpoints.createdAt, webhookEndpoints.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, endpointView), 200);
  },
);

webhookEndpointsApi.openapi(
  securedRoute("account:read", {
    method: "get",
    path: "/webhooks/endpoints/{id}",
    tags: TAGS,
    summary: "Get a webhook endpoint",
    request: { params: EndpointId },
    responses: { 200: jsonResponse(WebhookEndpoint, "The endpoint.") },
  }),
  async (c) => {
    const row = await database(c.env.DB).select().from(webhookEndpoints).where(owned(c.req.valid("param").id, c.get("principal").accountId)).get();
    if (!row) throw notFound("webhook endpoint");
    return c.json(endpointView(row), 200);
  },
);

webhookEndpointsApi.openapi(
  securedRoute("account:write", {
    method: "patch",
    path: "/webhooks/endpoints/{id}",
    tags: TAGS,
    summary: "Change an endpoint's URL, event types, description, or enable/disable it",
    request: { params: EndpointId, ...jsonBody(UpdateWebhookEndpoint) },
    responses: { 200: jsonResponse(WebhookEndpoint, "The updated endpoint.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.url !== undefined) refuseUrl(body.url, c.env);
    const db = database(c.env.DB);
    const [[row]] = await c.var.audit.commit(
      [
        db
          .update(webhookEndpoints)
          .set({
            ...(body.url !== undefined ? { url: body.url } : {}),
            ...(body.event_types !== undefined ? { eventTypes: body.event_types } : {}),
            ...(body.description !== undefined ? { description: body.description } : {}),
            // Enabled again by the tenant: the platform's reason no longer holds.
            ...(body.enabled !== undefined ? { enabled: body.enabled, disabledReason: null } : {}),
            updatedAt: nowIso(),
          })
          .where(owned(id, c.get("principal").accountId))
          .returning(),
      ],
      { ifChanged: true, detail: { fields: Object.keys(body) } },
    );
    if (!row) throw notFound("webhook endpoint");
    return c.json(endpointView(row), 200);
  },
);

webhookEndpointsApi.openapi(
  securedRoute("account:write", {
    method: "delete",
    path: "/webhooks/endpoints/{id}",
    tags: TAGS,
    summary: "Delete a webhook endpoint (its pending deliveries are dropped)",
    request: { params: EndpointId },
    responses: { 200: jsonResponse(WebhookEndpoint, "The deleted endpoint.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const db = database(c.env.DB);
    const [[row]] = await c.var.audit.commit([db.delete(webhookEndpoints).where(owned(id, c.get("principal").accountId)).returning()], { ifChanged: true });
    if (!row) throw notFound("webhook endpoint");
    return c.json(endpointView(row), 200);
  },
);

webhookEndpointsApi.openapi(
  securedRoute(
    "account:write",
    {
      method: "post",
      path: "/webhooks/endpoints/{id}/rotate-secret",
      tags: TAGS,
      summary: "Replace the signing secret; the old one keeps signing beside it for 24 h",
      request: { params: EndpointId },
      responses: { 200: jsonResponse(WebhookEndpointWithSecret, "The endpoint and its new secret.") },
    },
    { secretResponse: true },
  ),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const current = await db.select().from(webhookEndpoints).where(owned(id, accountId)).get();
    if (!current) throw notFound("webhook endpoint");
    const secret = newWebhookSecret();
    const expiresAt = new Date(Date.now() + ROTATION_OVERLAP_MS).toISOString();
    const [[row]] = await c.var.audit.commit(
      [
        db
          .update(webhookEndpoints)
          .set({ secret: await sealEndpointSecret(c.env, accountId, id, secret), previousSecret: current.secret, previousSecretExpiresAt: expiresAt, updatedAt: nowIso() })
          // Only over the secret just read: two rotations at once must not both keep the same "previous" secret.
          .where(and(owned(id, accountId), eq(webhookEndpoints.updatedAt, current.updatedAt)))
          .returning(),
      ],
      { ifChanged: true },
    );
    if (!row) throw new ApiError("conflict", "the endpoint changed while its secret was rotated; try again");
    return c.json({ ...endpointView(row), secret }, 200);
  },
);

const PingQueued = z.object({ message_id: z.string(), event_id: z.string() }).openapi("WebhookPingQueued");

webhookEndpointsApi.openapi(
  securedRoute("account:write", {
    method: "post",
    path: "/webhooks/endpoints/{id}/ping",
    tags: TAGS,
    summary: "Send a test event (`ping`) to this endpoint, whatever its event types",
    request: { params: EndpointId },
    responses: { 202: jsonResponse(PingQueued, "Queued; follow it in the delivery log.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const endpoint = await db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(owned(id, accountId)).get();
    if (!endpoint) throw notFound("webhook endpoint");
    const event: WebhookEvent<"ping"> = {
      id: `evt_${crypto.randomUUID()}`,
      type: "ping",
      created_at: nowIso(),
      account_id: accountId,
      data: { endpoint_id: id, message: "A test event from Aybiza." },
    };
    const row = messageRow(event, id);
    await c.var.audit.commit([db.insert(webhookMessages).values(row)], { resource: id, detail: { message_id: row.id } });
    await sendDeliveries(c.env, accountId, [row.id]);
    return c.json({ message_id: row.id, event_id: event.id }, 202);
  },
);
