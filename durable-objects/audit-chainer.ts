import { DurableObject } from "cloudflare:workers";
import { database } from "../shared/db/client.ts";
import { CHAIN_BATCH_ENTRIES, chainPendingEntries } from "../shared/audit/chain-pending.ts";

/** A failed settle hands over to the alarm after this long (the runtime itself retries failed alarms with backoff). */
const RETRY_AFTER_MS = 1_000;

/**
 * One object per account: the only writer of the account's audit chain. Writes insert unchained entries in their
 * own D1 batch (shared/audit/audit-entry.ts), then poke this object (the call path: its alarm chains soon after)
 * or settle it (API writes, which answer once their entry is chained). Either way entries are chained in the order
 * they committed, and concurrent writes never race for the chain's head. Chaining is idempotent and resumable: all its state is in D1 (the pending entries and the head),
 * an alarm that throws is retried by the runtime, and every later poke or settle picks up whatever is left.
 */
export class AuditChainer extends DurableObject<Env> {
  /** The latest drain; drains run one after another, so the head one reads is never moved by another. */
  #running: Promise<number> = Promise.resolve(0);
  /** A drain waiting for the running one: callers arriving now share it (it starts after them, so sees their entries). */
  #queued: Promise<number> | null = null;

  /** Chain soon: the alarm fires right away unless one is already due, so a burst of writes costs one drain. */
  async poke(accountId: string): Promise<void> {
    await this.#remember(accountId);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * Chains everything pending now and returns how many entries it chained (API writes, listing and verification
   * call it). If chaining fails, the alarm takes over and retries.
   */
  async settle(accountId: string): Promise<number> {
    await this.#remember(accountId);
    try {
      return await this.#drain(accountId);
    } catch (err) {
      await this.ctx.storage.setAlarm(Date.now() + RETRY_AFTER_MS);
      throw err;
    }
  }

  override async alarm(): Promise<void> {
    const accountId = await this.ctx.storage.get<string>("account_id");
    if (accountId) await this.#drain(accountId);
  }

  #drain(accountId: string): Promise<number> {
    if (this.#queued) return this.#queued;
    const queued = this.#running
      .catch(() => 0)
      .then(async () => {
        this.#queued = null;
        const db = database(this.env.DB);
        let total = 0;
        for (let chained = CHAIN_BATCH_ENTRIES; chained === CHAIN_BATCH_ENTRIES; total += chained) chained = await chainPendingEntries(db, accountId);
        return total;
      });
    this.#queued = queued;
    this.#running = queued;
    return queued;
  }

  async #remember(accountId: string): Promise<void> {
    if ((await this.ctx.storage.get<string>("account_id")) !== accountId) await this.ctx.storage.put("account_id", accountId);
  }
}
