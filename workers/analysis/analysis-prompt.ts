import { ANALYSIS_TOOL_NAME } from "../../shared/analysis/analysis-request.ts";
import type { AnalysisConfig } from "../../shared/schemas/agent-analysis-config.ts";

export interface TranscriptTurn {
  role: "caller" | "agent" | "tool" | "system";
  text: string;
}

/** The spoken turns only: tool calls and system notes are the platform's, not the conversation. */
export const spokenTurns = (turns: readonly TranscriptTurn[]) => turns.filter((t) => t.role === "caller" || t.role === "agent");

/** The transcript as the model reads it: one `Caller:` or `Agent:` line per turn. */
export const transcriptText = (turns: readonly TranscriptTurn[]) =>
  spokenTurns(turns)
    .map((t) => `${t.role === "caller" ? "Caller" : "Agent"}: ${t.text.replace(/\s+/g, " ").trim()}`)
    .join("\n");

export function analysisSystemPrompt(config: AnalysisConfig): string {
  const lines = [
    "You analyse a finished phone call between a caller and an AI phone agent.",
    `Answer only by calling the tool ${ANALYSIS_TOOL_NAME}, with every field its schema asks for, taken from the transcript alone.`,
    "Where the transcript does not say, use an empty string, zero, false or an empty list rather than inventing a value.",
  ];
  if (config.success_evaluation) lines.push(`Judge success by the tenant's criteria: ${config.success_evaluation.criteria ?? "the checklist in the schema"}`);
  return lines.join("\n");
}

export const transcriptMessage = (transcript: string) => `The transcript of the call:\n\n${transcript}`;
