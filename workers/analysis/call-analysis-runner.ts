import type { Message } from "@aws-sdk/client-bedrock-runtime";
import { Validator } from "@cfworker/json-schema";
import { agentVersionConfig } from "../../shared/agents/live-agent.ts";
import { ANALYSIS_TOOL_NAME, type CallAnalysisRequest } from "../../shared/analysis/analysis-request.ts";
import { callAnalysisView } from "../../shared/analysis/call-analysis-view.ts";
import { leafIssues } from "../../shared/analysis/structured-data-schema.ts";
import { AnalysisConfig } from "../../shared/schemas/agent-analysis-config.ts";
import { redactText } from "../../shared/compliance/pii-detector.ts";
import { QualityConfig } from "../../shared/schemas/agent-quality-config.ts";
import { emitWebhookEvent } from "../../shared/webhooks/emit-webhook-event.ts";
import type { VerdictMessage } from "../analytics/call-verdicts.ts";
import { callQuality } from "../quality/call-quality.ts";
import { chargeAnalysis } from "./analysis-charges.ts";
import { analysisSystemPrompt, spokenTurns, transcriptMessage, transcriptText } from "./analysis-prompt.ts";
import { TransientModelError, type AnalysisModel, type ToolAnswer } from "./analysis-model.ts";
import { AnalysisStore, type AnalysisRow, type SettledAnalysis } from "./analysis-store.ts";
import { analysisToolSchema, asksForAnalysis, verdictSucceeded } from "./analysis-tool-schema.ts";
import { callRecordsDbOf } from "../../shared/residency/residency.ts";

/** An invalid answer is retried once, with the validation errors shown to the model. */
const MAX_ATTEMPTS = 2;

export interface RunnerDeps {
  model: Pick<AnalysisModel, "answer">;
  now?: () => string;
  waitUntil?: (promise: Promise<unknown>) => void;
}

/**
 * Runs one analysis of a call, at most once per (call, analysis version): a settled analysis is left alone (but for
 * its tokens' charge, if an earlier delivery failed to post it), and of two concurrent deliveries only the one that
 * settles the queued row charges the tokens (workers/analysis/analysis-charges.ts) and emits `call.analyzed`. A
 * settled analysis's success verdict goes to the call's analytics facts (`sendVerdict`) on every delivery: the
 * facts' consumer takes each (call, version) once. A transient model failure is thrown (the queue retries);
 * everything else settles the row: succeeded, failed with the reason, or skipped (a call shorter than `min_turns`).
 * The agent's `quality` config is judged in the same request.
 */
