/** Concurrent-call leases: one row per admitted call, reclaimed when its call stops renewing it. */
export const LEASE_TTL_MS = 90_000;

export class Leases {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS leases (call_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)");
  }

  holds(callId: string): boolean {
    return this.#sql.exec("SELECT 1 FROM leases WHERE call_id = ?", callId).toArray().length > 0;
  }

  count(): number {
    return this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM leases").one().n;
  }

  take(callId: string, now: number): void {
    this.#sql.exec("INSERT OR REPLACE INTO leases (call_id, expires_at) VALUES (?, ?)", callId, now + LEASE_TTL_MS);
  }

  /** False if the lease had already expired (the gate may have given its slot to another call). */
  renew(callId: string, now: number): boolean {
    return this.#sql.exec("UPDATE leases SET expires_at = ? WHERE call_id = ? AND expires_at > ?", now + LEASE_TTL_MS, callId, now).rowsWritten > 0;
  }

  release(callId: string): void {
    this.#sql.exec("DELETE FROM leases WHERE call_id = ?", callId);
  }

  expire(now: number): void {
    this.#sql.exec("DELETE FROM leases WHERE expires_at <= ?", now);
  }

  nextExpiry(): number | null {
    return this.#sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM leases").one().at;
  }
}
