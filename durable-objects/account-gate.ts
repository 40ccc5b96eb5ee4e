import { DurableObject } from "cloudflare:workers";
import type { BalanceSnapshot } from "../shared/billing/balance-snapshot.ts";
import { webhookEventBody } from "../shared/webhooks/emit-webhook-event.ts";
import { BalanceLowOutbox, type BalanceLowEvent } from "./account-gate/balance-low-outbox.ts";
import { Leases } from "./account-gate/leases.ts";
import { Reservations } from "./account-gate/reservations.ts";

export { LEASE_TTL_MS } from "./account-gate/leases.ts";
export { RESERVATION_WINDOW_MS, SETTLEMENT_WAIT_MS } from "./account-gate/reservations.ts";
export type { BalanceLowEvent } from "./account-gate/balance-low-outbox.ts";

export type GateRefusal = "concurrency_limit" | "insufficient_credit" | "billing_suspended";
export type AdmitResult = { admitted: true; active: number; reservedMinor: number } | { admitted: false; reason: GateRefusal; active: number; limit: number };
/** `insufficient_credit`: the lease was renewed (the call keeps its slot while it says goodbye), its reservation not. */
export type RenewResult = "renewed" | "lease_expired" | "insufficient_credit";

export interface Credit {
  balanceMinor: number;
  reservedMinor: number;
  /** The balance less every held reservation: what new calls and renewals may still take. */
  spendableMinor: number;
  currency: BalanceSnapshot["currency"];
}

/**
 * One object per account: admits calls under the account's concurrent-call limit and, for prepaid accounts, within
 * its credit. The object is single-threaded, so check-and-take is atomic across every Worker location (no
 * over-admission, no overspend under parallel call starts). Each admitted call holds a lease; the call releases it
 * at the end, renews it while alive, and an alarm reclaims leases whose call disappeared without releasing — no
 * slot leaks. A prepaid call also holds a reservation (./account-gate/reservations.ts), which outlives the lease
 * until settlement posts the call's charge. Money decisions use only the newest snapshot pushed from the ledger:
 * admission never waits on Postgres. An account without a snapshot has no billing side and is admitted as before.
 */
