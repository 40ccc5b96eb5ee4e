import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { firstAnalysisRequest } from "../../shared/analysis/analysis-request.ts";
import { api, type Tenant } from "../../test/workers/api-client.ts";
import { consumeCallAnalysis } from "./analysis-consumer.ts";
import { AnalysisModel } from "./analysis-model.ts";

/**
 * Delivers one `call-analysis` message to the consumer: the transcript from D1, the real Bedrock client against the
 * simulator (whose analysis rules make the answers exact), the rows in D1. The webhook and facts queues are replaced
 * by recorders, so a test sees which `call.analyzed` events and verdict messages were sent; the model is the real one, counted. `overrides`
 * replace bindings (Postgres down, say).
 */
export async function deliver(t: Tenant, callId: string, agent: { id: string; version: number }, analysisVersion = 1, model: Pick<AnalysisModel, "answer"> = new AnalysisModel(env), overrides: Partial<Env> = {}) {
  const sent: { type: string; id: string; data: Record<string, unknown> }[] = [];
  const verdicts: unknown[] = [];
  let requests = 0;
  const counted = {
    answer: (...args: Parameters<AnalysisModel["answer"]>) => {
      requests++;
      return model.answer(...args);
    },
  };
  const recordingEnv = { ...env, ...overrides, WEBHOOK_EVENTS: { send: async (body: never) => void sent.push(body) }, CALL_EVENTS: { send: async (body: unknown) => void verdicts.push(body) } } as unknown as Env;
  const ctx = createExecutionContext();
  const body = { ...firstAnalysisRequest({ callId, accountId: t.accountId, agentId: agent.id, agentVersion: agent.version }), analysis_version: analysisVersion };
  const batch = createMessageBatch("call-analysis", [{ id: "m1", timestamp: new Date(), attempts: 1, body }]);
  await consumeCallAnalysis(batch, recordingEnv, ctx, { model: counted });
  const result = await getQueueResult(batch, ctx);
  return { sent, verdicts, requests, result };
}

/** The call's analyses as `GET /v1/calls/{id}` lists them, newest first. */
export const analysisOf = async (t: Tenant, callId: string) => (await api(t.key).get(`/v1/calls/${callId}`)).json.analysis;
