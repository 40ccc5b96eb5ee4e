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
/** Delivered events kept as history. */
const KEPT_DELIVERED = 20;

export class BalanceLowOutbox {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS balance_low_armed (id INTEGER PRIMARY KEY CHECK (id = 1), armed INTEGER NOT NULL)");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS balance_low_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL, balance_minor INTEGER NOT NULL, threshold_minor INTEGER NOT NULL, currency TEXT NOT NULL, crossed_at TEXT NOT NULL, delivered_at TEXT)",
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
    return this.#select("WHERE delivered_at IS NULL ORDER BY seq LIMIT ?", limit);
  }

  /** The latest events, delivered or not, oldest first (delivered ones are kept as a short history). */
  recorded(): (BalanceLowEvent & { deliveredAt: string | null })[] {
    return this.#select(`ORDER BY seq DESC LIMIT ${KEPT_DELIVERED}`).reverse();
  }

  /** Marks events delivered, keeping the newest few delivered as history; returns how many of `ids` were pending. */
  acknowledge(ids: string[], now: number): number {
    let marked = 0;
    for (const id of ids) marked += this.#sql.exec("UPDATE balance_low_events SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL", new Date(now).toISOString(), id).rowsWritten;
    this.#sql.exec(`DELETE FROM balance_low_events WHERE delivered_at IS NOT NULL AND seq NOT IN (SELECT seq FROM balance_low_events ORDER BY seq DESC LIMIT ${KEPT_DELIVERED})`);
    return marked;
  }

  #select(clause: string, ...bindings: number[]): (BalanceLowEvent & { deliveredAt: string | null })[] {
    return this.#sql
      .exec<{ id: string; account_id: string; balance_minor: number; threshold_minor: number; currency: string; crossed_at: string; delivered_at: string | null }>(
        `SELECT id, account_id, balance_minor, threshold_minor, currency, crossed_at, delivered_at FROM balance_low_events ${clause}`,
        ...bindings,
      )
      .toArray()
      .map((r) => ({ id: r.id, type: "billing.balance_low", accountId: r.account_id, balanceMinor: r.balance_minor, thresholdMinor: r.threshold_minor, currency: r.currency as Currency, crossedAt: r.crossed_at, deliveredAt: r.delivered_at }));
  }
}
