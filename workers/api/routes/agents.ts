import { z } from "@hono/zod-openapi";
import { and, desc, eq } from "drizzle-orm";
import { database, nowIso, type Database } from "../../../shared/db/client.ts";
import { agents, agentVersions, phoneNumbers } from "../../../shared/db/schema.ts";
import { ID_PATTERNS, newAgentId, withFreshId } from "../../../shared/ids.ts";
import { isUniqueViolation } from "../../../shared/db/errors.ts";
import { AgentConfig } from "../../../shared/schemas/agent-config.ts";
import type { AppEnv } from "../app-env.ts";
import type { Context } from "hono";
import { cacheAgentIfCurrent, cachePublishedVersion, commitAgentWrite, readCachedAgent, serializedVersion } from "../../../shared/agents/agent-config-cache.ts";
import { sealAgentSecrets } from "../../services/agent-secrets.ts";
import { toolUrlIssues, toolUrlPolicy } from "../../../shared/tools/tool-url-policy.ts";
import { redactAgentSecrets, type StoredAgentConfig } from "../../../shared/agents/stored-agent-config.ts";
import { displayName } from "../../../shared/schemas/text-fields.ts";
import { afterCursor, belowCursor, PageQuery, pageOf, pageOrder, toNumberedPage, toPage } from "../pagination.ts";
import { ApiError, notFound } from "../problem.ts";
import { IdParam, jsonBody, jsonResponse, problem, resourceApp, securedRoute } from "../route.ts";

