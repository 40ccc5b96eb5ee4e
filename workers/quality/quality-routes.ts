import { z } from "@hono/zod-openapi";
import { CoachingSuggestion, CriterionScore, Violation, VIOLATION_KINDS } from "../../shared/analysis/call-quality.ts";
import { ID_PATTERNS } from "../../shared/ids.ts";
import { notFound } from "../api/problem.ts";
import { IdParam, jsonResponse, problem, resourceApp, securedRoute } from "../api/route.ts";
import { QualityStore } from "./quality-store.ts";
import { qualityTrends } from "./quality-trends.ts";
import { accountRecordsDb } from "../../shared/residency/residency.ts";

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 400;
const DEFAULT_RANGE_DAYS = 30;

const agentParams = IdParam(ID_PATTERNS.agent, "AGT-7KQ2M9XD4H");
const instant = z.string().datetime({ offset: true, message: "an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z" });

const QualityQuery = z
  .object({
    from: instant.optional().openapi({ description: `Calls that started at or after this instant; default ${DEFAULT_RANGE_DAYS} days before \`to\`.` }),
    to: instant.optional().openapi({ description: "…and before this one; default now." }),
    interval: z.enum(["day", "week"]).default("day").openapi({ description: "Buckets of UTC days, or of weeks starting on Monday (UTC)." }),
  })
  .superRefine((q, ctx) => {
    const to = q.to ? Date.parse(q.to) : Date.now();
    const from = q.from ? Date.parse(q.from) : to - DEFAULT_RANGE_DAYS * DAY_MS;
    if (from >= to) ctx.addIssue({ code: "custom", path: ["from"], message: "must be before `to`" });
    else if (to - from > MAX_RANGE_DAYS * DAY_MS) ctx.addIssue({ code: "custom", path: ["from"], message: `the range is at most ${MAX_RANGE_DAYS} days` });
  });

const TrendPoint = z.object({
  period_start: z.string().openapi({ description: "The UTC day (or the Monday of the week) as YYYY-MM-DD." }),
  agent_version: z.number().int(),
  calls: z.number().int().openapi({ description: "Calls judged (each by its latest analysis)." }),
  scored_calls: z.number().int(),
  average_score: z.number().nullable().openapi({ description: "Mean weighted total (0–100) of the scored calls; null when none had a scorecard." }),
  violations: z.number().int(),
  calls_with_violations: z.number().int(),
  violations_by_kind: z.partialRecord(z.enum(VIOLATION_KINDS), z.number().int()),
  violations_by_check: z.record(z.string(), z.number().int()).openapi({ description: "Per compliance check id." }),
});

const AgentQuality = z
  .object({ agent_id: z.string(), from: z.string(), to: z.string(), interval: z.enum(["day", "week"]), series: z.array(TrendPoint) })
  .openapi("AgentQuality");

const CoachingQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
  agent_version: z.coerce.number().int().min(1).optional().openapi({ description: "Only calls of this agent version." }),
});

const CoachingReport = z
  .object({
    agent_id: z.string(),
    calls: z.array(
      z.object({
        call_id: z.string(),
        agent_version: z.number().int(),
        analysis_version: z.number().int(),
        started_at: z.string(),
        score: z.number(),
        criteria: z.array(CriterionScore).openapi({ description: "Every criterion's score and evidence, lowest first." }),
        violations: z.array(Violation),
        suggestions: z.array(CoachingSuggestion).openapi({ description: "The model's suggested prompt changes, each with its evidence." }),
      }),
    ),
  })
  .openapi("CoachingReport");

export const agentQualityApi = resourceApp();

agentQualityApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/agents/{id}/quality",
    tags: ["Agents"],
    summary: "An agent's quality score and compliance violations over time, per agent version",
    description:
      "Each call counts once, by its latest analysis that judged quality (the agent's `quality` config), in the period it started in. Calls without a scorecard count for violations only.",
    request: { params: agentParams, query: QualityQuery },
    responses: { 200: jsonResponse(AgentQuality, "The trend series."), 404: problem("`not-found`: no such agent on this account.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const accountId = c.get("principal").accountId;
    const store = new QualityStore(c.env.DB, await accountRecordsDb(c.env, accountId));
    if (!(await store.agentExists(accountId, id))) throw notFound("agent");
    const to = new Date(query.to ?? Date.now()).toISOString();
    const from = new Date(query.from ?? Date.parse(to) - DEFAULT_RANGE_DAYS * DAY_MS).toISOString();
    const rows = await store.inRange(accountId, id, from, to);
    return c.json({ agent_id: id, from, to, interval: query.interval, series: qualityTrends(rows, query.interval) }, 200);
  },
);

agentQualityApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/agents/{id}/coaching",
    tags: ["Agents"],
    summary: "An agent's lowest-scoring calls, with the model's suggested prompt changes and their evidence",
    request: { params: agentParams, query: CoachingQuery },
    responses: { 200: jsonResponse(CoachingReport, "Lowest weighted total first."), 404: problem("`not-found`: no such agent on this account.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { limit, agent_version } = c.req.valid("query");
    const accountId = c.get("principal").accountId;
    const store = new QualityStore(c.env.DB, await accountRecordsDb(c.env, accountId));
    if (!(await store.agentExists(accountId, id))) throw notFound("agent");
    const rows = await store.lowestScoring(accountId, id, limit, agent_version);
    const report = rows.map((r) => ({
      call_id: r.callId,
      agent_version: r.agentVersion,
      analysis_version: r.analysisVersion,
      started_at: r.startedAt,
      score: r.qualityScore!,
      criteria: [...(r.quality?.criteria ?? [])].sort((a, b) => a.score - b.score),
      violations: r.quality?.violations ?? [],
      suggestions: r.quality?.coaching ?? [],
    }));
    return c.json({ agent_id: id, calls: report }, 200);
  },
);
