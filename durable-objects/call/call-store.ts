import type { CallIdentity } from "../../shared/calls/call-identity.ts";

/**
 * The call's own durable state, in its Durable Object's SQLite storage: metadata, turns and events are written as
 * they happen, so they survive an object restart (a deploy mid-call) and the conversation can resume from them.
 *
 * Turn rows are written behind: a storage write holds back the object's outgoing messages until it is durable,
 * and turn rows change exactly when the model request and the first words of a reply are about to leave (≈1 ms
 * each per turn locally, `npm run bench`; a replicated write in production takes longer). They are written once
 * the reply's first audio has gone out (`flushTurnsSoon`), or after at most a second; reads flush them first.
 */
export interface CallMeta extends CallIdentity {
  callSid: string | null;
  createdAt: string;
  /** The platform's public base URL, for the callbacks the call's object asks Twilio to make. */
  publicBaseUrl: string;
}

export type TurnRole = "caller" | "agent" | "tool" | "system";

export interface StoredTurn {
  seq: number;
  role: TurnRole;
  text: string;
  interrupted: boolean;
  startedAt: string;
  endedAt: string | null;
  timings: Record<string, number> | null;
}

export interface StoredEvent {
  seq: number;
  at: string;
  type: string;
  /** Parsed JSON payload (an object, or a scalar). */
  data: object | string | number | boolean | null;
}

const TURN_WRITE_MAX_DELAY_MS = 1_000;

export class CallStore {
  #lastSeq: number;
  #pendingTurnWrites: (() => void)[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS turns (seq INTEGER PRIMARY KEY, role TEXT NOT NULL, text TEXT NOT NULL, interrupted INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL, ended_at TEXT, timings TEXT);
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, type TEXT NOT NULL, data TEXT);`);
    this.#lastSeq = sql.exec<{ seq: number }>("SELECT coalesce(max(seq), 0) AS seq FROM turns").one().seq;
  }

  get<T>(key: string): T | undefined {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  put(key: string, value: unknown): void {
    this.sql.exec("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", key, JSON.stringify(value));
  }

  get meta(): CallMeta | undefined {
    return this.get<CallMeta>("meta");
  }

  /** The caller's Twilio leg: learnt from the webhook or the stream's `start`, else the one the call was created with. */
  get callSid(): string | null | undefined {
    return this.get<string>("callSid") ?? this.meta?.callSid;
  }

  event(type: string, data?: unknown): void {
    this.sql.exec("INSERT INTO events (at, type, data) VALUES (?, ?, ?)", new Date().toISOString(), type, data === undefined ? null : JSON.stringify(data));
  }

  events(): StoredEvent[] {
    return this.sql
      .exec<{ seq: number; at: string; type: string; data: string | null }>("SELECT seq, at, type, data FROM events ORDER BY seq")
      .toArray()
      .map((r) => ({ ...r, data: r.data === null ? null : (JSON.parse(r.data) as StoredEvent["data"]) }));
  }

  /** Deletes every turn, every event and every key but `keep` (a delivered call's tombstone). */
  purge(keep: string[]): void {
    this.#pendingTurnWrites = [];
    clearTimeout(this.#flushTimer ?? null);
    this.#flushTimer = undefined;
    this.sql.exec("DELETE FROM turns");
    this.sql.exec("DELETE FROM events");
    this.sql.exec(`DELETE FROM kv WHERE key NOT IN (${keep.map(() => "?").join(", ")})`, ...keep);
  }

  /** A place in the turn order for a turn written later (an agent reply is written once the caller hears it). */
  reserveTurn(): number {
    return ++this.#lastSeq;
  }

  /** Opens a turn (at `seq` if reserved) and returns its sequence number. */
  startTurn(role: TurnRole, text: string, startedAt = new Date().toISOString(), seq = this.reserveTurn()): number {
    this.#writeTurnLater(() => this.sql.exec("INSERT INTO turns (seq, role, text, started_at) VALUES (?, ?, ?, ?)", seq, role, text, startedAt));
    return seq;
  }

  deleteTurn(seq: number): void {
    this.#writeTurnLater(() => this.sql.exec("DELETE FROM turns WHERE seq = ?", seq));
  }

  /** Agent turns still open when a call's runtime starts were cut off (object restart): they hold what was sent. */
  interruptOpenTurns(endedAt = new Date().toISOString()): void {
    this.flushTurns();
    this.sql.exec("UPDATE turns SET interrupted = 1, ended_at = ? WHERE role = 'agent' AND ended_at IS NULL", endedAt);
  }

  updateTurn(seq: number, patch: { text?: string; interrupted?: boolean; endedAt?: string; timings?: Record<string, number> }): void {
    this.#writeTurnLater(() =>
      this.sql.exec(
        "UPDATE turns SET text = coalesce(?, text), interrupted = coalesce(?, interrupted), ended_at = coalesce(?, ended_at), timings = coalesce(?, timings) WHERE seq = ?",
        patch.text ?? null,
        patch.interrupted === undefined ? null : patch.interrupted ? 1 : 0,
        patch.endedAt ?? null,
        patch.timings ? JSON.stringify(patch.timings) : null,
        seq,
      ),
    );
  }

  #writeTurnLater(write: () => void): void {
    this.#pendingTurnWrites.push(write);
    this.#flushTimer ??= setTimeout(() => this.flushTurns(), TURN_WRITE_MAX_DELAY_MS);
  }

  /** Writes pending turn rows once the current task (e.g. sending a reply's first audio frames) is done. */
  flushTurnsSoon(): void {
    if (this.#pendingTurnWrites.length === 0) return;
    clearTimeout(this.#flushTimer ?? null);
    this.#flushTimer = setTimeout(() => this.flushTurns(), 0);
  }

  /** Writes pending turn rows now (in order). */
  flushTurns(): void {
    clearTimeout(this.#flushTimer ?? null);
    this.#flushTimer = undefined;
    for (const write of this.#pendingTurnWrites.splice(0)) write();
  }

  turns(): StoredTurn[] {
    this.flushTurns();
    return this.sql
      .exec<{ seq: number; role: TurnRole; text: string; interrupted: number; started_at: string; ended_at: string | null; timings: string | null }>(
        "SELECT * FROM turns ORDER BY seq",
      )
      .toArray()
      .map((r) => ({ seq: r.seq, role: r.role, text: r.text, interrupted: r.interrupted === 1, startedAt: r.started_at, endedAt: r.ended_at, timings: r.timings ? JSON.parse(r.timings) : null }));
  }
}
