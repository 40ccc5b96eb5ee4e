import { randomUUID } from "node:crypto";
import type { BedrockModel } from "../../shared/llm/bedrock-models.ts";
import type { LatencySampler } from "../common/latency-profile.ts";
import type { Random } from "../common/random.ts";
import { analysisMatch } from "./analysis-rules.ts";
import { AwsError, validationError } from "./aws-error.ts";
import { converseErrorFor, converseResponseBody, usageOf, usageUpTo } from "./converse-output.ts";
import { validateConverseRequest } from "./converse-request-rules.ts";
import { waitUntil, writeConverseStream, type StreamFault } from "./converse-stream-writer.ts";
import type { FaultState } from "./fault-state.ts";
import type { HttpResponder } from "./http-responder.ts";
import { decodeModelLabel, resolveModel } from "./model-resolver.ts";
import { hasCachePoint, promptParts, tokensForChars } from "./prompt-accounting.ts";
import type { PromptCache } from "./prompt-cache.ts";
import type { ReasoningSigner } from "./reasoning-signature.ts";
import type { RequestLog, RequestRecord } from "./request-log.ts";
import { normalizeStreamError } from "./scenario.ts";
import { viewConversation, type ScenarioEngine } from "./scenario-engine.ts";
import { verifySigV4, type SimulatorCredential } from "./sigv4-verifier.ts";
import { streamSteps } from "./stream-events.ts";
import { planTurn } from "./turn-plan.ts";

/**
 * `POST /model/{modelId}/converse[-stream]`, in the service's order: authenticate, admit (throttling), resolve the
 * model, validate the body, then let the scenario decide the reply and stream or return it at the profile's pace.
 * A rejected request never reaches the scenario: its rule counters and the prompt cache are untouched.
 */
export interface SimulatorState {
  region: string;
  credentials: readonly SimulatorCredential[] | undefined;
  apiKeys: readonly string[] | undefined;
  allowBaseModelIds: boolean;
  sampler: LatencySampler;
  random: Random;
  signer: ReasoningSigner;
  engine: ScenarioEngine;
  cache: PromptCache;
  faults: FaultState;
  log: RequestLog;
}

export interface IncomingRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** performance.now() at arrival. */
  receivedAtMs: number;
}

export type Operation = "Converse" | "ConverseStream";

const PADDING_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

export async function handleModelRequest(state: SimulatorState, request: IncomingRequest, responder: HttpResponder, operation: Operation, modelLabel: string): Promise<void> {
  const requestId = randomUUID();
  const text = request.body.toString("utf8");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text for the log; validation rejects it below
  }
  const record = state.log.add({ requestId, receivedAt: new Date().toISOString(), operation, modelId: safeDecode(modelLabel), status: 0, body });
  try {
    record.accessKeyId = authenticate(state, request);
    const fault = state.faults.takeRequestFault();
    if (fault !== undefined) throw fault;
    const { model } = resolveModel(decodeModelLabel(modelLabel), state.region, state.allowBaseModelIds);
    record.resolvedModelId = model.id;
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw validationError("Malformed input request, please reformat your input and try again.");
    await respond(state, request, responder, operation, model, body, record);
  } catch (error) {
    const awsError = error instanceof AwsError ? error : new AwsError("InternalServerException", "The system encountered an unexpected error during processing. Try your request again.");
    if (!(error instanceof AwsError)) console.error("bedrock simulator: unexpected error", error);
    Object.assign(record, { status: awsError.status, errorType: awsError.type, errorMessage: awsError.message, outcome: "responded" });
    if (!responder.ended) responder.send(awsError.status, { "content-type": "application/json", "x-amzn-errortype": awsError.headerValue, "x-amzn-requestid": requestId }, awsError.body());
  } finally {
    record.durationMs = Math.round(performance.now() - request.receivedAtMs);
  }
}

