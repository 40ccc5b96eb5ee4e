import { DurableObject } from "cloudflare:workers";
import { database } from "../shared/db/client.ts";
import { CHAIN_BATCH_ENTRIES, chainPendingEntries } from "../shared/audit/chain-pending.ts";

/**
 * One object per account: the only writer of the account's audit chain. Writes insert unchained entries in their
 * own D1 batch (shared/audit/audit-entry.ts) and poke this object; its alarm then chains everything pending, in
 * the order the entries committed. So concurrent writes never race for the chain's head, and a write never waits
 * for the chain. Chaining is idempotent and resumable: all its state is in D1 (the pending entries and the head),
 * an alarm that throws is retried by the runtime, and every later poke or settle picks up whatever is left.
 */
/** A failed settle hands over to the alarm after this long (the runtime itself retries failed alarms with backoff). */
const RETRY_AFTER_MS = 1_000;

export class AuditChainer extends DurableObject<Env> {
  /** Drains run one after another: the head read by one is never moved by another. */
  #queue: Promise<void> = Promise.resolve();

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
    const run = this.#queue.then(async () => {
      const db = database(this.env.DB);
      let total = 0;
      for (let chained = CHAIN_BATCH_ENTRIES; chained === CHAIN_BATCH_ENTRIES; total += chained) chained = await chainPendingEntries(db, accountId);
      return total;
    });
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #remember(accountId: string): Promise<void> {
    if ((await this.ctx.storage.get<string>("account_id")) !== accountId) await this.ctx.storage.put("account_id", accountId);
  }
}
