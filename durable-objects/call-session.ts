import { DurableObject } from "cloudflare:workers";

/**
 * One object per call (named by call id). It will own the Twilio media stream and the voice pipeline; for now it
 * keeps the call's event log in its own SQLite storage, which later stages build on.
 */
export class CallSession extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, type TEXT NOT NULL, data TEXT)");
    });
  }

  /** Appends an event to the call's durable log and returns its sequence number. */
  recordEvent(type: string, data?: unknown): number {
    const cursor = this.ctx.storage.sql.exec<{ seq: number }>(
      "INSERT INTO events (at, type, data) VALUES (?, ?, ?) RETURNING seq",
      new Date().toISOString(),
      type,
      data === undefined ? null : JSON.stringify(data),
    );
    return cursor.one().seq;
  }

  events(): { seq: number; at: string; type: string; data: unknown }[] {
    return this.ctx.storage.sql
      .exec<{ seq: number; at: string; type: string; data: string | null }>("SELECT seq, at, type, data FROM events ORDER BY seq")
      .toArray()
      .map((r) => ({ ...r, data: r.data === null ? null : JSON.parse(r.data) }));
  }
}