export class AccountGate extends DurableObject<Env> {
  #leases!: Leases;
  #reservations!: Reservations;
  #lowBalance!: BalanceLowOutbox;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.#leases = new Leases(ctx.storage.sql);
      this.#reservations = new Reservations(ctx.storage.sql);
      this.#lowBalance = new BalanceLowOutbox(ctx.storage.sql);
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS balance (id INTEGER PRIMARY KEY CHECK (id = 1), through_posting_id INTEGER NOT NULL, snapshot TEXT NOT NULL)");
    });
  }

  /**
   * Takes a slot for the call (a call that holds one keeps it) and, on a prepaid account, reserves a window's worth
   * of credit (a call that holds a reservation has it extended instead). Refuses `billing_suspended` when the
   * ledger suspended the account, `concurrency_limit` at the limit, `insufficient_credit` when the spendable
   * credit is not positive or is less than what the call must reserve.
   */
  admit(callId: string, limit: number, now = Date.now()): AdmitResult {
    this.#expire(now);
    const held = this.#leases.holds(callId);
    const active = this.#leases.count();
    const snapshot = this.balance();
    const refuse = (reason: GateRefusal): AdmitResult => ({ admitted: false, reason, active, limit });
    if (snapshot?.billingStatus === "suspended_for_billing") return refuse("billing_suspended");
    if (!held && active >= limit) return refuse("concurrency_limit");
    if (snapshot?.mode === "prepaid") {
      const spendable = this.#spendable(snapshot);
      // A new call needs positive credit even where the plan prices nothing (its reservation is then 0).
      const fresh = this.#reservations.get(callId) === null;
      if ((fresh && spendable <= 0) || !this.#reservations.extend(callId, now, snapshot.reservePerMinuteMinor, spendable)) return refuse("insufficient_credit");
    }
    this.#leases.take(callId, now);
    this.#scheduleExpiry();
    return { admitted: true, active: held ? active : active + 1, reservedMinor: this.#reservations.get(callId)?.amountMinor ?? 0 };
  }

  /**
   * Extends a live call's lease and, on a prepaid account, its reservation to the window ahead of `now` (one
   * renewal period's worth when renewals come on time). `lease_expired`: nothing changed, the call should
   * re-admit or end; `insufficient_credit`: the spendable credit cannot cover the extension, the call should end.
   */
  renew(callId: string, now = Date.now()): RenewResult {
    this.#expire(now);
    if (!this.#leases.renew(callId, now)) return "lease_expired";
    this.#scheduleExpiry();
    const snapshot = this.balance();
    if (snapshot?.mode !== "prepaid") return "renewed";
    return this.#reservations.extend(callId, now, snapshot.reservePerMinuteMinor, this.#spendable(snapshot)) ? "renewed" : "insufficient_credit";
  }

  /** The call ended: its slot is free. Its reservation stays until `settle` (the charge is priced later). */
  release(callId: string): void {
    this.#leases.release(callId);
    this.#scheduleExpiry();
  }

  /** The call never happened after all (no charge will come): its slot and its reservation are given back. */
  withdraw(callId: string): void {
    this.#leases.release(callId);
    this.#reservations.drop(callId);
    this.#scheduleExpiry();
  }

  /**
   * The call's charge is posted: its reservation is dropped. `snapshot` should be read after the charge committed;
   * it is taken (as by `setBalance`) in the same step, so the charge is never missing from the balance once the
   * reservation is gone. Without it the caller must have pushed such a snapshot first. False if no reservation was held.
   */
  settle(callId: string, snapshot?: BalanceSnapshot, now = Date.now()): boolean {
    if (snapshot) this.setBalance(snapshot, now);
    const dropped = this.#reservations.drop(callId);
    this.#scheduleExpiry();
    return dropped;
  }

  active(now = Date.now()): number {
    this.#expire(now);
    return this.#leases.count();
  }

  /** Takes the ledger's balance; pushes can arrive out of order, so one older than the held snapshot is ignored. */
  setBalance(snapshot: BalanceSnapshot, now = Date.now()): boolean {
    const held = this.balance();
    if (held && held.throughPostingId > snapshot.throughPostingId) return false;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO balance (id, through_posting_id, snapshot) VALUES (1, ?, ?)", snapshot.throughPostingId, JSON.stringify(snapshot));
    if (this.#lowBalance.observe(snapshot, now)) this.ctx.waitUntil(this.#deliverEvents());
    return true;
  }

  /** The newest snapshot pushed from the ledger, or null before the first. */
  balance(): BalanceSnapshot | null {
    const row = this.ctx.storage.sql.exec<{ snapshot: string }>("SELECT snapshot FROM balance WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.snapshot) as BalanceSnapshot) : null;
  }

  /** The balance, what calls hold of it, and what is left; null before the first snapshot. */
  credit(now = Date.now()): Credit | null {
    this.#expire(now);
    const snapshot = this.balance();
    if (!snapshot) return null;
    return { balanceMinor: snapshot.balanceMinor, reservedMinor: this.#reservations.heldMinor(), spendableMinor: this.#spendable(snapshot), currency: snapshot.currency };
  }

  /** The latest `billing.balance_low` events, oldest first, each with when it was handed to the webhooks queue. */
  lowBalanceEvents(): (BalanceLowEvent & { deliveredAt: string | null })[] {
    return this.#lowBalance.recorded();
  }

  override async alarm(): Promise<void> {
    this.#expire(Date.now());
    this.#scheduleExpiry();
    await this.#deliverEvents();
  }

  /**
   * Hands pending `billing.balance_low` events to the webhooks queue. Each stays in the outbox until the send
   * succeeded (a failed one is tried again at the next crossing or alarm); its id is stable, so a repeat after a
   * lost acknowledgement reaches each endpoint once.
   */
  async #deliverEvents(): Promise<void> {
    const pending = this.#lowBalance.pending(100);
    if (pending.length === 0) return;
    const bodies = pending.map((e) =>
      webhookEventBody({ id: e.id, type: e.type, accountId: e.accountId, createdAt: e.crossedAt, data: { balance_minor: e.balanceMinor, threshold_minor: e.thresholdMinor, currency: e.currency } }),
    );
    try {
      await this.env.WEBHOOK_EVENTS.sendBatch(bodies.map((body) => ({ body, contentType: "json" })));
      this.#lowBalance.acknowledge(pending.map((e) => e.id), Date.now());
    } catch (error) {
      console.error(JSON.stringify({ level: "error", message: "billing.balance_low not queued; kept for the next try", events: pending.length, error: String(error) }));
    }
  }

  #spendable(snapshot: BalanceSnapshot): number {
    return snapshot.balanceMinor - this.#reservations.heldMinor();
  }

  #expire(now: number): void {
    this.#leases.expire(now);
    this.#reservations.expire(now);
  }

  #scheduleExpiry(): void {
    const next = [this.#leases.nextExpiry(), this.#reservations.nextExpiry()].filter((at): at is number => at !== null);
    if (next.length === 0) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(Math.min(...next));
  }
}
