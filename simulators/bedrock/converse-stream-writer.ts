import { encodeMessage } from "./event-stream-codec.ts";
import { abortableSleep } from "../../shared/timing/abortable-sleep.ts";
import { streamExceptionPayload, type Usage } from "./converse-output.ts";
import type { HttpResponder } from "./http-responder.ts";
import type { StreamExceptionName } from "./scenario.ts";
import type { StreamStep } from "./stream-events.ts";

/**
 * Writes a ConverseStream response progressively. The first delta leaves at the first-token delay; each later delta
 * leaves once its tokens have been "generated" at the profile's tokens/s, scheduled against absolute times so timer
 * jitter does not accumulate. Structural events go out with the delta before or after them. Every event payload
 * carries Bedrock's random-length `"p"` padding.
 */
export interface StreamFault {
  type: StreamExceptionName;
  message?: string;
  /** Fail once this many event frames were written… */
  afterEvents?: number;
  /** …or once this many contentBlockDelta frames were written. */
  afterDeltas?: number;
}

export interface StreamRun {
  steps: StreamStep[];
  usage: Usage;
  /** performance.now() when the request arrived; latencyMs and pacing count from here. */
  startedAtMs: number;
  firstTokenMs: number;
  tokensPerSecond: number;
  requestId: string;
  padding: () => string;
  fault?: StreamFault;
  /** Cut the connection after this many deltas (jittery profile). */
  dropAfterDeltas?: number;
  now?: () => number;
}

export interface StreamResult {
  outcome: "completed" | "exception" | "aborted" | "dropped";
  events: number;
  deltas: number;
  /** Output tokens of the deltas written: what a stream that ends early has generated, and is billed for. */
  outputTokens: number;
  /** From request arrival to the first content delta. */
  firstTokenAfterMs?: number;
  exception?: StreamExceptionName;
}

const utf8 = new TextEncoder();

export async function writeConverseStream(responder: HttpResponder, run: StreamRun): Promise<StreamResult> {
  const now = run.now ?? (() => performance.now());
  const firstTokenAt = run.startedAtMs + run.firstTokenMs;
  const msPerToken = Number.isFinite(run.tokensPerSecond) && run.tokensPerSecond > 0 ? 1000 / run.tokensPerSecond : 0;
  const result: StreamResult = { outcome: "completed", events: 0, deltas: 0, outputTokens: 0 };
  responder.begin(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": run.requestId });

  const shouldFail = () =>
    run.fault !== undefined &&
    ((run.fault.afterEvents !== undefined && result.events >= run.fault.afterEvents) ||
      (run.fault.afterDeltas !== undefined && result.deltas >= run.fault.afterDeltas));
  const fail = () => {
    const fault = run.fault!;
    responder.write(exceptionFrame(fault.type, streamExceptionPayload(fault.type, fault.message)));
    responder.end();
    return { ...result, outcome: "exception" as const, exception: fault.type };
  };

  let tokensAfterFirst = 0;
  let sawDelta = false;
  for (const step of run.steps) {
    if (shouldFail()) return fail();
    if (step.eventType === "messageStart") {
      await waitUntil(firstTokenAt, now, responder.signal);
    } else if (step.eventType === "contentBlockDelta" && step.tokens > 0) {
      if (sawDelta) tokensAfterFirst += step.tokens;
      await waitUntil(firstTokenAt + tokensAfterFirst * msPerToken, now, responder.signal);
    }
    if (responder.signal.aborted) return { ...result, outcome: "aborted" };
    if (step.eventType === "contentBlockDelta" && run.dropAfterDeltas !== undefined && result.deltas >= run.dropAfterDeltas) {
      responder.drop();
      return { ...result, outcome: "dropped" };
    }
    responder.write(eventFrame(step.eventType, { ...step.payload, p: run.padding() }));
    result.events++;
    if (step.eventType === "contentBlockDelta") {
      if (!sawDelta) result.firstTokenAfterMs = now() - run.startedAtMs;
      sawDelta = true;
      result.deltas++;
      result.outputTokens += step.tokens;
    }
  }
  if (shouldFail()) return fail();
  const latencyMs = Math.round(now() - run.startedAtMs);
  responder.write(eventFrame("metadata", { usage: run.usage, metrics: { latencyMs }, p: run.padding() }));
  result.events++;
  if (run.fault?.afterEvents !== undefined && shouldFail()) return fail();
  responder.end();
  return result;
}

export function eventFrame(eventType: string, payload: Record<string, unknown>): Uint8Array {
  return encodeMessage({
    headers: { ":event-type": eventType, ":content-type": "application/json", ":message-type": "event" },
    payload: utf8.encode(JSON.stringify(payload)),
  });
}

export function exceptionFrame(exceptionType: string, payload: Record<string, unknown>): Uint8Array {
  return encodeMessage({
    headers: { ":exception-type": exceptionType, ":content-type": "application/json", ":message-type": "exception" },
    payload: utf8.encode(JSON.stringify(payload)),
  });
}

/** Resolves at `dueMs` (on the `now` clock) or as soon as the client goes away; never waits for a past time. */
export const waitUntil = (dueMs: number, now: () => number, signal: AbortSignal): Promise<void> => abortableSleep(dueMs - now(), signal);
