import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withPostgres, type PgDatabase } from "./client.ts";
import { PG_UNIQUE_VIOLATION, postgresError } from "./errors.ts";
import { postOnce } from "./ledger-postings.ts";
import { billingAccounts, ledgerPostings, plans, type NewLedgerPosting } from "./schema.ts";

// Every test file shares the one migrated database test/workers/global-setup.ts started: rows carry their own ids.
async function newAccount(db: PgDatabase): Promise<string> {
  const planId = `plan_${crypto.randomUUID()}`;
  const accountId = `acct_${crypto.randomUUID()}`;
  await db.insert(plans).values({ id: planId, name: "Pay as you go" });
  await db.insert(billingAccounts).values({ accountId, planId, currency: "USD" });
  return accountId;
}

const callCharge = (accountId: string, usageEventId: string, amountMinor = 42): NewLedgerPosting => ({
  accountId,
  kind: "call_charge",
  debit: "customer_balance",
  credit: "revenue",
  amountMinor,
  currency: "USD",
  sourceType: "usage_event",
  sourceId: usageEventId,
});

const postingsOf = (db: PgDatabase, accountId: string) => db.select().from(ledgerPostings).where(eq(ledgerPostings.accountId, accountId));

describe("ledger postings", () => {
  it("post once per source: a redelivered usage event is already posted and changes nothing", async () => {
    await withPostgres(env, async (db) => {
      const accountId = await newAccount(db);
      expect(await postOnce(db, callCharge(accountId, "evt_1"))).toBe("posted");
      // The same event again, even with another amount (a consumer that recomputed it), posts nothing.
      expect(await postOnce(db, callCharge(accountId, "evt_1", 99))).toBe("already-posted");
      expect(await postOnce(db, callCharge(accountId, "evt_2"))).toBe("posted");
      expect((await postingsOf(db, accountId)).map((p) => [p.sourceId, p.amountMinor])).toEqual([["evt_1", 42], ["evt_2", 42]]);
    });
  });

  it("post once inside the caller's transaction", async () => {
    await withPostgres(env, async (db) => {
      const accountId = await newAccount(db);
      const outcomes = await db.transaction(async (tx) => [await postOnce(tx, callCharge(accountId, "evt_tx")), await postOnce(tx, callCharge(accountId, "evt_tx"))]);
      expect(outcomes).toEqual(["posted", "already-posted"]);
      expect(await postingsOf(db, accountId)).toHaveLength(1);
    });
  });

  it("refuse a duplicate source with Postgres's unique violation when inserted without the helper", async () => {
    await withPostgres(env, async (db) => {
      const accountId = await newAccount(db);
      await db.insert(ledgerPostings).values(callCharge(accountId, "evt_dup"));
      const error = await db.insert(ledgerPostings).values(callCharge(accountId, "evt_dup")).catch((e: unknown) => e);
      expect(postgresError(error)).toMatchObject({ code: PG_UNIQUE_VIOLATION, constraint: "ledger_postings_source" });
      // The same source id on another account is another posting.
      const other = await newAccount(db);
      expect(await postOnce(db, callCharge(other, "evt_dup"))).toBe("posted");
    });
  });

  it("are append-only: the database refuses to change or delete one", async () => {
    await withPostgres(env, async (db) => {
      const accountId = await newAccount(db);
      await postOnce(db, callCharge(accountId, "evt_keep"));
      const update = await db.update(ledgerPostings).set({ amountMinor: 1 }).where(eq(ledgerPostings.accountId, accountId)).catch((e: unknown) => e);
      const remove = await db.delete(ledgerPostings).where(eq(ledgerPostings.accountId, accountId)).catch((e: unknown) => e);
      expect(postgresError(update)?.message).toMatch(/append-only: UPDATE refused/);
      expect(postgresError(remove)?.message).toMatch(/append-only: DELETE refused/);
      expect((await postingsOf(db, accountId)).map((p) => p.amountMinor)).toEqual([42]);
    });
  });

  it("refuse what the schema forbids: a non-positive amount, one side twice, an adjustment without a reason", async () => {
    await withPostgres(env, async (db) => {
      const accountId = await newAccount(db);
      const refused = (posting: NewLedgerPosting) => db.insert(ledgerPostings).values(posting).catch((e: unknown) => postgresError(e)?.constraint);
      expect(await refused(callCharge(accountId, "evt_zero", 0))).toBe("ledger_postings_amount_positive");
      expect(await refused({ ...callCharge(accountId, "evt_self"), credit: "customer_balance" })).toBe("ledger_postings_two_sides");
      const adjustment: NewLedgerPosting = { accountId, kind: "adjustment", debit: "adjustments", credit: "customer_balance", amountMinor: 500, currency: "USD", sourceType: "operator_request", sourceId: "idem_1" };
      expect(await refused(adjustment)).toBe("ledger_postings_operator_reason");
      expect(await postOnce(db, { ...adjustment, reason: "goodwill after an outage" })).toBe("posted");
    });
  });
});
