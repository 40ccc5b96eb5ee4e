import type { WebSocket } from "ws";
import { CLOSE } from "./deepgram-error.ts";
import { wsBytes } from "./listen-audio-decoder.ts";
import type { Outbox } from "./outbox.ts";

/** The counters a streaming `/listen` socket keeps about its own life (a slice of `DeepgramStats.listen` / `.flux`). */
export interface StreamLifeStats {
  socketsOpen: number;
  idleTimeouts: number;
  drops: number;
}

export interface StreamLifecycleDeps {
  socket: WebSocket;
  outbox: Outbox;
  stats: StreamLifeStats;
  /** No activity for this long closes the socket with 1011 NET-0001. */
  idleTimeoutMs: number;
  /** Close the socket with 1011 after this long (a simulated network drop). */
  dropAfterMs?: number | undefined;
  /** A text frame from the client (a control message). */
  onText: (text: string) => void;
  /** A binary frame from the client (audio); the idle timer is already re-armed. */
  onAudio: (data: Uint8Array) => void;
}

/**
 * What both listen streams (`/v1` and Flux `/v2`) share about their socket: reading client frames until the stream
 * stops reading or closes, the idle timeout, the simulated drop and the close/dispose bookkeeping. Arms the idle
 * timer at once; the socket closing or failing disposes it.
 */
export class StreamLifecycle {
  readonly #d: StreamLifecycleDeps;
  #closed = false;
  #reading = true;
  #idleTimer: NodeJS.Timeout | undefined;
  #dropTimer: NodeJS.Timeout | undefined;

  constructor(deps: StreamLifecycleDeps) {
    this.#d = deps;
    deps.socket.on("message", (data, isBinary) => this.#onMessage(wsBytes(data), isBinary));
    deps.socket.on("close", () => this.dispose());
    deps.socket.on("error", () => this.dispose());
    this.armIdle();
    if (deps.dropAfterMs !== undefined) {
      this.#dropTimer = setTimeout(() => {
        deps.stats.drops++;
        this.close(CLOSE.internal.code, CLOSE.internal.reason);
      }, deps.dropAfterMs);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Nothing more from the client is processed (CloseStream, a fatal error) while the last messages drain. */
  stopReading(): void {
    this.#reading = false;
  }

  #onMessage(data: Uint8Array, isBinary: boolean): void {
    if (this.#closed || !this.#reading) return;
    if (!isBinary) {
      this.#d.onText(Buffer.from(data).toString("utf8"));
      return;
    }
    this.armIdle();
    this.#d.onAudio(data);
  }

  /** Restarts the idle countdown (the client showed it is alive). */
  armIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      this.#d.stats.idleTimeouts++;
      this.close(CLOSE.clientIdle.code, CLOSE.clientIdle.reason);
    }, this.#d.idleTimeoutMs);
  }

  /** Without a code, ws sends a close frame with no status (the client sees 1005). */
  close(code?: number, reason?: string): void {
    if (this.#closed) return;
    this.dispose();
    if (code === undefined) this.#d.socket.close();
    else this.#d.socket.close(code, reason);
  }

  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#d.outbox.close();
    this.#d.stats.socketsOpen--;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#dropTimer);
  }
}
