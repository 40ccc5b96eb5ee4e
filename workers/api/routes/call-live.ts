import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { database } from "../../../shared/db/client.ts";
import { calls } from "../../../shared/db/schema.ts";
import { callRecordsDbOf, callSession } from "../../../shared/residency/residency.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { ApiError, notFound } from "../problem.ts";
import { IdParam, jsonResponse, problem, resourceApp, securedRoute, withResponseHeaders } from "../route.ts";

/** The path of the one `/v1` route that a ticket, not a credential, authenticates (app.ts lets it past the bearer check). */
export const LIVE_TRANSCRIPT_PATH = /^\/v1\/calls\/[^/]+\/live$/;

const LIVE = ["queued", "initiated", "ringing", "in-progress"];
const callParams = IdParam(ID_PATTERNS.call, "CAL-7KQ2M9XD4HTV2R");

const LiveTicket = z
  .object({
    ticket: z.string().openapi({ description: "Pass as `?ticket=` to `GET /v1/calls/{id}/live`, once." }),
    expires_at: z.string().openapi({ description: "A minute after issue; unused, it is refused after this." }),
  })
  .openapi("LiveTicket");

export const callLiveApi = resourceApp();

callLiveApi.openapi(
  securedRoute("calls:read", {
    method: "post",
    path: "/calls/{id}/live-ticket",
    tags: ["Calls"],
    summary: "Issue a one-time ticket to watch a live call's transcript",
    description:
      "A browser's EventSource cannot send a bearer token, so the live transcript takes this ticket instead: good for one connection to this call, within 60 seconds. 409 `conflict` once the call has ended (its transcript is at `GET /v1/calls/{id}`).",
    request: { params: callParams },
    responses: { 201: jsonResponse(LiveTicket, "The ticket."), 409: problem("`conflict`: the call has ended.") },
  }, { secretResponse: true }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const [call] = await database(callRecordsDbOf(c.env, id)).select({ status: calls.status }).from(calls).where(and(eq(calls.id, id), eq(calls.accountId, accountId))).limit(1).all();
    if (!call) throw notFound("call");
    const issued = LIVE.includes(call.status) ? await callSession(c.env, id).issueLiveTicket(accountId) : null;
    if (!issued) throw new ApiError("conflict", "the call has ended; its transcript is at GET /v1/calls/{id}", { call_id: id });
    await c.var.audit.commit([]);
    return c.json({ ticket: issued.ticket, expires_at: new Date(issued.expiresAt).toISOString() }, 201);
  },
);

callLiveApi.openapi(
  createRoute({
    method: "get",
    path: "/calls/{id}/live",
    tags: ["Calls"],
    summary: "Stream a live call's transcript (Server-Sent Events)",
    description:
      "Authenticated by a ticket from `POST /v1/calls/{id}/live-ticket`, not a bearer token. Sends a `turn` event for each finished caller or agent turn (`seq`, `role`, `text`, `interrupted`, `started_at`, `ended_at`), those already finished first, then `end` (`status`, `end_reason`, `ended_at`) when the call ends, and closes. A ticket that is missing, unknown, used, expired or another call's is refused with 401.",
    security: [{ liveTicket: [] }],
    request: { params: callParams, query: z.object({ ticket: z.string().max(200).optional() }) },
    responses: withResponseHeaders({
      200: { description: "The event stream.", content: { "text/event-stream": { schema: z.string() } } },
      401: problem("`unauthenticated`: no valid ticket for this call."),
      404: problem("`not-found`: not a call id."),
      422: problem("`validation-error`: each issue is listed in `errors`."),
    }),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { ticket } = c.req.valid("query");
    const opened = ticket ? await callSession(c.env, id).openLive(ticket) : { ok: false as const, reason: "missing" as const };
    if (!opened.ok) throw new ApiError("unauthenticated", `the live ticket is ${opened.reason === "expired" ? "expired" : "missing, unknown, already used or not for this call"}; get a new one from POST /v1/calls/{id}/live-ticket`);
    return new Response(opened.stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
  },
);
