import { z } from "zod";

const count = z.number().nonnegative().default(0);

const ModelUsage = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_read_tokens: count,
  cache_write_tokens: count,
  // Requests whose input tokens were estimated (Bedrock never sent their usage): the model's lines are `estimated`.
  estimated_requests: z.number().int().nonnegative().optional(),
});

/**
 * The message a finished call puts on the queue (durable-objects/call/call-finalizer.ts): usage counters only.
 * What pricing also needs of the call (direction, recording) is read from D1 by the consumer, and turn rows never
 * travel in messages (Queues' 128 KB limit). Fields the pricing does not read pass through to the D1 usage record.
 */
export const UsageMessage = z.object({
  type: z.literal("call.usage"),
  id: z.string().min(1),
  call_id: z.string().min(1),
  account_id: z.string().min(1),
  agent_id: z.string(),
  agent_version: z.number().int(),
  ended_at: z.string(),
  /** Twilio's billed duration (or the finalizer's estimate, `usage.duration_source`). */
  duration_seconds: z.number().nonnegative().nullable(),
  usage: z.looseObject({
    stt_seconds: count,
    tts_characters: count,
    llm: z.record(z.string(), ModelUsage).default({}),
  }),
});
export type UsageMessage = z.infer<typeof UsageMessage>;