const Agent = z
  .object({
    id: z.string().openapi({ example: "AGT-7KQ2M9XD4H" }),
    name: z.string(),
    status: z.enum(["active", "archived"]),
    live_version: z.number().int().nullable().openapi({ description: "The version new calls use; null until first published." }),
    latest_version: z.number().int(),
    draft: AgentConfig,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Agent");
type AgentView = z.infer<typeof Agent>;

const AgentVersion = z
  .object({
    agent_id: z.string(),
    version: z.number().int(),
    live: z.boolean(),
    config: AgentConfig,
    published_by: z.string(),
    published_at: z.string(),
  })
  .openapi("AgentVersion");

const CreateAgent = z.object({ name: displayName(200), config: AgentConfig }).strict().openapi("CreateAgent");
const UpdateAgent = z
  .object({ name: displayName(200).optional(), config: AgentConfig.optional() })
  .strict()
  .openapi("UpdateAgent", { description: "Edits the draft; calls keep using the live version until the next publish." });

type AgentRow = typeof agents.$inferSelect;
type VersionRow = typeof agentVersions.$inferSelect;

const agentView = (a: AgentRow): AgentView => ({
  id: a.id,
  name: a.name,
  status: a.status,
  live_version: a.liveVersion,
  latest_version: a.latestVersion,
  draft: redactAgentSecrets(a.draft as StoredAgentConfig),
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

const versionView = (v: VersionRow, liveVersion: number | null): z.infer<typeof AgentVersion> => ({
  agent_id: v.agentId,
  version: v.version,
  live: v.version === liveVersion,
  config: redactAgentSecrets(v.config as StoredAgentConfig),
  published_by: v.publishedBy,
  published_at: v.publishedAt,
});

const agentParams = IdParam(ID_PATTERNS.agent, "AGT-7KQ2M9XD4H");
const versionParams = agentParams.extend({ version: z.coerce.number().int().min(1).openapi({ param: { name: "version", in: "path" } }) });

async function ownAgent(db: Database, accountId: string, id: string): Promise<AgentRow> {
  const row = await db.select().from(agents).where(and(eq(agents.id, id), eq(agents.accountId, accountId))).get();
  if (!row) throw notFound("agent");
  return row;
}

/**
 * Commits an update of one agent with its audit entry; the agent's cached view is dropped around the commit
 * (`commitAgentWrite`), so the next read, and the call path, sees the change.
 */
async function updateAgent(c: Context<AppEnv>, id: string, set: Partial<typeof agents.$inferInsert>, detail?: Record<string, unknown>): Promise<AgentView> {
  const db = database(c.env.DB);
  const [[row]] = await commitAgentWrite(c.env, id, () => c.var.audit.commit([db.update(agents).set(set).where(eq(agents.id, id)).returning()], { detail }));
  return agentView(row!);
}

export const agentsApi = resourceApp();

agentsApi.openapi(
  securedRoute("agents:read", {
    method: "get",
    path: "/agents",
    tags: ["Agents"],
    summary: "List agents, newest first",
    request: { query: PageQuery.extend({ status: z.enum(["active", "archived"]).optional() }) },
    responses: { 200: jsonResponse(pageOf(Agent, "AgentPage"), "A page of agents.") },
  }),
  async (c) => {
    const { limit, cursor, status } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(agents)
      .where(and(eq(agents.accountId, c.get("principal").accountId), status ? eq(agents.status, status) : undefined, afterCursor(cursor, agents.createdAt, agents.id)))
      .orderBy(...pageOrder(agents.createdAt, agents.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, agentView), 200);
  },
);

/** A tool URL every call would refuse (SSRF gate) is a validation error when the agent is saved or published. */
function assertCallableToolUrls(tools: readonly { type: string; url?: string }[], env: Env): void {
  const errors = toolUrlIssues(tools, toolUrlPolicy(env));
  if (errors.length > 0) {
    throw new ApiError("validation-error", `tool URLs must be public https addresses: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, { errors });
  }
}

agentsApi.openapi(
  securedRoute("agents:write", {
    method: "post",
    path: "/agents",
    tags: ["Agents"],
    summary: "Create an agent (as a draft; publish it to take calls)",
    request: jsonBody(CreateAgent),
    responses: { 201: jsonResponse(Agent, "The new agent.") },
  }),
  async (c) => {
    const { name, config } = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    assertCallableToolUrls(config.tools, c.env);
    const draft = await sealAgentSecrets(config, accountId, c.env);
    const now = nowIso();
    const db = database(c.env.DB);
    const row = await withFreshId(newAgentId, async (id) => {
      const [[created]] = await c.var.audit.commit([db.insert(agents).values({ id, accountId, name, draft, createdAt: now, updatedAt: now }).returning()], { resource: id });
      return created!;
    });
    return c.json(agentView(row), 201);
  },
);

agentsApi.openapi(
  securedRoute("agents:read", {
    method: "get",
    path: "/agents/{id}",
    tags: ["Agents"],
    summary: "Get an agent (served from the edge cache when warm)",
    request: { params: agentParams },
    responses: { 200: jsonResponse(Agent, "The agent.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const cached = await readCachedAgent<{ view: AgentView }>(c.env, id);
    if (cached) {
      if (cached.account_id !== accountId) throw notFound("agent");
      return c.json(cached.view, 200);
    }
    const view = agentView(await ownAgent(database(c.env.DB), accountId, id));
    c.executionCtx.waitUntil(cacheAgentIfCurrent(c.env, { account_id: accountId, view }));
    return c.json(view, 200);
  },
);

agentsApi.openapi(
  securedRoute("agents:write", {
    method: "patch",
    path: "/agents/{id}",
    tags: ["Agents"],
    summary: "Rename an agent or replace its draft configuration",
    request: { params: agentParams, ...jsonBody(UpdateAgent) },
    responses: { 200: jsonResponse(Agent, "The updated agent.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const current = await ownAgent(db, accountId, id);
    if (current.status === "archived") throw new ApiError("conflict", "the agent is archived; create a new agent instead");
    if (input.config) assertCallableToolUrls(input.config.tools, c.env);
    const draft = input.config ? await sealAgentSecrets(input.config, accountId, c.env, current.draft as StoredAgentConfig) : undefined;
    return c.json(await updateAgent(c, id, { name: input.name, draft, updatedAt: nowIso() }), 200);
  },
);

agentsApi.openapi(
  securedRoute("agents:write", {
    method: "delete",
    path: "/agents/{id}",
    tags: ["Agents"],
    summary: "Archive an agent (its versions and call history are kept)",
    request: { params: agentParams },
    responses: { 200: jsonResponse(Agent, "The archived agent."), 409: problem("`conflict`: numbers still route to it.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    await ownAgent(db, accountId, id);
    const routed = await db.select({ e164: phoneNumbers.e164 }).from(phoneNumbers).where(and(eq(phoneNumbers.agentId, id), eq(phoneNumbers.status, "active"))).all();
    if (routed.length > 0) {
      throw new ApiError("conflict", `numbers still route to this agent (${routed.map((r) => r.e164).join(", ")}); reassign them first`);
    }
    return c.json(await updateAgent(c, id, { status: "archived", updatedAt: nowIso() }), 200);
  },
);

agentsApi.openapi(
  securedRoute("agents:write", {
    method: "post",
    path: "/agents/{id}/publish",
    tags: ["Agents"],
    summary: "Freeze the draft as a new immutable version and make it live",
    request: { params: agentParams },
    responses: { 201: jsonResponse(AgentVersion, "The published version, now live.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const principal = c.get("principal");
    const db = database(c.env.DB);
    const current = await ownAgent(db, principal.accountId, id);
    if (current.status === "archived") throw new ApiError("conflict", "the agent is archived and cannot be published");
    // Checked again: the draft may predate a change of TOOL_HOST_ALLOWLIST or PUBLIC_BASE_URL.
    assertCallableToolUrls((current.draft as StoredAgentConfig).tools, c.env);
    const version = current.latestVersion + 1;
    const publishedAt = nowIso();
    const config = current.draft as StoredAgentConfig;
    // Everything that could fail after the commit is done before it: the cache entry and the answer are
    // serialised first, so a publish either stands and is answered 201, or fails and nothing moved.
    const view = versionView({ agentId: id, version, accountId: principal.accountId, config, publishedBy: principal.actor, publishedAt }, version);
    let cacheEntry: ReturnType<typeof serializedVersion>;
    try {
      cacheEntry = serializedVersion({ account_id: principal.accountId, agent_id: id, version, config });
      JSON.stringify(view);
    } catch (err) {
      throw new ApiError("validation-error", `the draft cannot be published: ${err instanceof Error ? err.message : String(err)}; simplify the configuration`, {
        errors: [{ path: "config", message: "cannot be serialised" }],
      });
    }
    // One transaction: the new version row, the pointer and the audit entry commit together. A concurrent publish
    // of the same version number fails on the primary key instead of silently overwriting.
    try {
      await commitAgentWrite(c.env, id, () =>
        c.var.audit.commit(
          [
            db.insert(agentVersions).values({ agentId: id, version, accountId: principal.accountId, config: current.draft, publishedBy: principal.actor, publishedAt }),
            db.update(agents).set({ latestVersion: version, liveVersion: version, updatedAt: publishedAt }).where(and(eq(agents.id, id), eq(agents.latestVersion, current.latestVersion))),
          ],
          { detail: { version } },
        ),
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError("conflict", "another publish of this agent happened at the same time; retry");
      throw err;
    }
    await cachePublishedVersion(c.env, cacheEntry);
    return c.json(view, 201);
  },
);

agentsApi.openapi(
  securedRoute("agents:write", {
    method: "post",
    path: "/agents/{id}/rollback",
    tags: ["Agents"],
    summary: "Point the agent's live version at an earlier (or any published) version",
    request: { params: agentParams, ...jsonBody(z.object({ version: z.number().int().min(1) }).strict().openapi("Rollback")) },
    responses: { 200: jsonResponse(Agent, "The agent, now live on that version.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { version } = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    await ownAgent(db, accountId, id);
    const exists = await db.select({ v: agentVersions.version }).from(agentVersions).where(and(eq(agentVersions.agentId, id), eq(agentVersions.version, version))).get();
    if (!exists) {
      throw new ApiError("validation-error", `version ${version} of this agent was never published`, { errors: [{ path: "version", message: "no such version" }] });
    }
    return c.json(await updateAgent(c, id, { liveVersion: version, updatedAt: nowIso() }, { version }), 200);
  },
);

agentsApi.openapi(
  securedRoute("agents:read", {
    method: "get",
    path: "/agents/{id}/versions",
    tags: ["Agents"],
    summary: "List an agent's published versions, newest first",
    request: { params: agentParams, query: PageQuery },
    responses: { 200: jsonResponse(pageOf(AgentVersion, "AgentVersionPage"), "Versions.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    const db = database(c.env.DB);
    const agent = await ownAgent(db, c.get("principal").accountId, id);
    const rows = await db
      .select()
      .from(agentVersions)
      .where(and(eq(agentVersions.agentId, id), belowCursor(cursor, agentVersions.version)))
      .orderBy(desc(agentVersions.version))
      .limit(limit + 1)
      .all();
    return c.json(toNumberedPage(rows, limit, (v) => v.version, (v) => versionView(v, agent.liveVersion)), 200);
  },
);

agentsApi.openapi(
  securedRoute("agents:read", {
    method: "get",
    path: "/agents/{id}/versions/{version}",
    tags: ["Agents"],
    summary: "Get one published version",
    request: { params: versionParams },
    responses: { 200: jsonResponse(AgentVersion, "The version.") },
  }),
  async (c) => {
    const { id, version } = c.req.valid("param");
    const db = database(c.env.DB);
    const agent = await ownAgent(db, c.get("principal").accountId, id);
    const row = await db.select().from(agentVersions).where(and(eq(agentVersions.agentId, id), eq(agentVersions.version, version))).get();
    if (!row) throw notFound("agent version");
    return c.json(versionView(row, agent.liveVersion), 200);
  },
);
