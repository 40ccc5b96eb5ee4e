import { USAGE_WAIT_MS } from "../call/call-finalizer.ts";

/**
 * How far ahead of its last renewal a prepaid call's spend is covered. It must cover all a call can spend before
 * the gate can stop it: up to the lease TTL (90 s) between renewals when alarms run late, the closing line and
 * hang-up after a refused renewal (its deadline is about 80 ms a character plus 5 s: under 30 s for a usual line),
 * and Twilio's billing of telephony per started minute (up to 60 s more). That is three minutes.
 */
export const RESERVATION_WINDOW_MS = 3 * 60_000;

/**
 * A reservation outlives its call until settlement posts the priced charge. The usage event leaves the call up to
 * USAGE_WAIT_MS (4 h) after it ended, and the queue keeps it through a Postgres outage of at least 24 h; a
 * reservation still held 2 h after both is one whose settlement was lost, and it lapses so the credit comes back.
 */
export const SETTLEMENT_WAIT_MS = USAGE_WAIT_MS + 24 * 60 * 60_000 + 2 * 60 * 60_000;

/** A call's reservation: it covers the call from `admittedAt` to `coveredUntil` at the account's reservation rate. */
interface Reservation {
  admittedAt: number;
  coveredUntil: number;
  amountMinor: number;
}

/** What `ms` of a call is reserved at, rounded up to minor units. */
export const reservationWorth = (ms: number, perMinuteMinor: number) => Math.ceil((perMinuteMinor * ms) / 60_000);

/**
 * Credit held for prepaid calls, one row per call: taken at admission, extended at each lease renewal, dropped at
 * settlement (or by its safety expiry). Spendable credit is the ledger balance less every row here.
 */
export class Reservations {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS reservations (call_id TEXT PRIMARY KEY, admitted_at INTEGER NOT NULL, covered_until INTEGER NOT NULL, amount_minor INTEGER NOT NULL, expires_at INTEGER NOT NULL)",
    );
  }

  heldMinor(): number {
    return this.#sql.exec<{ held: number }>("SELECT coalesce(sum(amount_minor), 0) AS held FROM reservations").one().held;
  }

  get(callId: string): Reservation | null {
    const row = this.#sql
      .exec<{ admitted_at: number; covered_until: number; amount_minor: number }>("SELECT admitted_at, covered_until, amount_minor FROM reservations WHERE call_id = ?", callId)
      .toArray()[0];
    return row ? { admittedAt: row.admitted_at, coveredUntil: row.covered_until, amountMinor: row.amount_minor } : null;
  }

  /**
   * Covers the call up to `now` + the window, taking the difference from `spendableMinor`; a call without a row
   * starts one at `now`. Nothing changes when the difference is more than is spendable: returns false.
   */
  extend(callId: string, now: number, perMinuteMinor: number, spendableMinor: number): boolean {
    const held = this.get(callId);
    const admittedAt = held?.admittedAt ?? now;
    const coveredUntil = Math.max(held?.coveredUntil ?? 0, now + RESERVATION_WINDOW_MS);
    const amountMinor = Math.max(held?.amountMinor ?? 0, reservationWorth(coveredUntil - admittedAt, perMinuteMinor));
    if (amountMinor - (held?.amountMinor ?? 0) > spendableMinor) return false;
    this.#sql.exec(
      "INSERT OR REPLACE INTO reservations (call_id, admitted_at, covered_until, amount_minor, expires_at) VALUES (?, ?, ?, ?, ?)",
      callId,
      admittedAt,
      coveredUntil,
      amountMinor,
      coveredUntil + SETTLEMENT_WAIT_MS,
    );
    return true;
  }

  /** Drops the call's reservation; false if it held none. */
  drop(callId: string): boolean {
    return this.#sql.exec("DELETE FROM reservations WHERE call_id = ?", callId).rowsWritten > 0;
  }

  expire(now: number): void {
    this.#sql.exec("DELETE FROM reservations WHERE expires_at <= ?", now);
  }

  nextExpiry(): number | null {
    return this.#sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM reservations").one().at;
  }
}