async function respond(state: SimulatorState, request: IncomingRequest, responder: HttpResponder, operation: Operation, model: BedrockModel, body: object, record: RequestRecord): Promise<void> {
  const validated = validateConverseRequest(body, model, state.signer);
  const view = viewConversation(validated, model.family);
  // Post-call analysis requests are answered by their own rules, whatever scenario is loaded.
  const match = analysisMatch(validated) ?? state.engine.match(view);
  Object.assign(record, { ruleIndex: match.index, ruleId: match.rule.id });
  if (match.rule.throttle === true) throw new AwsError("ThrottlingException", "Too many requests, please wait before trying again.");

  const plan = planTurn(match.reply!, validated, state.random, state.signer, view.lastUserText);
  const parts = promptParts(validated.raw);
  const cache = model.supportsPromptCaching
    ? state.cache.account(model.id, parts, Date.now())
    : { inputTokens: tokensForChars(parts.reduce((n, p) => n + (p.kind === "text" ? p.text.length : 0), 0)), cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
  const usage = usageOf(plan, cache, hasCachePoint(parts));
  Object.assign(record, { stopReason: plan.stopReason, usage });

  const speed = model.family === "haiku" ? "haiku" : "sonnet"; // the profiles model Opus with Sonnet's figures
  const profile = state.sampler.profile;
  const firstTokenMs = state.sampler.withTail(state.sampler.draw(profile.llmFirstToken[speed])) + (match.rule.delayFirstTokenMs ?? 0);
  const tokensPerSecond = state.sampler.draw(profile.llmTokensPerSecond[speed]);
  const ruleError = normalizeStreamError(match.rule.streamError);
  const steps = streamSteps(plan, validated.responseFieldPaths);

  if (operation === "ConverseStream") {
    const fault: StreamFault | undefined = state.faults.takeStreamFault() ?? (ruleError && { type: ruleError.type, message: ruleError.message, afterDeltas: ruleError.afterDeltas });
    const deltas = steps.filter((s) => s.eventType === "contentBlockDelta").length;
    const result = await writeConverseStream(responder, {
      steps,
      usage,
      startedAtMs: request.receivedAtMs,
      firstTokenMs,
      tokensPerSecond,
      requestId: record.requestId,
      padding: () => PADDING_ALPHABET.slice(0, 1 + Math.floor(state.random.next() * PADDING_ALPHABET.length)),
      fault,
      dropAfterDeltas: state.sampler.shouldDropSocket() ? Math.floor(state.random.next() * deltas) : undefined,
    });
    Object.assign(record, { status: 200, outcome: result.outcome, events: result.events, firstTokenAfterMs: result.firstTokenAfterMs });
    // A stream that ended early (client gone, dropped, failed) generated, and is billed for, only what it had sent.
    if (result.outcome !== "completed") record.usage = usageUpTo(usage, result.outputTokens);
    if (result.exception !== undefined) record.errorType = result.exception;
    return;
  }

  // Converse answers once the whole turn is generated.
  const deltaTokens = steps.filter((s) => s.eventType === "contentBlockDelta").map((s) => s.tokens);
  const generationMs = Number.isFinite(tokensPerSecond) ? ((deltaTokens.reduce((a, b) => a + b, 0) - (deltaTokens[0] ?? 0)) * 1000) / tokensPerSecond : 0;
  await waitUntil(request.receivedAtMs + firstTokenMs + generationMs, () => performance.now(), responder.signal);
  if (responder.signal.aborted) {
    Object.assign(record, { status: 200, outcome: "aborted" });
    return;
  }
  if (ruleError !== undefined) throw converseErrorFor(ruleError.type, ruleError.message);
  const latencyMs = Math.round(performance.now() - request.receivedAtMs);
  const json = JSON.stringify(converseResponseBody(plan, usage, latencyMs, validated.responseFieldPaths));
  responder.send(200, { "content-type": "application/json", "x-amzn-requestid": record.requestId }, json);
  Object.assign(record, { status: 200, outcome: "responded", firstTokenAfterMs: firstTokenMs });
}

function authenticate(state: SimulatorState, request: IncomingRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === "string" && authorization.startsWith("Bearer ")) {
    const key = authorization.slice("Bearer ".length).trim();
    const open = state.apiKeys === undefined && state.credentials === undefined;
    if (key === "" || (!open && !(state.apiKeys ?? []).includes(key))) {
      throw new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.");
    }
    return undefined;
  }
  return verifySigV4(request, { region: state.region, service: "bedrock", credentials: state.credentials }).accessKeyId;
}

function safeDecode(label: string): string {
  try {
    return decodeURIComponent(label);
  } catch {
    return label;
  }
}
