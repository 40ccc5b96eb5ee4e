import type { Frame } from "../pipeline/frames.ts";
import type { SpeechLedger } from "../pipeline/speech-ledger.ts";
import type { TurnMetrics } from "../pipeline/turn-metrics.ts";
import type { CallStore } from "./call-store.ts";
import type { ToolTurn } from "./tool-turn.ts";

export interface FinishedTurn {
  seq: number;
  role: "caller" | "agent";
  text: string;
  interrupted: boolean;
  started_at: string;
  ended_at: string;
}

interface AgentRow {
  seq: number;
  startedAt: string;
  /** The reply as the model wrote it. */
  text: string;
  /** The chunks whose audio has started reaching the caller: the row holds them until the reply is settled. */
  audible: string[];
}

/**
 * Writes the conversation to the call's own storage as it happens: caller turns at their endpoint, agent turns
 * once heard (or cut short, with the words actually heard), tool calls with their result and duration. Each
 * agent turn carries its latency breakdown.
 *
 * An agent turn takes its place in the order at its first words, but is written only once its audio starts
 * reaching the caller, and then holds what has been sent so far: a restart mid-reply leaves the words the caller
 * was hearing (marked interrupted on resume), and a reply cut before any of it was heard leaves no row.
 */
export class TranscriptRecorder {
  readonly #agentRows = new Map<number, AgentRow>();
  /** Tool calls awaiting their result: a call cut off never gets one, so its turn's end lets it go. */
  readonly #toolRows = new Map<string, { turnId: number; seq: number; call: ToolTurn }>();

  constructor(
    private readonly store: CallStore,
    private readonly ledger: SpeechLedger,
    private readonly metrics: TurnMetrics,
    /** Each turn once finished (a caller's at its endpoint, an agent's once heard or cut): the `call.transcript` webhook. */
    private readonly turnFinished: (turn: FinishedTurn) => void = () => {},
  ) {}

  readonly observe = (frame: Frame): void => {
    // Most frames are audio (one every 20 ms each way) and need no timestamp: take it only where a row is written.
    const now = () => new Date().toISOString();
    switch (frame.kind) {
      case "user_turn":
        if (!frame.tentative) this.turnFinished({ seq: this.store.startTurn("caller", frame.text, now()), role: "caller", text: frame.text, interrupted: false, started_at: now(), ended_at: now() });
        return;
      case "reply_delta": {
        const row = this.#agentRows.get(frame.turnId) ?? { seq: this.store.reserveTurn(), startedAt: now(), text: "", audible: [] };
        row.text += frame.text;
        this.#agentRows.set(frame.turnId, row);
        return;
      }
      case "chunk_audible": {
        const row = this.#agentRows.get(frame.turnId);
        const words = this.ledger.chunkText(frame.chunkId);
        if (row && words) {
          row.audible.push(words);
          const sent = row.audible.join(" ");
          if (row.audible.length === 1) this.store.startTurn("agent", sent, row.startedAt, row.seq);
          else this.store.updateTurn(row.seq, { text: sent });
        }
        // The turn rows are written right after this audio has left.
        this.store.flushTurnsSoon();
        return;
      }
      case "reply_flush": {
        // Text spoken before a tool and the answer after it are separate sentences.
        const row = this.#agentRows.get(frame.turnId);
        if (row && row.text && !/\s$/.test(row.text)) row.text += " ";
        return;
      }
      case "tool_call": {
        const call: ToolTurn = { name: frame.name, input: frame.input, toolUseId: frame.toolUseId };
        this.#toolRows.set(frame.toolUseId, { turnId: frame.turnId, seq: this.store.startTurn("tool", JSON.stringify(call), now()), call });
        return;
      }
      case "tool_result": {
        const row = this.#toolRows.get(frame.toolUseId);
        if (!row) return;
        this.#toolRows.delete(frame.toolUseId);
        const text = JSON.stringify({ ...row.call, result: { status: frame.status, content: frame.content } } satisfies ToolTurn);
        this.store.updateTurn(row.seq, { text, endedAt: now(), timings: { duration_ms: frame.durationMs, ok: frame.status === "success" ? 1 : 0 } });
        return;
      }
      case "playback_done":
        this.#dropToolCalls((turnId) => turnId === frame.turnId);
        return this.#close(frame.turnId, "heard", now());
      case "interrupt":
      case "end":
        // The turn is aborted: no result follows; the row stays, read back as interrupted (see `toolRound`).
        this.#dropToolCalls(() => true);
        for (const turnId of [...this.#agentRows.keys()]) this.#close(turnId, frame.kind === "interrupt" ? "cut" : "ended", now());
        return;
      default:
        return;
    }
  };

  /** Tool calls still awaiting a result: bounded by the turns closing. */
  get openToolCalls(): number {
    return this.#toolRows.size;
  }

  #dropToolCalls(ofTurn: (turnId: number) => boolean): void {
    for (const [toolUseId, row] of this.#toolRows) if (ofTurn(row.turnId)) this.#toolRows.delete(toolUseId);
  }

  /**
   * `heard`: played to the end. `cut`: interrupted, playback measured the words heard. `ended`: the stream or the
   * call ended mid-reply, unmeasured: it keeps the words sent, as after a restart.
   */
  #close(turnId: number, how: "heard" | "cut" | "ended", now: string): void {
    const row = this.#agentRows.get(turnId);
    if (!row) return;
    this.#agentRows.delete(turnId);
    if (row.audible.length === 0) return; // nothing of it reached the caller
    const interrupted = how !== "heard";
    const text = how === "heard" ? row.text.trim() : how === "cut" ? this.ledger.heardText(turnId) : row.audible.join(" ");
    // Cut before a whole word was heard: the caller heard no reply.
    if (!text) return this.store.deleteTurn(row.seq);
    const timings = this.metrics.timings(turnId);
    this.store.updateTurn(row.seq, { text, interrupted, endedAt: now, ...(timings ? { timings: timings as Record<string, number> } : {}) });
    this.turnFinished({ seq: row.seq, role: "agent", text, interrupted, started_at: row.startedAt, ended_at: now });
  }
}
