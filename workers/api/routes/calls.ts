import { z } from "@hono/zod-openapi";
import { and, asc, desc, eq, gte, inArray, lt } from "drizzle-orm";
import { database } from "../../../shared/db/client.ts";
import { CallAnalysis, callAnalysisView } from "../../../shared/analysis/call-analysis-view.ts";
import { callAnalyses, callEvents, calls, callTurns } from "../../../shared/db/schema.ts";
import { latestAnalysisMatching } from "../../analysis/analysis-filters.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { CURRENCIES, RATE_COMPONENTS } from "../../../shared/pg/schema.ts";
import type { CallCost as SettledCost } from "../../billing/call-charges.ts";
import { PRICED_UNITS } from "../../billing/pricing.ts";
import { zE164 } from "../../../shared/phone/e164.ts";
import { accountRecordsDb, callRecordsDbOf, callSession } from "../../../shared/residency/residency.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../pagination.ts";
import { notFound } from "../problem.ts";
import { IdParam, jsonResponse, resourceApp, securedRoute } from "../route.ts";

export const Call = z
  .object({
    id: z.string().openapi({ example: "CAL-7KQ2M9XD4HTV2R" }),
    agent_id: z.string(),
    agent_version: z.number().int(),
    direction: z.enum(calls.direction.enumValues),
    from: z.string(),
    to: z.string(),
    status: z.enum(calls.status.enumValues),
    twilio_call_sid: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    duration_seconds: z.number().int().nullable(),
    end_reason: z.string().nullable(),
    answered_by: z.string().nullable().openapi({ description: "Twilio's answering-machine detection result, when enabled." }),
    recording_sid: z.string().nullable(),
    recording_status: z.string().nullable(),
  })
  .openapi("Call");

const CallTurn = z
  .object({
    seq: z.number().int(),
    role: z.enum(callTurns.role.enumValues),
    text: z.string(),
    interrupted: z.boolean().openapi({ description: "The caller barged in before the agent finished this turn." }),
    started_at: z.string(),
    ended_at: z.string().nullable(),
    timings: z
      .record(z.string(), z.number())
      .nullable()
      .openapi({
        description:
          "Integer ms. Timestamps from the end of the caller's speech (for a fixed line such as the greeting, from when it was asked for): `speech_end_ms`, `stt_final_ms`, `llm_request_ms`, `llm_first_token_ms`, `first_chunk_to_tts_ms`, `tts_first_byte_ms`, `first_audio_sent_ms`. Spans: `stt_ms`, `llm_ttft_ms`, `tts_ttfb_ms`, `voice_to_voice_ms`, `platform_overhead_ms`. Tool turns: `duration_ms`, `ok`.",
      }),
    voice_to_voice_ms: z.number().int().nullable().openapi({ description: "End of caller speech to the first agent audio sent to Twilio." }),
    platform_overhead_ms: z.number().int().nullable().openapi({ description: "The part of voice_to_voice_ms not spent waiting on providers." }),
  })
  .openapi("CallTurn");

const CallEvent = z.object({ type: z.string(), at: z.string(), data: z.unknown().nullable() }).openapi("CallEvent");

const CallCostLine = z
  .object({
    component: z.enum(RATE_COMPONENTS),
    model: z.string().optional().openapi({ description: "The model a token line is for." }),
    quantity: z.number().openapi({ description: "In `unit`s: whole minutes (rounded up), seconds, characters, or thousands of tokens." }),
    unit: z.enum(PRICED_UNITS),
    micros_per_unit: z.number().int().openapi({ description: "The unit price, in millionths of the currency unit." }),
    amount_minor: z.number().int().openapi({ description: "quantity × unit price, rounded once, half up, to minor units (cents, pence)." }),
    estimated: z.boolean().openapi({ description: "Partly estimated: a model turn ended before Bedrock reported its usage." }),
  })
  .openapi("CallCostLine");

const CallCost = z
  .object({
    currency: z.enum(CURRENCIES),
    total_minor: z.number().int().openapi({ description: "The sum of the lines' amounts, in minor units." }),
    estimated: z.boolean(),
    lines: z.array(CallCostLine).openapi({ description: "One line per component used (per model for tokens)." }),
    priced_at: z.string(),
  })
  .openapi("CallCost");

const CallDetail = Call.extend({
  metrics: z.record(z.string(), z.unknown()).nullable().openapi({ description: "Call-level latency and quality figures, set when the call ends." }),
  usage: z.record(z.string(), z.unknown()).nullable().openapi({ description: "Billable usage (audio seconds, tokens, characters), set when the call ends." }),
  cost: CallCost.nullable().openapi({ description: "The call's price on the account's rate card, once settled (shortly after the call ends); null until then." }),
  turns: z.array(CallTurn).openapi({ description: "The transcript, in order." }),
  events: z.array(CallEvent),
  analysis: z.array(CallAnalysis).openapi({ description: "Post-call analyses, newest first (empty when the agent asks for none)." }),
}).openapi("CallDetail");

type CallRow = typeof calls.$inferSelect;
type TurnRow = typeof callTurns.$inferSelect;
type EventRow = typeof callEvents.$inferSelect;

export const callView = (r: CallRow): z.infer<typeof Call> => ({
  id: r.id,
  agent_id: r.agentId,
  agent_version: r.agentVersion,
  direction: r.direction,
  from: r.fromNumber,
  to: r.toNumber,
  status: r.status,
  twilio_call_sid: r.twilioCallSid,
  created_at: r.createdAt,
  started_at: r.startedAt,
  answered_at: r.answeredAt,
  ended_at: r.endedAt,
  duration_seconds: r.durationSeconds,
  end_reason: r.endReason,
  answered_by: r.answeredBy,
  recording_sid: r.recordingSid,
  recording_status: r.recordingStatus,
});

