import { eq } from "drizzle-orm";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { withPostgres, type PgDatabase } from "../pg/client.ts";
import { postOnce } from "../pg/ledger-postings.ts";
import { billingAccounts, plans, rateCards } from "../pg/schema.ts";
import { pushBalanceSnapshot, readBalanceSnapshot } from "./balance-snapshot.ts";

async function prepaidAccount(db: PgDatabase): Promise<string> {
  const planId = `plan_${crypto.randomUUID()}`;
  const accountId = `acct_${crypto.randomUUID()}`;
  await db.insert(plans).values({ id: planId, name: "Prepaid" });
  await db.insert(billingAccounts).values({ accountId, planId, currency: "EUR", billingMode: "prepaid", lowBalanceThresholdMinor: 200 });
  return accountId;
}

const gate = (accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));

describe("balance snapshot", () => {
  it("sums postings into the customer balance less those out of it, and the gate holds the newest", async () => {
    await withPostgres(env, async (db) => {
      const accountId = await prepaidAccount(db);
      expect(await readBalanceSnapshot(db, accountId)).toMatchObject({ balanceMinor: 0, throughPostingId: 0, mode: "prepaid", currency: "EUR" });
      await postOnce(db, { accountId, kind: "top_up", debit: "payments", credit: "customer_balance", amountMinor: 1_000, currency: "EUR", sourceType: "payment_event", sourceId: "pi_1" });
      const older = await pushBalanceSnapshot(env, accountId, db);
      await postOnce(db, { accountId, kind: "call_charge", debit: "customer_balance", credit: "revenue", amountMinor: 275, currency: "EUR", sourceType: "usage_event", sourceId: "evt_1" });
      const newer = await pushBalanceSnapshot(env, accountId, db);
      expect(newer).toMatchObject({ balanceMinor: 725, lowBalanceThresholdMinor: 200, billingStatus: "active" });
      // A push that arrives late (it read the ledger before the charge) does not replace the newer balance.
      expect(await gate(accountId).setBalance(older!)).toBe(false);
      expect(await gate(accountId).balance()).toEqual(newer);
    });
  });

  it("an account without a billing side has no snapshot, and the gate is left without one", async () => {
    const accountId = `acct_${crypto.randomUUID()}`;
    expect(await pushBalanceSnapshot(env, accountId)).toBeNull();
    expect(await gate(accountId).balance()).toBeNull();
  });

  it("carries the reservation rate of the account's plan in the account's currency", async () => {
    await withPostgres(env, async (db) => {
      const accountId = await prepaidAccount(db);
      const planId = (await db.select({ planId: billingAccounts.planId }).from(billingAccounts).where(eq(billingAccounts.accountId, accountId)))[0]!.planId;
      await db.insert(rateCards).values([
        { planId, currency: "EUR", component: "platform_minute", microsPerUnit: 40_000 },
        { planId, currency: "EUR", component: "llm_output_token", model: "model-a", microsPerUnit: 10 },
        { planId, currency: "EUR", component: "llm_output_token", model: "model-b", microsPerUnit: 25 },
        { planId, currency: "USD", component: "platform_minute", microsPerUnit: 9_000_000 },
      ]);
      // 40,000 + 400 × 25 = 50,000 micros: 5 cents a minute; the USD card is not this account's.
      expect(await readBalanceSnapshot(db, accountId)).toMatchObject({ reservePerMinuteMinor: 5 });
    });
  });
});
