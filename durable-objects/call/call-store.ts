/**
 * The call's own durable state, in its Durable Object's SQLite storage: metadata, turns and events are written as
 * they happen, so they survive an object restart (a deploy mid-call) and the conversation can resume from them.
 */
export interface CallMeta {
  callId: string;
  accountId: string;
  agentId: string;
  agentVersion: number;
  direction: "inbound" | "outbound";
  from: string;
  to: string;
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

export class CallStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS turns (seq INTEGER PRIMARY KEY, role TEXT NOT NULL, text TEXT NOT NULL, interrupted INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL, ended_at TEXT, timings TEXT);
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, type TEXT NOT NULL, data TEXT);`);
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

  event(type: string, data?: unknown): void {
    this.sql.exec("INSERT INTO events (at, type, data) VALUES (?, ?, ?)", new Date().toISOString(), type, data === undefined ? null : JSON.stringify(data));
  }

  events(): StoredEvent[] {
    return this.sql
      .exec<{ seq: number; at: string; type: string; data: string | null }>("SELECT seq, at, type, data FROM events ORDER BY seq")
      .toArray()
      .map((r) => ({ ...r, data: r.data === null ? null : (JSON.parse(r.data) as StoredEvent["data"]) }));
  }

  /** Opens a turn and returns its sequence number. */
  startTurn(role: TurnRole, text: string, startedAt = new Date().toISOString()): number {
    return this.sql
      .exec<{ seq: number }>("INSERT INTO turns (seq, role, text, started_at) VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM turns), ?, ?, ?) RETURNING seq", role, text, startedAt)
      .one().seq;
  }

  updateTurn(seq: number, patch: { text?: string; interrupted?: boolean; endedAt?: string; timings?: Record<string, number> }): void {
    this.sql.exec(
      "UPDATE turns SET text = coalesce(?, text), interrupted = coalesce(?, interrupted), ended_at = coalesce(?, ended_at), timings = coalesce(?, timings) WHERE seq = ?",
      patch.text ?? null,
      patch.interrupted === undefined ? null : patch.interrupted ? 1 : 0,
      patch.endedAt ?? null,
      patch.timings ? JSON.stringify(patch.timings) : null,
      seq,
    );
  }

  turns(): StoredTurn[] {
    return this.sql
      .exec<{ seq: number; role: TurnRole; text: string; interrupted: number; started_at: string; ended_at: string | null; timings: string | null }>(
        "SELECT * FROM turns ORDER BY seq",
      )
      .toArray()
      .map((r) => ({ seq: r.seq, role: r.role, text: r.text, interrupted: r.interrupted === 1, startedAt: r.started_at, endedAt: r.ended_at, timings: r.timings ? JSON.parse(r.timings) : null }));
  }
}
