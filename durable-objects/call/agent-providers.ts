import type { StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import { BedrockLanguageModel } from "../providers/bedrock-llm.ts";
import { agentModel } from "../providers/model-policy.ts";
import { DeepgramFluxSpeechToText } from "../providers/deepgram-flux.ts";
import { DeepgramSpeechToText } from "../providers/deepgram-stt.ts";
import type { SpeechToText, SpeechToTextListener } from "../providers/provider-types.ts";
import { isFluxModel } from "../../shared/voice/deepgram-stt-models.ts";
import { DeepgramTextToSpeech } from "../providers/deepgram-tts.ts";
import type { ToolCall, ToolOutcome } from "../pipeline/stages/conversation.ts";
import type { VoicePipelineOptions } from "../pipeline/voice-pipeline.ts";
import { executeHttpTool } from "../tools/http-tool.ts";
import { runIntegrationTool } from "../../shared/integrations/agent-tool.ts";
import { dohUrlFrom } from "../../shared/tools/dns-guard.ts";
import { runTools } from "../tools/tool-runner.ts";
import { toolUrlPolicy } from "../../shared/tools/tool-url-policy.ts";
import { runBuiltinTool, toolSpec } from "./builtin-tools.ts";
import type { CallMeta } from "./call-store.ts";

type Providers = Pick<VoicePipelineOptions, "openSpeechToText" | "openTextToSpeech" | "llm" | "request" | "tools" | "runTools">;

/** Tool calls run at most this many at a time: with the STT, TTS and model streams, a call stays within six connections. */
const MAX_CONCURRENT_TOOLS = 2;

/** Runs a `pci: true` tool with the call's recording paused (call-recording.ts). */
export type PciGuard = (run: () => Promise<ToolOutcome>) => Promise<ToolOutcome>;

/** The production providers for one call, configured from the agent's published version. */
export function agentProviders(env: Env, meta: CallMeta, config: StoredAgentConfig, callSid: string | null, pciGuard: PciGuard): Providers {
  const llmConfig = config.llm;
  const modelId = agentModel(config);
  const { allowlist, blockedHosts } = toolUrlPolicy(env);
  const dohUrl = dohUrlFrom(env);
  const executors: Record<string, (input: unknown, signal: AbortSignal) => Promise<ToolOutcome>> = {};
  for (const tool of config.tools) {
    if (tool.type === "http") {
      const execute = (input: unknown, signal: AbortSignal) =>
        executeHttpTool(tool, input, { accountId: meta.accountId, encryptionKey: env.ENCRYPTION_KEY, allowlist, signal, dohUrl, blockedHosts });
      executors[tool.name] = tool.pci ? (input, signal) => pciGuard(() => execute(input, signal)) : execute;
    } else if (tool.type === "integration") {
      executors[tool.name] = (input, signal) => runIntegrationTool(env, meta.accountId, tool, input, signal);
    } else {
      executors[tool.type] = async (input) => runBuiltinTool(tool, input);
    }
  }
  return {
    openSpeechToText: (listener) => openSpeechToText(env, config.stt, callSid, listener),
    openTextToSpeech: (listener) => new DeepgramTextToSpeech({ baseUrl: env.DEEPGRAM_API_BASE_URL, apiKey: env.DEEPGRAM_API_KEY, listener, config: { voice: config.voice } }),
    llm: new BedrockLanguageModel({
      region: env.BEDROCK_REGION,
      endpoint: env.BEDROCK_ENDPOINT || undefined,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    }),
    request: {
      modelId,
      fallbackModelId: llmConfig.fallback_model,
      system: config.system_prompt,
      temperature: llmConfig.temperature,
      maxTokens: llmConfig.max_tokens,
      thinkingBudgetTokens: llmConfig.thinking_budget_tokens,
      promptCaching: llmConfig.prompt_caching,
    },
    tools: config.tools.map(toolSpec),
    runTools: (calls: ToolCall[], signal: AbortSignal) => runTools(calls, executors, { signal, maxConcurrent: MAX_CONCURRENT_TOOLS }),
  };
}

/** Flux models get the `/v2/listen` client with the agent's end-of-turn settings; Nova models the `/v1/listen` one. */
function openSpeechToText(env: Env, stt: StoredAgentConfig["stt"], callSid: string | null, listener: SpeechToTextListener): SpeechToText {
  const connection = { baseUrl: env.DEEPGRAM_API_BASE_URL, apiKey: env.DEEPGRAM_API_KEY, listener, batchMs: Number(env.STT_AUDIO_BATCH_MS) || undefined };
  const model = stt.model;
  if (isFluxModel(model)) {
    return new DeepgramFluxSpeechToText({
      ...connection,
      config: { model, language: stt.language, keyterms: stt.keyterms, eotThreshold: stt.eot_threshold, eagerEotThreshold: stt.eager_eot_threshold, eotTimeoutMs: stt.eot_timeout_ms, redact: stt.redact?.[0], callSid },
    });
  }
  return new DeepgramSpeechToText({
    ...connection,
    config: { model, language: stt.language, keyterms: stt.keyterms, endpointingMs: stt.endpointing_ms, utteranceEndMs: stt.utterance_end_ms, redact: stt.redact, callSid },
  });
}
