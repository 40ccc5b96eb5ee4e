import type { UsageLine } from "./month-usage.ts";

const COMPONENT_NAMES: Record<UsageLine["component"], string> = {
  telephony_inbound_minute: "Inbound telephony",
  telephony_outbound_minute: "Outbound telephony",
  platform_minute: "Platform",
  recording_minute: "Recording",
  stt_second: "Speech-to-text",
  tts_character: "Text-to-speech",
  llm_input_token: "Model input",
  llm_output_token: "Model output",
  llm_cache_read_token: "Model cache reads",
  llm_cache_write_token: "Model cache writes",
};

const UNIT_NAMES: Record<string, string> = { minute: "min", second: "s", character: "chars", "1k_tokens": "k tokens" };

/** How a line reads on the Stripe invoice and the statement: `Agent AGT-…: Inbound telephony, 12 min`. */
export function lineDescription(line: Pick<UsageLine, "agentId" | "component" | "quantity"> & { unit: string }): string {
  const agent = line.agentId === "" ? "Calls" : `Agent ${line.agentId}`;
  return `${agent}: ${COMPONENT_NAMES[line.component]}, ${line.quantity} ${UNIT_NAMES[line.unit] ?? line.unit}`;
}
