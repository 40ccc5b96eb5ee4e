import { ANALYSIS_TOOL_NAME } from "../../shared/analysis/analysis-request.ts";
import type { ValidatedRequest } from "./converse-request-rules.ts";
import { judgeQuality } from "./quality-rules.ts";
import type { RuleMatch } from "./scenario-engine.ts";

/**
 * Post-call analysis requests (the forced tool `record_call_analysis`) are answered by fixed rules over the
 * transcript in the request (`Caller: …` / `Agent: …` lines), so tests can assert exact results:
 * - `summary`: the caller's first sentence, then the agent's last sentence.
 * - `structured_data`, per field (underscores read as spaces, so `preferred_day` is "preferred day"): an enum takes
 *   the first of its values the caller said, else its first value; a string takes what follows "<field> is" in the
 *   caller's words, else ""; a number or integer the number after "<field> is", else 0; a boolean is whether the
 *   caller said the field's name; an array is []; an object is filled field by field.
 * - `success`: the call succeeded if the caller said "thank": true, the scale's maximum (else minimum), every
 *   checklist criterion true (else false), or a sentence saying so.
 * - `sentiment`: negative if the caller said angry, terrible, awful, useless or frustrated; else positive if thanks,
 *   thank you, great, perfect or wonderful; else neutral (unknown when the caller said nothing).
 * - `disposition`: the first tag (`-` and `_` read as spaces) found in the transcript, else the last tag.
 * - `scorecard`, `policy_checks`, `coaching`: simulators/bedrock/quality-rules.ts.
 * Test levers, anywhere in the transcript: `ANALYSIS_INVALID_ALWAYS` makes every answer invalid (an extra field);
 * `ANALYSIS_INVALID_ONCE` makes the answer invalid until the request carries the client's error tool result.
 */
type Schema = { type?: string; enum?: unknown[]; properties?: Record<string, Schema>; minimum?: number; maximum?: number };

const SUCCESS = /thank/i;
const NEGATIVE = /\b(angry|terrible|awful|useless|frustrated)\b/i;
const POSITIVE = /\b(thanks|thank you|great|perfect|wonderful)\b/i;

export function analysisMatch(request: ValidatedRequest): RuleMatch | undefined {
  const choice = request.toolChoice;
  if (choice?.kind !== "tool" || choice.name !== ANALYSIS_TOOL_NAME) return undefined;
  const specs = (request.raw.toolConfig?.tools ?? []).map((t) => (t as { toolSpec?: { name?: string; inputSchema?: { json?: unknown } } }).toolSpec);
  const schema = (specs.find((s) => s?.name === ANALYSIS_TOOL_NAME)?.inputSchema?.json ?? {}) as Schema;
  const transcript = request.messages[0]!.content.flatMap((b) => ("text" in b ? [b.text] : [])).join("\n");
  const retried = request.messages.some((m) => m.content.some((b) => "toolResult" in b && b.toolResult.status === "error"));
  const invalid = transcript.includes("ANALYSIS_INVALID_ALWAYS") || (transcript.includes("ANALYSIS_INVALID_ONCE") && !retried);
  const input = invalid ? { unexpected_field: true } : analyse(schema, transcript);
  return { index: -2, rule: { id: "call-analysis" }, reply: { toolUses: [{ name: ANALYSIS_TOOL_NAME, input }] } };
}

function analyse(schema: Schema, transcript: string): Record<string, unknown> {
  const lines = transcript.split("\n");
  const said = (who: string) => lines.filter((l) => l.startsWith(`${who}: `)).map((l) => l.slice(who.length + 2).trim());
  const caller = said("Caller");
  const agent = said("Agent");
  const callerText = caller.join(" ");
  const succeeded = SUCCESS.test(callerText);
  const properties = schema.properties ?? {};
  const input: Record<string, unknown> = {};
  if (properties.summary) input.summary = [sentences(caller[0] ?? "")[0], sentences(agent.at(-1) ?? "").at(-1)].filter(Boolean).join(" ") || "Nothing was said.";
  if (properties.structured_data) input.structured_data = fill(properties.structured_data, "", callerText);
  if (properties.success) input.success = verdict(properties.success, succeeded);
  if (properties.sentiment) input.sentiment = callerText === "" ? "unknown" : NEGATIVE.test(callerText) ? "negative" : POSITIVE.test(callerText) ? "positive" : "neutral";
  if (properties.disposition) {
    const tags = (properties.disposition.enum ?? []) as string[];
    const lower = transcript.toLowerCase();
    input.disposition = tags.find((t) => lower.includes(t.replace(/[-_]/g, " "))) ?? tags.at(-1);
  }
  return { ...input, ...judgeQuality(properties, agent) };
}

const sentences = (text: string) => text.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== "");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function fill(schema: Schema, name: string, callerText: string): unknown {
  const words = name.replace(/_/g, " ");
  if (schema.enum) return schema.enum.find((v) => callerText.toLowerCase().includes(String(v).toLowerCase())) ?? schema.enum[0];
  switch (schema.type) {
    case "string":
      return new RegExp(`${escape(words)} (?:is|was|are) ([^.,!?]+)`, "i").exec(callerText)?.[1]?.trim() ?? "";
    case "number":
    case "integer": {
      const n = Number(new RegExp(`${escape(words)} (?:is|was|are) (-?\\d+(?:\\.\\d+)?)`, "i").exec(callerText)?.[1] ?? 0);
      return schema.type === "integer" ? Math.trunc(n) : n;
    }
    case "boolean":
      return words !== "" && callerText.toLowerCase().includes(words.toLowerCase());
    case "array":
      return [];
    default:
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, field]) => [key, fill(field, key, callerText)]));
  }
}

function verdict(schema: Schema, succeeded: boolean): unknown {
  switch (schema.type) {
    case "boolean":
      return succeeded;
    case "integer":
    case "number":
      return succeeded ? schema.maximum : schema.minimum;
    case "object":
      return Object.fromEntries(Object.keys(schema.properties ?? {}).map((key) => [key, succeeded]));
    default:
      return succeeded ? "Successful: the caller thanked the agent." : "Unsuccessful: the caller did not thank the agent.";
  }
}