const turnView = (t: TurnRow): z.infer<typeof CallTurn> => ({
  seq: t.seq,
  role: t.role,
  text: t.text,
  interrupted: t.interrupted,
  started_at: t.startedAt,
  ended_at: t.endedAt,
  timings: t.timings as Record<string, number> | null,
  voice_to_voice_ms: t.voiceToVoiceMs,
  platform_overhead_ms: t.platformOverheadMs,
});

const LIVE = new Set(["queued", "initiated", "ringing", "in-progress"]);

async function liveTurns(env: Env, callId: string): Promise<z.infer<typeof CallTurn>[]> {
  const state = await callSession(env, callId).state();
  return state.turns.map((t) =>
    turnView({ ...t, callId, accountId: "", voiceToVoiceMs: t.timings?.voice_to_voice_ms ?? null, platformOverheadMs: t.timings?.platform_overhead_ms ?? null }),
  );
}

const eventView = (e: EventRow): z.infer<typeof CallEvent> => ({ type: e.type, at: e.at, data: e.data });

const Timestamp = z.iso.datetime({ offset: true, error: "an ISO 8601 date-time with a time zone, e.g. 2026-05-01T14:30:00Z" });

const CallFilters = PageQuery.extend({
  status: z.enum(calls.status.enumValues).optional(),
  direction: z.enum(calls.direction.enumValues).optional(),
  agent_id: z.string().regex(ID_PATTERNS.agent, "not a valid agent id").optional(),
  from: zE164.optional().openapi({ description: "The calling number (URL-encode the `+` as `%2B`)." }),
  to: zE164.optional().openapi({ description: "The called number (URL-encode the `+` as `%2B`)." }),
  created_after: Timestamp.optional().openapi({ description: "Calls created at or after this instant." }),
  created_before: Timestamp.optional().openapi({ description: "Calls created before this instant (so consecutive windows never overlap)." }),
  success: z.enum(["true", "false"]).optional().openapi({ description: "The latest analysis succeeded, and its verdict counts as a success (`true`) or not (`false`)." }),
  sentiment: CallAnalysis.shape.sentiment.unwrap().optional().openapi({ description: "The latest analysis found this caller sentiment." }),
  disposition: z.string().max(64).optional().openapi({ description: "The latest analysis picked this disposition tag." }),
});

// Stored timestamps are UTC `toISOString()` strings: a bound must take the same form to compare as a string.
const utc = (timestamp: string) => new Date(timestamp).toISOString();

export const callsApi = resourceApp();

callsApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/calls",
    tags: ["Calls"],
    summary: "List calls, newest first, with filters",
    request: { query: CallFilters },
    responses: { 200: jsonResponse(pageOf(Call, "CallPage"), "A page of calls.") },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const records = database(await accountRecordsDb(c.env, c.get("principal").accountId));
    const rows = await records
      .select()
      .from(calls)
      .where(
        and(
          eq(calls.accountId, c.get("principal").accountId),
          q.status ? eq(calls.status, q.status) : undefined,
          q.direction ? eq(calls.direction, q.direction) : undefined,
          q.agent_id ? eq(calls.agentId, q.agent_id) : undefined,
          q.from ? eq(calls.fromNumber, q.from) : undefined,
          q.to ? eq(calls.toNumber, q.to) : undefined,
          q.created_after ? gte(calls.createdAt, utc(q.created_after)) : undefined,
          q.created_before ? lt(calls.createdAt, utc(q.created_before)) : undefined,
          q.success || q.sentiment || q.disposition ? inArray(calls.id, latestAnalysisMatching(records, c.get("principal").accountId, q)) : undefined,
          afterCursor(q.cursor, calls.createdAt, calls.id),
        ),
      )
      .orderBy(...pageOrder(calls.createdAt, calls.id))
      .limit(q.limit + 1)
      .all();
    return c.json(toPage(rows, q.limit, callView), 200);
  },
);

callsApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/calls/{id}",
    tags: ["Calls"],
    summary: "Get a call with its transcript, per-turn latency, events, metrics and usage",
    request: { params: IdParam(ID_PATTERNS.call, "CAL-7KQ2M9XD4HTV2R") },
    responses: { 200: jsonResponse(CallDetail, "The call.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const db = database(callRecordsDbOf(c.env, id));
    const [[call], turns, events, analyses] = await db.batch([
      db.select().from(calls).where(and(eq(calls.id, id), eq(calls.accountId, accountId))).limit(1),
      db.select().from(callTurns).where(and(eq(callTurns.callId, id), eq(callTurns.accountId, accountId))).orderBy(asc(callTurns.seq)),
      db.select().from(callEvents).where(and(eq(callEvents.callId, id), eq(callEvents.accountId, accountId))).orderBy(asc(callEvents.id)),
      db.select().from(callAnalyses).where(and(eq(callAnalyses.callId, id), eq(callAnalyses.accountId, accountId))).orderBy(desc(callAnalyses.analysisVersion)),
    ]);
    if (!call) throw notFound("call");
    return c.json(
      {
        ...callView(call),
        metrics: call.metrics as Record<string, unknown> | null,
        usage: call.usage as Record<string, unknown> | null,
        cost: call.cost as SettledCost | null,
        // A live call's transcript is still in its Durable Object (it reaches D1 when the call ends).
        turns: LIVE.has(call.status) && turns.length === 0 ? await liveTurns(c.env, id) : turns.map(turnView),
        events: events.map(eventView),
        analysis: analyses.map(callAnalysisView),
      },
      200,
    );
  },
);