export async function runCallAnalysis(env: Env, request: CallAnalysisRequest, deps: RunnerDeps): Promise<void> {
  const now = deps.now ?? (() => new Date().toISOString());
  const { account_id: accountId, call_id: callId, analysis_version: version } = request;
  const store = new AnalysisStore(callRecordsDbOf(env, callId));
  const existing = await store.find(accountId, callId, version);
  if (existing && existing.status !== "queued") {
    if (existing.cost === null && existing.model !== null) await chargeAnalysis(env, { ...existing, model: existing.model });
    return sendVerdict(env, existing);
  }
  const agentId = existing?.agentId ?? request.agent_id;
  const agentVersion = existing?.agentVersion ?? request.agent_version;
  const agent = await agentVersionConfig(env, accountId, agentId, agentVersion);
  // An agent without `analysis` gets the defaults (a summary); quality is judged in the same request.
  const parsed = agent ? AnalysisConfig.safeParse(agent.config.analysis ?? {}) : undefined;
  const quality = agent?.config.quality === undefined ? undefined : QualityConfig.safeParse(agent.config.quality);
  // An unknown agent, or one that asks for nothing (`summary: false` alone), leaves no row.
  if (!existing && (!parsed?.success || !asksForAnalysis(agent!.config))) return;
  if (!existing) await store.queue({ callId, analysisVersion: version, accountId, agentId, agentVersion }, now());

  const settle = async (result: Partial<SettledAnalysis> & Pick<SettledAnalysis, "status">) => {
    const row = { reason: null, summary: null, structuredData: null, success: null, succeeded: null, sentiment: null, disposition: null, model: null, attempts: 0, inputTokens: 0, outputTokens: 0, qualityScore: null, violationCount: null, quality: null, ...result };
    if (!(await store.settle(callId, version, row, now()))) return;
    try {
      // A failure here is retried by the queue; the redelivery finds the row settled and charges what is missing.
      if (row.model !== null) await chargeAnalysis(env, { accountId, callId, analysisVersion: version, ...row, model: row.model });
      await sendVerdict(env, { accountId, callId, analysisVersion: version, ...row });
    } finally {
      const settled = await store.find(accountId, callId, version);
      if (settled) emitWebhookEvent(env, { type: "call.analyzed", accountId, id: `evt_${callId}_analyzed_${version}`, data: { call_id: callId, agent_id: agentId, ...callAnalysisView(settled) } }, deps.waitUntil);
    }
  };

  if (!parsed?.success) return settle({ status: "failed", reason: `agent ${agentId} version ${agentVersion} has no valid analysis config` });
  if (quality && !quality.success) return settle({ status: "failed", reason: `agent ${agentId} version ${agentVersion} has no valid quality config` });
  const config = parsed.data;
  const qualityConfig = quality?.data;
  const turns = spokenTurns(await store.turns(accountId, callId));
  if (turns.length < config.min_turns) {
    return settle({ status: "skipped", reason: `the call has ${turns.length} caller and agent turns; the analysis needs at least ${config.min_turns} (min_turns)` });
  }

  const modelId = config.model ?? agent!.config.llm.model;
  const schema = analysisToolSchema(config, qualityConfig);
  const validator = new Validator(schema as object, "2020-12", false);
  const messages: Message[] = [{ role: "user", content: [{ text: transcriptMessage(redactText(transcriptText(turns), agent!.config.pii_redaction ?? [])) }] }];
  const usage = { model: modelId, attempts: 0, inputTokens: 0, outputTokens: 0 };
  let problem = "";
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let answer: ToolAnswer;
    try {
      answer = await deps.model.answer(modelId, analysisSystemPrompt(config), messages, schema);
    } catch (error) {
      if (error instanceof TransientModelError) throw error;
      return settle({ status: "failed", reason: `the model refused the request: ${(error as Error).name}: ${(error as Error).message}`, ...usage });
    }
    usage.attempts = attempt;
    usage.inputTokens += answer.inputTokens;
    usage.outputTokens += answer.outputTokens;
    problem = answerProblem(validator, answer);
    if (problem === "") {
      const input = answer.input as Record<string, unknown>;
      return settle({ status: "succeeded", ...resultOf(config, input), ...(qualityConfig ? callQuality(qualityConfig, input, turns) : {}), ...usage });
    }
    if (answer.toolUseId !== undefined) {
      messages.push(
        { role: "assistant", content: [{ toolUse: { toolUseId: answer.toolUseId, name: ANALYSIS_TOOL_NAME, input: answer.input as never } }] },
        { role: "user", content: [{ toolResult: { toolUseId: answer.toolUseId, status: "error", content: [{ text: `Invalid: ${problem}. Call ${ANALYSIS_TOOL_NAME} again with a corrected answer.` }] } }] },
      );
    }
  }
  return settle({ status: "failed", reason: `the model's answer was invalid after ${MAX_ATTEMPTS} attempts: ${problem}`, ...usage });
}

/** Puts the analysis's verdict on the facts' queue (workers/analytics/call-verdicts.ts): only a succeeded analysis has one. */
async function sendVerdict(env: Env, a: Pick<AnalysisRow, "accountId" | "callId" | "analysisVersion" | "status" | "succeeded">): Promise<void> {
  const verdict: VerdictMessage = {
    type: "call.verdict",
    account_id: a.accountId,
    call_id: a.callId,
    analysis_version: a.analysisVersion,
    succeeded: a.status === "succeeded" ? a.succeeded : null,
  };
  await env.CALL_EVENTS.send(verdict);
}

/** What is wrong with an answer ("" when nothing is). */
function answerProblem(validator: Validator, answer: ToolAnswer): string {
  if (answer.input === undefined) return `no ${ANALYSIS_TOOL_NAME} call in the answer (stop reason ${answer.stopReason ?? "unknown"})`;
  const result = validator.validate(answer.input);
  if (result.valid) return "";
  return leafIssues(result.errors)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ")
    .slice(0, 1_000);
}

function resultOf(config: AnalysisConfig, input: Record<string, unknown>): Partial<SettledAnalysis> {
  return {
    summary: (input.summary as string | undefined) ?? null,
    structuredData: input.structured_data ?? null,
    success: input.success ?? null,
    succeeded: config.success_evaluation ? verdictSucceeded(config.success_evaluation, input.success) : null,
    sentiment: (input.sentiment as SettledAnalysis["sentiment"] | undefined) ?? null,
    disposition: (input.disposition as string | undefined) ?? null,
  };
}
