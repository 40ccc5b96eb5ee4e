import type { Frame } from "../pipeline/frames.ts";
import type { SpeechLedger } from "../pipeline/speech-ledger.ts";
import type { TurnMetrics } from "../pipeline/turn-metrics.ts";
import type { CallStore } from "./call-store.ts";

/**
 * Writes the conversation to the call's own storage as it happens: caller turns at their endpoint, agent turns
 * once heard (or cut short, with the words actually heard), tool calls with their outcome and duration. Each
 * agent turn carries its latency breakdown.
 */
export class TranscriptRecorder {
  readonly #agentRows = new Map<number, { seq: number; text: string }>();
  readonly #toolRows = new Map<string, number>();

  constructor(
    private readonly store: CallStore,
    private readonly ledger: SpeechLedger,
    private readonly metrics: TurnMetrics,
  ) {}

  readonly observe = (frame: Frame): void => {
    const now = new Date().toISOString();
    switch (frame.kind) {
      case "user_turn":
        if (!frame.tentative) this.store.startTurn("caller", frame.text, now);
        return;
      case "reply_delta": {
        // The row exists from the first words on; its text is settled once the reply is heard or cut short.
        const row = this.#agentRows.get(frame.turnId) ?? { seq: this.store.startTurn("agent", "", now), text: "" };
        row.text += frame.text;
        this.#agentRows.set(frame.turnId, row);
        return;
      }
      case "agent_audio":
        // Observers run before playback sends this audio: the turn rows are written right after it has left.
        this.store.flushTurnsSoon();
        return;
      case "reply_flush": {
        // Text spoken before a tool and the answer after it are separate sentences.
        const row = this.#agentRows.get(frame.turnId);
        if (row && row.text && !/\s$/.test(row.text)) row.text += " ";
        return;
      }
      case "tool_call":
        this.#toolRows.set(frame.toolUseId, this.store.startTurn("tool", JSON.stringify({ name: frame.name, input: frame.input }), now));
        return;
      case "tool_result": {
        const seq = this.#toolRows.get(frame.toolUseId);
        if (seq !== undefined) this.store.updateTurn(seq, { endedAt: now, timings: { duration_ms: frame.durationMs, ok: frame.status === "success" ? 1 : 0 } });
        return;
      }
      case "playback_done":
        return this.#close(frame.turnId, false, now);
      case "interrupt":
        for (const turnId of [...this.#agentRows.keys()]) this.#close(turnId, true, now);
        return;
      default:
        return;
    }
  };

  #close(turnId: number, interrupted: boolean, now: string): void {
    const row = this.#agentRows.get(turnId);
    if (!row) return;
    this.#agentRows.delete(turnId);
    const timings = this.metrics.timings(turnId);
    const text = interrupted ? this.ledger.heardText(turnId) : row.text.trim();
    this.store.updateTurn(row.seq, { text, interrupted, endedAt: now, ...(timings ? { timings: timings as Record<string, number> } : {}) });
  }
}
