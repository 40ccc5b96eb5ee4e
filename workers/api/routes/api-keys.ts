import { z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { database, nowIso } from "../../../shared/db/client.ts";
import { apiKeys } from "../../../shared/db/schema.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { displayName } from "../../../shared/schemas/text-fields.ts";
import { forgetApiKeys } from "../../auth/authenticate.ts";
import { SCOPES, type Scope } from "../../auth/scopes.ts";
import { issueApiKey, type ApiKeyRow } from "../../services/api-key-issuer.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../pagination.ts";
import { ApiError, notFound } from "../problem.ts";
import { IdParam, jsonBody, jsonResponse, resourceApp, securedRoute } from "../route.ts";

const ApiKey = z
  .object({
    id: z.string().openapi({ example: "KEY-7KQ2M9XD4H" }),
    name: z.string(),
    prefix: z.string().openapi({ description: "The key's first characters, to recognise it.", example: "ayb_live_x7Fq" }),
    scopes: z.array(z.enum(SCOPES)),
    created_by: z.string().nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable().openapi({ description: "Updated at most once a minute." }),
    revoked_at: z.string().nullable(),
  })
  .openapi("ApiKey");

const CreateApiKey = z
  .object({
    name: displayName(200),
    scopes: z
      .array(z.enum(SCOPES))
      .min(1)
      .refine((s) => new Set(s).size === s.length, "list each scope once")
      .openapi({ description: "Must be a subset of the caller's own scopes." }),
  })
  .strict()
  .openapi("CreateApiKey");

const ApiKeyCreated = ApiKey.extend({ key: z.string().openapi({ description: "Shown once; store it now." }) }).openapi("ApiKeyCreated");

const apiKeyView = (k: ApiKeyRow): z.infer<typeof ApiKey> => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes as Scope[],
  created_by: k.createdBy,
  created_at: k.createdAt,
  last_used_at: k.lastUsedAt,
  revoked_at: k.revokedAt,
});

export const apiKeysApi = resourceApp();

apiKeysApi.openapi(
  securedRoute("keys:read", {
    method: "get",
    path: "/api-keys",
    tags: ["API keys"],
    summary: "List the account's API keys, newest first (secrets are never returned)",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(ApiKey, "ApiKeyPage"), "A page of keys.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.accountId, c.get("principal").accountId), afterCursor(cursor, apiKeys.createdAt, apiKeys.id)))
      .orderBy(...pageOrder(apiKeys.createdAt, apiKeys.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, apiKeyView), 200);
  },
);

apiKeysApi.openapi(
  securedRoute("keys:write", {
    method: "post",
    path: "/api-keys",
    tags: ["API keys"],
    summary: "Create an API key with some of the caller's scopes",
    request: jsonBody(CreateApiKey),
    responses: { 201: jsonResponse(ApiKeyCreated, "The key; `key` is shown only here.") },
  }, { secretResponse: true }),
  async (c) => {
    const { name, scopes } = c.req.valid("json");
    const principal = c.get("principal");
    // A key can never grant more than its creator holds, or a narrow key could mint itself a wider one.
    const beyond = scopes.filter((s) => !principal.scopes.has(s));
    if (beyond.length > 0) {
      throw new ApiError("forbidden", `you cannot grant scopes you do not hold: ${beyond.join(", ")}; remove them from \`scopes\``, {
        scopes_not_held: beyond,
      });
    }
    const { row, secret } = await issueApiKey(database(c.env.DB), { accountId: principal.accountId, name, scopes, createdBy: principal.actor });
    c.set("auditResource", row.id);
    c.set("auditDetail", { scopes });
    return c.json({ ...apiKeyView(row), key: secret }, 201);
  },
);

apiKeysApi.openapi(
  securedRoute("keys:write", {
    method: "delete",
    path: "/api-keys/{id}",
    tags: ["API keys"],
    summary: "Revoke an API key (at once and for good; revoking twice keeps the first time)",
    request: { params: IdParam(ID_PATTERNS.apiKey, "KEY-7KQ2M9XD4H") },
    responses: { 200: jsonResponse(ApiKey, "The revoked key.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const row = await database(c.env.DB)
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${nowIso()})` })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.accountId, c.get("principal").accountId)))
      .returning()
      .get();
    if (!row) throw notFound("API key");
    forgetApiKeys({ keyId: row.id });
    return c.json(apiKeyView(row), 200);
  },
);
