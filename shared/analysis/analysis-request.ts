import { z } from "zod";

/**
 * The message on the `call-analysis` queue: analyse this call (version `analysis_version` of its analysis) with the
 * config of `agent_version`. The call's object sends version 1 once the call is delivered; `POST
 * /v1/calls/{id}/analyze` sends the next version.
 */
export const CallAnalysisRequest = z.object({
  type: z.literal("call.analyze"),
  account_id: z.string().min(1),
  call_id: z.string().min(1),
  agent_id: z.string().min(1),
  agent_version: z.number().int().min(1),
  analysis_version: z.number().int().min(1),
});
export type CallAnalysisRequest = z.infer<typeof CallAnalysisRequest>;

/** The first analysis of a finished call, with the agent version the call ran. */
export const firstAnalysisRequest = (call: { callId: string; accountId: string; agentId: string; agentVersion: number }): CallAnalysisRequest => ({
  type: "call.analyze",
  account_id: call.accountId,
  call_id: call.callId,
  agent_id: call.agentId,
  agent_version: call.agentVersion,
  analysis_version: 1,
});

/**
 * The forced tool the analysis model must answer with. The Bedrock simulator recognises analysis requests by it
 * (simulators/bedrock/analysis-rules.ts).
 */
export const ANALYSIS_TOOL_NAME = "record_call_analysis";

export const SENTIMENTS = ["positive", "neutral", "negative", "unknown"] as const;
