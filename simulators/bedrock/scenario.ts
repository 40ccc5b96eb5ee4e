import { z } from "zod";

/**
 * A scenario maps a conversation to the simulated model's reply: an ordered list of rules, first match wins.
 * Every condition in `when` must hold (no `when` = always). A rule whose reply calls tools only matches when the
 * request offers all of them, so a scenario degrades gracefully when a client exposes different tools.
 * Texts are templates: `{{path}}`, with alternatives `{{toolResult.summary|toolResultText|"no data"}}` (see template.ts).
 */
export const STREAM_EXCEPTIONS = [
  "modelStreamErrorException",
  "throttlingException",
  "internalServerException",
  "serviceUnavailableException",
  "validationException",
] as const;
export type StreamExceptionName = (typeof STREAM_EXCEPTIONS)[number];

const Pattern = z.string().refine((source) => {
  try {
    new RegExp(source, "i");
    return true;
  } catch {
    return false;
  }
}, "not a valid regular expression");

const RuleCondition = z.strictObject({
  /** Regex (case-insensitive) on the text blocks of the last user turn, joined with newlines. */
  lastUserTextMatches: Pattern.optional(),
  /** The last user turn carries a toolResult for this tool (name of the matching toolUse), or `*` for any. */
  lastToolResultFor: z.string().min(1).optional(),
  /** Regex (case-insensitive) on the system prompt's text. */
  systemMatches: Pattern.optional(),
  /** The request offers a tool with this name. */
  toolOffered: z.string().min(1).optional(),
  modelFamily: z.enum(["haiku", "sonnet", "opus"]).optional(),
});

const Reply = z.strictObject({
  text: z.string().optional(),
  /** Reasoning text, streamed only when the request enables thinking. */
  thinking: z.string().optional(),
  /** Several entries = parallel tool calls. String values inside `input` are templates. */
  toolUses: z.array(z.strictObject({ name: z.string().min(1), input: z.unknown().optional() })).optional(),
});

const StreamError = z.union([
  z.enum(STREAM_EXCEPTIONS),
  z.strictObject({
    type: z.enum(STREAM_EXCEPTIONS).default("modelStreamErrorException"),
    afterDeltas: z.number().int().min(0).default(0),
    message: z.string().optional(),
  }),
]);

const Rule = z
  .strictObject({
    id: z.string().optional(),
    when: RuleCondition.optional(),
    reply: Reply.optional(),
    /** Match at most this many times (per scenario load). */
    times: z.number().int().positive().optional(),
    /** Answer with HTTP 429 ThrottlingException before any stream. */
    throttle: z.boolean().optional(),
    /** End the stream with this exception frame after N content deltas (Converse: the matching HTTP error). */
    streamError: StreamError.optional(),
    /** Added to the latency profile's first-token delay. */
    delayFirstTokenMs: z.number().min(0).optional(),
  })
  .refine((rule) => rule.throttle === true || (rule.reply !== undefined && (rule.reply.text !== undefined || (rule.reply.toolUses?.length ?? 0) > 0)), {
    message: "a rule needs a reply with text or toolUses (or throttle: true)",
  });

export const ScenarioSchema = z.strictObject({ name: z.string().optional(), rules: z.array(Rule).min(1) });

/** A scenario as authored (JSON); defaults are filled in by `parseScenario`. */
export type Scenario = z.input<typeof ScenarioSchema>;
export type ParsedScenario = z.output<typeof ScenarioSchema>;
export type ScenarioRule = ParsedScenario["rules"][number];
export type ScenarioReply = NonNullable<ScenarioRule["reply"]>;

export interface StreamErrorSpec {
  type: StreamExceptionName;
  afterDeltas: number;
  message?: string;
}

export function normalizeStreamError(value: ScenarioRule["streamError"]): StreamErrorSpec | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? { type: value, afterDeltas: 0 } : value;
}

export function parseScenario(input: unknown): ParsedScenario {
  return ScenarioSchema.parse(input);
}
