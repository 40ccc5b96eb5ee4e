import type { z } from "zod";
import { parseServerMessage } from "./deepgram-messages.ts";
import { logEvent } from "./deepgram-socket.ts";

/**
 * What differs between Deepgram's two live STT APIs over the same resilient socket (deepgram-stt.ts): Nova on
 * `/v1/listen` (nova-listen-dialect.ts) and Flux on `/v2/listen` (flux-listen-dialect.ts). The socket, its audio
 * clock, reconnects with replay and CloseStream are shared; the query, the control messages and the reading of
 * server messages are the dialect's.
 */
export interface ListenStats {
  unknownMessages: number;
  invalidMessages: number;
  duplicatesDropped: number;
}

export interface ListenDialect {
  readonly path: "/v1/listen" | "/v2/listen";
  readonly query: URLSearchParams;
  /** Sent for `finalize()`; undefined where the API has no such message. */
  readonly finalizeMessage: { type: string } | undefined;
  /**
   * How long after speech the silence still drives the service's turn detection: caller audio within it is never
   * batched (stt-send-policy.ts).
   */
  readonly speechTailMs: number;
  /** Sent for `keepAlive()`; undefined where the API has none (a message it doesn't know would be fatal). */
  readonly keepAliveMessage: { type: string } | undefined;
  /**
   * One text frame of the current socket, whose timestamps start at 0 at `baseMs` on the call clock. `ok` is false
   * for a message that could not be read (counted in `stats` and logged); `settledMs` is the call-clock point before
   * which no audio needs replaying any more.
   */
  receive(text: string, baseMs: number, stats: ListenStats): { ok: boolean; settledMs?: number };
  /** A replacement socket starts; audio up to `replayEndMs` was already sent to the lost one. */
  replaying?(replayEndMs: number): void;
}

/**
 * Reads one server text frame for a dialect: the message, or undefined for one that could not be read (an unknown
 * `type` or an invalid message), which is counted in `stats` and logged.
 */
export function readListenMessage<T>(schema: z.ZodType<T>, knownTypes: readonly string[], text: string, stats: ListenStats): T | undefined {
  const parsed = parseServerMessage(schema, knownTypes, text);
  if (parsed.ok) return parsed.message;
  if (parsed.kind === "unknown_type") stats.unknownMessages++;
  else stats.invalidMessages++;
  logEvent("warn", "deepgram-stt", parsed.kind === "unknown_type" ? "unknown_message" : "invalid_message", { type: parsed.type });
  return undefined;
}
