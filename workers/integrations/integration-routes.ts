import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { database, nowIso } from "../../shared/db/client.ts";
import { integrationConnections } from "../../shared/db/workflows-schema.ts";
import { sealCredentials } from "../../shared/integrations/connection-credentials.ts";
import type { Credentials } from "../../shared/integrations/integration.ts";
import { INTEGRATIONS } from "../../shared/integrations/registry.ts";
import { urlRefusal } from "../../shared/tools/guarded-fetch.ts";
import { ApiError, notFound } from "../api/problem.ts";
import { jsonBody, jsonResponse, resourceApp, securedRoute } from "../api/route.ts";
import { IntegrationConnection } from "./connection-view.ts";

const TAGS = ["Integrations"];
const NameParam = z.object({ name: z.string().max(40).openapi({ param: { name: "name", in: "path" }, example: "hubspot" }) });

const IntegrationView = z
  .object({
    name: z.string(),
    title: z.string(),
    auth: z.enum(["api_key", "oauth2", "incoming_webhook", "none"]),
    oauth: z.boolean().openapi({ description: "Connectable through OAuth: `GET /v1/integrations/{name}/connect` (HubSpot also by its private-app token)." }),
    connection: z.enum(["connected", "broken", "not_connected"]).openapi({ description: "`broken`: the vendor refused the stored credentials; connect again." }),
    connected_at: z.string().nullable().openapi({ description: "When the account first connected it (null when not connected, or built in)." }),
    updated_at: z.string().nullable().openapi({ description: "When its credentials last changed: a reconnect, or an OAuth token refresh." }),
    actions: z.array(z.object({ name: z.string(), description: z.string(), input_schema: z.unknown(), output_schema: z.unknown() })),
  })
  .openapi("Integration");

const IntegrationName = z.string().max(40).openapi({ example: "hubspot" });
const Connect = z
  .union([
    z.object({ integration: IntegrationName, api_key: z.string().min(1).max(500) }).strict(),
    z.object({ integration: IntegrationName, webhook_url: z.string().max(2048) }).strict(),
  ])
  .openapi("ConnectIntegration", { description: "`api_key` for API-key integrations (HubSpot: a private-app token), `webhook_url` for incoming-webhook ones (Slack)." });

const lookupIntegration = (name: string) => (Object.hasOwn(INTEGRATIONS, name) ? INTEGRATIONS[name] : undefined);

const owned = (accountId: string, name: string) => and(eq(integrationConnections.accountId, accountId), eq(integrationConnections.integration, name));

export const integrationsApi = resourceApp();

integrationsApi.openapi(
  securedRoute("agents:read", {
    method: "get",
    path: "/integrations",
    tags: TAGS,
    summary: "The integration registry: each integration's auth, actions (with JSON Schemas) and this account's connection",
    responses: { 200: jsonResponse(z.object({ data: z.array(IntegrationView) }).openapi("IntegrationList"), "Every integration.") },
  }),
  async (c) => {
    const rows = await database(c.env.DB).select().from(integrationConnections).where(eq(integrationConnections.accountId, c.get("principal").accountId)).all();
    const connections = new Map(rows.map((r) => [r.integration, r]));
    const data = Object.values(INTEGRATIONS).map((integration) => ({
      name: integration.name,
      title: integration.title,
      auth: integration.auth.kind,
      oauth: integration.oauth !== undefined,
      connection: integration.auth.kind === "none" ? ("connected" as const) : (connections.get(integration.name)?.status ?? ("not_connected" as const)),
      connected_at: connections.get(integration.name)?.createdAt ?? null,
      updated_at: connections.get(integration.name)?.updatedAt ?? null,
      actions: Object.entries(integration.actions).map(([name, action]) => ({ name, description: action.description, input_schema: z.toJSONSchema(action.input, { io: "input" }), output_schema: z.toJSONSchema(action.output) })),
    }));
    return c.json({ data }, 200);
  },
);

integrationsApi.openapi(
  securedRoute("account:write", {
    method: "post",
    path: "/integration-connections",
    tags: TAGS,
    summary: "Connect (or reconnect) an API-key or incoming-webhook integration; the credentials are sealed and never shown again",
    request: jsonBody(Connect),
    responses: { 200: jsonResponse(IntegrationConnection, "The connection.") },
  }),
  async (c) => {
    const { integration: name, ...body } = c.req.valid("json");
    const integration = lookupIntegration(name);
    if (!integration) throw new ApiError("validation-error", `there is no integration "${name}"`, { errors: [{ path: "integration", message: "unknown integration", code: "unknown_integration" }] });
    const wanted = integration.auth.kind === "incoming_webhook" ? "webhook_url" : integration.auth.kind === "api_key" ? "api_key" : undefined;
    if (wanted === undefined || !(wanted in body)) {
      const detail = wanted === undefined ? `${integration.title} is not connected with a key or a URL: use GET /v1/integrations/${integration.name}/connect` : `${integration.title} is connected with \`${wanted}\``;
      throw new ApiError("validation-error", detail, { errors: [{ path: wanted ?? "(root)", message: detail, code: "wrong_credentials_kind" }] });
    }
    if ("webhook_url" in body) {
      const reason = urlRefusal(body.webhook_url, c.env);
      if (reason) throw new ApiError("validation-error", `this URL cannot be called: ${reason}`, { errors: [{ path: "webhook_url", message: reason, code: "url_not_allowed" }] });
    }
    const accountId = c.get("principal").accountId;
    const now = nowIso();
    const sealed = await sealCredentials(c.env, accountId, integration.name, body as Credentials);
    const db = database(c.env.DB);
    const [[row]] = await c.var.audit.commit(
      [
        db
          .insert(integrationConnections)
          .values({ accountId, integration: integration.name, status: "connected", credentials: sealed, createdAt: now, updatedAt: now })
          .onConflictDoUpdate({ target: [integrationConnections.accountId, integrationConnections.integration], set: { status: "connected", credentials: sealed, updatedAt: now } })
          .returning(),
      ],
      { resource: integration.name, detail: { integration: integration.name } },
    );
    return c.json({ name: integration.name, connection: row!.status, updated_at: row!.updatedAt }, 200);
  },
);

integrationsApi.openapi(
  securedRoute("account:write", {
    method: "delete",
    path: "/integration-connections/{name}",
    tags: TAGS,
    summary: "Disconnect an integration (its sealed credentials are deleted)",
    request: { params: NameParam },
    responses: { 200: jsonResponse(IntegrationConnection, "The removed connection.") },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const db = database(c.env.DB);
    const [[row]] = await c.var.audit.commit([db.delete(integrationConnections).where(owned(c.get("principal").accountId, name)).returning()], { ifChanged: true, resource: name });
    if (!row) throw notFound("integration connection");
    return c.json({ name, connection: row.status, updated_at: row.updatedAt }, 200);
  },
);
