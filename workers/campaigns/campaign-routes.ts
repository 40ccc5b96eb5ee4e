import { refuseCampaignsOnTrial } from "../compliance/trial/trial-guards.ts";
import { z } from "@hono/zod-openapi";
import { and, eq, inArray } from "drizzle-orm";
import type { Context } from "hono";
import { liveAgentVersion } from "../../shared/agents/live-agent.ts";
import { campaignObject, type TransitionResult } from "../../shared/campaigns/campaign-rpc.ts";
import { ContactBatch, CreateCampaign } from "../../shared/campaigns/campaign-schemas.ts";
import { database, nowIso } from "../../shared/db/client.ts";
import { campaigns } from "../../shared/db/campaigns-schema.ts";
import { accounts, phoneNumbers } from "../../shared/db/schema.ts";
import { ID_PATTERNS, newCampaignId } from "../../shared/ids.ts";
import { zE164 } from "../../shared/phone/e164.ts";
import type { AppEnv } from "../api/app-env.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../api/pagination.ts";
import { ApiError, notFound } from "../api/problem.ts";
import { IdParam, jsonBody, jsonResponse, resourceApp, securedRoute } from "../api/route.ts";
import { publicBaseUrl } from "../twilio/public-url.ts";
import { Campaign, campaignView } from "./campaign-views.ts";

export const campaignsApi = resourceApp();
export const campaignParams = IdParam(ID_PATTERNS.campaign, "CMP-7KQ2M9XD4H");

/** The caller's campaign, or 404 (another tenant's id is not found either). */
export async function ownedCampaign(c: Context<AppEnv>, id: string) {
  const row = await database(c.env.DB).select().from(campaigns).where(and(eq(campaigns.id, id), eq(campaigns.accountId, c.get("principal").accountId))).get();
  if (!row) throw notFound("campaign");
  return row;
}

const invalid = (path: string, message: string, detail = message) => new ApiError("validation-error", detail, { errors: [{ path, message }] });

campaignsApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/campaigns",
    tags: ["Campaigns"],
    summary: "Create an outbound campaign (a draft) with its first contacts",
    description:
      "An account on trial is refused with 403 `verification-required`. Every dial later passes the same checks as `POST /v1/calls` (consent, do-not-call, calling hours, account status, concurrency, credit). `max_concurrency` may not exceed the account's `max_concurrent_calls` less its `reserved_inbound`. Calling hours must sit inside 08:00–21:00 (the callee's local time in its own zone and its area code's). More contacts: `POST /v1/campaigns/{id}/contacts` (JSON, 1,000 a batch) or `/contacts/csv` (text/csv, up to 100,000 rows).",
    request: jsonBody(CreateCampaign),
    responses: { 201: jsonResponse(Campaign, "The campaign, in `draft`; `POST …/start` schedules it.") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    await refuseCampaignsOnTrial(db, accountId);
    const [account, owned] = await Promise.all([
      db.select().from(accounts).where(eq(accounts.id, accountId)).get(),
      db.select({ e164: phoneNumbers.e164 }).from(phoneNumbers).where(and(eq(phoneNumbers.accountId, accountId), eq(phoneNumbers.status, "active"), inArray(phoneNumbers.e164, body.caller_ids))).all(),
    ]);
    const ownedSet = new Set(owned.map((n) => n.e164));
    const foreign = body.caller_ids.findIndex((n) => !ownedSet.has(n));
    if (foreign >= 0) throw invalid(`caller_ids.${foreign}`, "not an active number of this account", `${body.caller_ids[foreign]} is not one of this account's active numbers`);
    if (!(await liveAgentVersion(c.env, accountId, body.agent_id))) throw invalid("agent_id", "no live version", "the agent does not exist, is archived, or was never published");
    const limit = account!.maxConcurrentCalls - account!.reservedInbound;
    if (body.max_concurrency > limit) {
      throw invalid("max_concurrency", `at most ${limit}`, `max_concurrency ${body.max_concurrency} exceeds the account's ${account!.maxConcurrentCalls} concurrent calls less ${account!.reservedInbound} reserved for inbound calls`);
    }

    const id = newCampaignId();
    const { contacts, name, ...config } = body;
    const now = Date.now();
    const stub = campaignObject(c.env, id);
    // The object first: a D1 row never points at an object without its settings.
    const added = await stub.init({ campaignId: id, accountId, name, config, publicBaseUrl: publicBaseUrl(c.env, c.req.raw) }, contacts, now);
    const at = nowIso();
    const [[row]] = await c.var.audit.commit(
      [db.insert(campaigns).values({ id, accountId, agentId: body.agent_id, name, state: "draft", config: config as unknown as Record<string, unknown>, contactCount: added.added, createdAt: at, updatedAt: at }).returning()],
      { resource: id, detail: { contacts: added.added, max_concurrency: body.max_concurrency } },
    );
    return c.json(campaignView(row!, await stub.progress()), 201);
  },
);

campaignsApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/campaigns",
    tags: ["Campaigns"],
    summary: "List the account's campaigns, newest first",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(Campaign, "CampaignPage"), "A page of campaigns.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.accountId, c.get("principal").accountId), afterCursor(cursor, campaigns.createdAt, campaigns.id)))
      .orderBy(...pageOrder(campaigns.createdAt, campaigns.id))
      .limit(limit + 1)
      .all();
    const progress = await Promise.all(rows.slice(0, limit).map((r) => campaignObject(c.env, r.id).progress()));
    const byId = new Map(rows.map((r, i) => [r.id, progress[i]]));
    return c.json(toPage(rows, limit, (r) => campaignView(r, byId.get(r.id)!)), 200);
  },
);

campaignsApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/campaigns/{id}",
    tags: ["Campaigns"],
    summary: "A campaign with live progress counts",
    request: { params: campaignParams },
    responses: { 200: jsonResponse(Campaign, "The campaign.") },
  }),
  async (c) => {
    const row = await ownedCampaign(c, c.req.valid("param").id);
    return c.json(campaignView(row, await campaignObject(c.env, row.id).progress()), 200);
  },
);

const TRANSITIONS = {
  start: { summary: "Schedule a draft campaign: it starts dialling in the first open calling window", to: "scheduled" },
  pause: { summary: "Pause a scheduled or running campaign (calls in flight finish; nothing new is dialled)", to: "paused" },
  resume: { summary: "Resume a paused campaign", to: "scheduled" },
  cancel: { summary: "Cancel a campaign: contacts still waiting are skipped (`cancelled`); calls in flight finish", to: "cancelled" },
} as const;

for (const [action, { summary }] of Object.entries(TRANSITIONS) as [keyof typeof TRANSITIONS, (typeof TRANSITIONS)[keyof typeof TRANSITIONS]][]) {
  campaignsApi.openapi(
    securedRoute("calls:write", {
      method: "post",
      path: `/campaigns/{id}/${action}`,
      tags: ["Campaigns"],
      summary,
      description: action === "start" || action === "resume" ? "409 `conflict` when the campaign's state does not allow it; 403 `verification-required` while the account is on trial." : "409 `conflict` when the campaign's state does not allow it.",
      request: { params: campaignParams },
      responses: { 200: jsonResponse(Campaign, "The campaign after the change.") },
    }),
    async (c) => {
      const row = await ownedCampaign(c, c.req.valid("param").id);
      // Starting or resuming dials; pausing and cancelling stay open to an account sent back to trial.
      if (action === "start" || action === "resume") await refuseCampaignsOnTrial(database(c.env.DB), row.accountId);
      const stub = campaignObject(c.env, row.id);
      const result: TransitionResult<string> = await stub[action](Date.now());
      if (!result.ok) throw new ApiError("conflict", result.conflict);
      await c.var.audit.commit([], { resource: row.id, detail: { state: result.value } });
      return c.json(campaignView(await ownedCampaign(c, row.id), await stub.progress()), 200);
    },
  );
}

const ContactsAdded = z.object({ added: z.number().int(), duplicates: z.array(z.string()), total: z.number().int() }).openapi("CampaignContactsAdded");

campaignsApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/campaigns/{id}/contacts",
    tags: ["Campaigns"],
    summary: "Add up to 1,000 contacts to a draft or paused campaign",
    description: "A phone already in the campaign is listed in `duplicates` and not added (nobody is called twice). 409 unless the campaign is draft or paused.",
    request: { params: campaignParams, ...jsonBody(ContactBatch) },
    responses: { 200: jsonResponse(ContactsAdded, "What was added.") },
  }),
  async (c) => {
    const row = await ownedCampaign(c, c.req.valid("param").id);
    const result = await campaignObject(c.env, row.id).addContacts(c.req.valid("json").contacts, Date.now());
    if (!result.ok) throw new ApiError("conflict", result.conflict);
    await c.var.audit.commit([], { resource: row.id, detail: { added: result.value.added } });
    return c.json(result.value, 200);
  },
);

const RemoveContacts = z.object({ phones: z.array(zE164).min(1).max(1_000) }).strict().openapi("CampaignContactsRemove");

campaignsApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/campaigns/{id}/contacts/remove",
    tags: ["Campaigns"],
    summary: "Remove contacts that were never dialled from a draft or paused campaign",
    request: { params: campaignParams, ...jsonBody(RemoveContacts) },
    responses: { 200: jsonResponse(z.object({ removed: z.number().int(), total: z.number().int() }).openapi("CampaignContactsRemoved"), "What was removed.") },
  }),
  async (c) => {
    const row = await ownedCampaign(c, c.req.valid("param").id);
    const result = await campaignObject(c.env, row.id).removeContacts(c.req.valid("json").phones, Date.now());
    if (!result.ok) throw new ApiError("conflict", result.conflict);
    await c.var.audit.commit([], { resource: row.id, detail: { removed: result.value.removed } });
    return c.json(result.value, 200);
  },
);
