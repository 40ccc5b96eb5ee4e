import { z } from "@hono/zod-openapi";
import { liveAgentVersion } from "../../shared/agents/live-agent.ts";
import type { CallAnalysisRequest } from "../../shared/analysis/analysis-request.ts";
import { database } from "../../shared/db/client.ts";
import { callAnalyses } from "../../shared/db/schema.ts";
import { ID_PATTERNS } from "../../shared/ids.ts";
import { ApiError, notFound } from "../api/problem.ts";
import { IdParam, jsonResponse, problem, resourceApp, securedRoute } from "../api/route.ts";
import { AnalysisStore } from "./analysis-store.ts";
import { callRecordsDbOf, regionOfCall } from "../../shared/residency/residency.ts";
import { asksForAnalysis } from "./analysis-tool-schema.ts";

const ENDED = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

const AnalysisQueued = z
  .object({
    call_id: z.string(),
    analysis_version: z.number().int(),
    agent_version: z.number().int().openapi({ description: "The agent's live version, whose `analysis` config is used." }),
    status: z.literal("queued"),
  })
  .openapi("AnalysisQueued");

export const callAnalysisApi = resourceApp();

callAnalysisApi.openapi(
  securedRoute("calls:write", {
    method: "post",
    path: "/calls/{id}/analyze",
    tags: ["Calls"],
    summary: "Analyse a finished call again, with the agent's live analysis config",
    description:
      "Queues a new analysis version (for example after the schema changed); `GET /v1/calls/{id}` shows it under `analysis`, and `call.analyzed` is sent when it is settled. The model's tokens are recorded on the analysis.",
    request: { params: IdParam(ID_PATTERNS.call, "CAL-7KQ2M9XD4HTV2R") },
    responses: {
      202: jsonResponse(AnalysisQueued, "The analysis is queued."),
      409: problem("`conflict`: the call has not ended, or the agent's live version asks for no analysis (`analysis.summary: false` and nothing else, no `quality`)."),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const store = new AnalysisStore(callRecordsDbOf(c.env, id));
    const call = await store.call(accountId, id);
    if (!call) throw notFound("call");
    if (!ENDED.has(call.status)) throw new ApiError("conflict", `the call is ${call.status}; it can be analysed once it has ended`);
    const live = await liveAgentVersion(c.env, accountId, call.agentId);
    if (!live || !asksForAnalysis(live.config)) throw new ApiError("conflict", `agent ${call.agentId} has no live version that asks for an analysis (its \`analysis.summary\` is false and nothing else is asked); change it and publish it`);
    const version = (await store.latestVersion(id)) + 1;
    const claim = database(callRecordsDbOf(c.env, id))
      .insert(callAnalyses)
      .values({ callId: id, analysisVersion: version, accountId, agentId: call.agentId, agentVersion: live.version, status: "queued", createdAt: new Date().toISOString() })
      .onConflictDoNothing()
      .returning({ version: callAnalyses.analysisVersion });
    const audit = { detail: { analysis_version: version, agent_version: live.version } };
    let claimed: { version: number }[];
    if (regionOfCall(id) === "us") [claimed] = await c.var.audit.commit([claim], audit);
    else {
      // An EU call's analyses are in DB_EU, which the audit entry's batch cannot span: the claim is written first.
      claimed = await claim.all();
      if (claimed.length > 0) await c.var.audit.commit([], audit);
    }
    if (claimed.length === 0) throw new ApiError("conflict", "another analysis of this call was requested at the same moment; try again");
    const message: CallAnalysisRequest = { type: "call.analyze", account_id: accountId, call_id: id, agent_id: call.agentId, agent_version: live.version, analysis_version: version };
    try {
      await c.env.CALL_ANALYSIS.send(message);
    } catch (error) {
      // Not left queued forever: the tenant retries the request.
      await store.unqueue(id, version);
      throw error;
    }
    return c.json({ call_id: id, analysis_version: version, agent_version: live.version, status: "queued" as const }, 202);
  },
);
