import { count, eq } from "drizzle-orm";
import { pushBalanceSnapshot } from "../../shared/billing/balance-snapshot.ts";
import { database } from "../../shared/db/client.ts";
import { legacyCreditBalances } from "../../shared/db/schema.ts";
import { withPostgres, type PostgresConfig } from "../../shared/pg/client.ts";
import { postOnce } from "../../shared/pg/ledger-postings.ts";
import { billingAccounts } from "../../shared/pg/schema.ts";
import { openingBalance } from "./account-bootstrap.ts";
import { DEFAULT_PLAN_ID } from "./billing-settings.ts";

/** Rows per run: each is a few round trips to Postgres; what is left waits for the next run. */
const BATCH = 100;

export interface LegacyCreditOutcome extends Record<string, number> {
  /** Legacy rows turned into ledger balances (and deleted). */
  migrated: number;
  /** Rows left in place: the account's billing side is in another currency than the old model's USD cents. */
  blocked: number;
  /** Rows still waiting after this run. */
  remaining: number;
}

/**
 * Moves balances of the retired `credit_cents` model into the ledger: each becomes an `opening_balance` posting in
 * USD cents with source `migration/<account id>` (so a rerun, or a run that died before deleting its row, posts
 * nothing new), on a billing side created prepaid on the default plan if the account had none; then the gate
 * gets the balance and the legacy row goes. No legacy rows, no Postgres connection.
 */
export async function migrateLegacyCredit(env: Env & PostgresConfig): Promise<LegacyCreditOutcome> {
  const d1 = database(env.DB);
  const rows = await d1.select().from(legacyCreditBalances).limit(BATCH).all();
  if (rows.length === 0) return { migrated: 0, blocked: 0, remaining: 0 };
  let migrated = 0;
  let blocked = 0;
  await withPostgres(env, async (db) => {
    for (const { accountId, creditCents } of rows) {
      const posted = await db.transaction(async (tx) => {
        await tx.insert(billingAccounts).values({ accountId, planId: DEFAULT_PLAN_ID, currency: "USD", billingMode: "prepaid" }).onConflictDoNothing();
        const [billing] = await tx.select({ currency: billingAccounts.currency }).from(billingAccounts).where(eq(billingAccounts.accountId, accountId));
        if (billing!.currency !== "USD") return false;
        if (creditCents !== 0) {
          // The old consumer could drive a balance below zero: then the opening balance is a debt.
          const opening = openingBalance(accountId, Math.abs(creditCents), "USD", { sourceType: "migration", sourceId: accountId }, "balance of the retired credit_cents model");
          await postOnce(tx, creditCents > 0 ? opening : { ...opening, debit: "customer_balance", credit: "adjustments" });
        }
        return true;
      });
      if (!posted) {
        blocked++;
        console.error(JSON.stringify({ level: "error", message: "legacy credit not migrated: the account is billed in another currency", account_id: accountId, credit_cents: creditCents }));
        continue;
      }
      await pushBalanceSnapshot(env, accountId, db);
      await d1.delete(legacyCreditBalances).where(eq(legacyCreditBalances.accountId, accountId)).run();
      migrated++;
    }
  });
  const [left] = await d1.select({ n: count() }).from(legacyCreditBalances).all();
  return { migrated, blocked, remaining: left!.n };
}
