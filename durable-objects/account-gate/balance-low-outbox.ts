import type { BalanceSnapshot } from "../../shared/billing/balance-snapshot.ts";
import type { Currency } from "../../shared/pg/schema.ts";

/** A `billing.balance_low` event waiting for delivery (the webhooks deliver it, then acknowledge its id). */
export interface BalanceLowEvent {
  id: string;
  type: "billing.balance_low";
  accountId: string;
  balanceMinor: number;
  thresholdMinor: number;
  currency: Currency;
  crossedAt: string;
}

/**
 * Records one `billing.balance_low` event each time the ledger balance crosses below the account's threshold, and
 * re-arms once it is back at or above it. The ledger balance, not the spendable one: it is the figure the tenant
 * reads and tops up, and it moves only with postings, whereas reservations rise and fall with every call and would
 * re-arm and fire again around each call near the threshold. The gate knows no history before its first snapshot,
 * so a first snapshot already below the threshold counts as a crossing.
 */
export class BalanceLowOutbox {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS balance_low_armed (id INTEGER PRIMARY KEY CHECK (id = 1), armed INTEGER NOT NULL)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS balance_low_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL, balance_minor INTEGER NOT NULL, threshold_minor INTEGER NOT NULL, currency TEXT NOT NULL, crossed_at TEXT NOT NULL)",
    );
  }

  /** Takes a newly accepted snapshot; true if it recorded a crossing. */
  observe(snapshot: BalanceSnapshot, now: number): boolean {
    const threshold = snapshot.lowBalanceThresholdMinor;
    const below = threshold !== null && snapshot.balanceMinor < threshold;
    const armed = this.#sql.exec<{ armed: number }>("SELECT armed FROM balance_low_armed WHERE id = 1").toArray()[0]?.armed !== 0;
    this.#sql.exec("INSERT OR REPLACE INTO balance_low_armed (id, armed) VALUES (1, ?)", below ? 0 : 1);
    if (!below || !armed) return false;
    this.#sql.exec(
      "INSERT INTO balance_low_events (id, account_id, balance_minor, threshold_minor, currency, crossed_at) VALUES (?, ?, ?, ?, ?, ?)",
      `evt_${crypto.randomUUID()}`,
      snapshot.accountId,
      snapshot.balanceMinor,
      threshold,
      snapshot.currency,
      new Date(now).toISOString(),
    );
    return true;
  }

  /** Undelivered events, oldest first. */
  pending(limit: number): BalanceLowEvent[] {
    return this.#sql
      .exec<{ id: string; account_id: string; balance_minor: number; threshold_minor: number; currency: string; crossed_at: string }>(
        "SELECT id, account_id, balance_minor, threshold_minor, currency, crossed_at FROM balance_low_events ORDER BY seq LIMIT ?",
        limit,
      )
      .toArray()
      .map((r) => ({ id: r.id, type: "billing.balance_low", accountId: r.account_id, balanceMinor: r.balance_minor, thresholdMinor: r.threshold_minor, currency: r.currency as Currency, crossedAt: r.crossed_at }));
  }

  /** Deletes delivered events; returns how many it found. */
  acknowledge(ids: string[]): number {
    let deleted = 0;
    for (const id of ids) deleted += this.#sql.exec("DELETE FROM balance_low_events WHERE id = ?", id).rowsWritten;
    return deleted;
  }
}
