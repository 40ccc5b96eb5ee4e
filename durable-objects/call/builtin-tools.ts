import type { StoredAgentConfig } from "../../shared/agents/stored-agent-config.ts";
import type { ToolSpec } from "../providers/provider-types.ts";
import type { ToolOutcome } from "../pipeline/stages/conversation.ts";
import { integrationToolDescription, integrationToolSchema } from "../../shared/integrations/agent-tool.ts";

type Tool = StoredAgentConfig["tools"][number];

/** The model-facing spec of an agent tool (HTTP tools as configured; built-ins with fixed schemas). */
export function toolSpec(tool: Tool): ToolSpec {
  switch (tool.type) {
    case "http":
      return { name: tool.name, description: tool.description, inputSchema: tool.parameters as Record<string, unknown> };
    case "integration":
      return { name: tool.name, description: integrationToolDescription(tool), inputSchema: integrationToolSchema(tool) };
    case "end_call":
      return {
        name: "end_call",
        description: tool.description ?? "End the call. Use it only after you have said goodbye to the caller.",
        inputSchema: { type: "object", properties: { reason: { type: "string", description: "Why the call ends." } } },
      };
    case "transfer_call":
      return {
        name: "transfer_call",
        description: tool.description ?? `Transfer the caller to a person. Destinations: ${tool.destinations.map((d) => d.name).join(", ")}. Tell the caller before you transfer.`,
        inputSchema: { type: "object", properties: { destination: { type: "string", enum: tool.destinations.map((d) => d.name) } }, required: ["destination"] },
      };
    case "send_dtmf":
      return {
        name: "send_dtmf",
        description: tool.description ?? "Play touch-tone (DTMF) digits on the line, e.g. to navigate a phone menu.",
        inputSchema: { type: "object", properties: { digits: { type: "string", pattern: "^[0-9*#A-Dw]{1,32}$" } }, required: ["digits"] },
      };
  }
}

/** Runs a built-in tool; its effect (hang up, transfer, tones) happens once the reply around it has been heard. */
export function runBuiltinTool(tool: Exclude<Tool, { type: "http" | "integration" }>, input: unknown): ToolOutcome {
  const args = (input && typeof input === "object" ? input : {}) as Record<string, unknown>;
  switch (tool.type) {
    case "end_call":
      return { status: "success", content: "The call will end once you have finished speaking.", after: { action: "hang_up", reason: String(args.reason ?? "agent_ended") } };
    case "transfer_call": {
      const destination = tool.destinations.find((d) => d.name.toLowerCase() === String(args.destination ?? "").toLowerCase());
      if (!destination) return { status: "error", content: `Unknown destination "${String(args.destination)}". Valid: ${tool.destinations.map((d) => d.name).join(", ")}.` };
      return { status: "success", content: `Transferring to ${destination.name} once you have finished speaking.`, after: { action: "transfer", to: destination.number, mode: tool.mode } };
    }
    case "send_dtmf": {
      const digits = String(args.digits ?? "");
      if (!/^[0-9*#A-Dw]{1,32}$/.test(digits)) return { status: "error", content: "digits must be 1–32 of 0-9, *, #, A-D (w = pause)" };
      return { status: "success", content: `Played the tones ${digits}.`, dtmf: digits };
    }
  }
}
