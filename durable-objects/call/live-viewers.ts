import type { StoredTurn } from "./call-store.ts";
import type { FinishedTurn } from "./transcript-recorder.ts";

/** A finished caller or agent turn as the live transcript carries it. */
export type LiveTurn = Pick<FinishedTurn, "seq" | "role" | "text" | "interrupted" | "started_at" | "ended_at">;

export interface LiveEnd {
  status: string;
  end_reason: string | null;
  ended_at: string;
}

const encoder = new TextEncoder();
const sse = (event: string, data: unknown) => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

/** The turns finished so far, in the order the live stream would have carried them (tool turns are not shown). */
export function finishedTurns(turns: StoredTurn[]): LiveTurn[] {
  return turns
    .filter((t) => t.role === "caller" || (t.role === "agent" && t.endedAt !== null))
    .map((t) => ({ seq: t.seq, role: t.role as LiveTurn["role"], text: t.text, interrupted: t.interrupted, started_at: t.startedAt, ended_at: t.endedAt ?? t.startedAt }));
}

/**
 * The call's live-transcript viewers, as Server-Sent Events: `turn` for each finished turn (those before the viewer
 * came first), then `end` when the call ends, which closes the stream. Written to only at turn boundaries.
 */
export class LiveViewers {
  readonly #writers = new Set<WritableStreamDefaultWriter<Uint8Array>>();

  open(sofar: LiveTurn[], ended: LiveEnd | null): ReadableStream<Uint8Array> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    for (const turn of sofar) this.#write(writer, sse("turn", turn));
    if (ended) {
      this.#write(writer, sse("end", ended));
      void writer.close().catch(() => {});
    } else {
      this.#writers.add(writer);
    }
    return readable;
  }

  turn(turn: FinishedTurn): void {
    const { seq, role, text, interrupted, started_at, ended_at } = turn;
    for (const writer of this.#writers) this.#write(writer, sse("turn", { seq, role, text, interrupted, started_at, ended_at }));
  }

  end(ended: LiveEnd): void {
    for (const writer of this.#writers) {
      this.#write(writer, sse("end", ended));
      void writer.close().catch(() => {});
    }
    this.#writers.clear();
  }

  /** A viewer that went away fails its writes: it is dropped. */
  #write(writer: WritableStreamDefaultWriter<Uint8Array>, chunk: Uint8Array): void {
    writer.write(chunk).catch(() => this.#writers.delete(writer));
  }
}
