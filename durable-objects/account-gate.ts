import { DurableObject } from "cloudflare:workers";
import type { BalanceSnapshot } from "../shared/billing/balance-snapshot.ts";

/**
 * One object per account: admits calls under the account's concurrent-call limit. The object is single-threaded,
 * so check-and-take is atomic across every Worker location (no over-admission under parallel call starts).
 * Each admitted call holds a lease; the call releases it at the end, renews it while alive, and an alarm
 * reclaims leases whose call disappeared without releasing — no slot leaks.
 */
export const LEASE_TTL_MS = 90_000;

export type AdmitResult = { admitted: true; active: number } | { admitted: false; active: number; limit: number };

export class AccountGate extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS leases (call_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)");
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS balance (id INTEGER PRIMARY KEY CHECK (id = 1), through_posting_id INTEGER NOT NULL, snapshot TEXT NOT NULL)");
    });
  }

  admit(callId: string, limit: number, now = Date.now()): AdmitResult {
    this.#expire(now);
    const held = this.ctx.storage.sql.exec("SELECT 1 FROM leases WHERE call_id = ?", callId).toArray().length > 0;
    const active = this.#count();
    if (!held && active >= limit) return { admitted: false, active, limit };
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO leases (call_id, expires_at) VALUES (?, ?)", callId, now + LEASE_TTL_MS);
    this.#scheduleExpiry();
    return { admitted: true, active: held ? active : active + 1 };
  }

  /** Extends a live call's lease; false if it had already expired (the call should then re-admit or end). */
  renew(callId: string, now = Date.now()): boolean {
    const updated = this.ctx.storage.sql.exec("UPDATE leases SET expires_at = ? WHERE call_id = ? AND expires_at > ?", now + LEASE_TTL_MS, callId, now);
    this.#scheduleExpiry();
    return updated.rowsWritten > 0;
  }

  release(callId: string): void {
    this.ctx.storage.sql.exec("DELETE FROM leases WHERE call_id = ?", callId);
  }

  active(now = Date.now()): number {
    this.#expire(now);
    return this.#count();
  }

  /** Takes the ledger's balance; pushes can arrive out of order, so one older than the held snapshot is ignored. */
  setBalance(snapshot: BalanceSnapshot): boolean {
    const held = this.balance();
    if (held && held.throughPostingId > snapshot.throughPostingId) return false;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO balance (id, through_posting_id, snapshot) VALUES (1, ?, ?)", snapshot.throughPostingId, JSON.stringify(snapshot));
    return true;
  }

  /** The newest snapshot pushed from the ledger, or null before the first. */
  balance(): BalanceSnapshot | null {
    const row = this.ctx.storage.sql.exec<{ snapshot: string }>("SELECT snapshot FROM balance WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.snapshot) as BalanceSnapshot) : null;
  }

  override async alarm(): Promise<void> {
    this.#expire(Date.now());
    this.#scheduleExpiry();
  }

  #count(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM leases").one().n;
  }

  #expire(now: number): void {
    this.ctx.storage.sql.exec("DELETE FROM leases WHERE expires_at <= ?", now);
  }

  #scheduleExpiry(): void {
    const next = this.ctx.storage.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM leases").one().at;
    if (next === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(next);
  }
}
