import { and, eq, max, sql } from "drizzle-orm";
import { withPostgres, type PgDatabase, type PostgresConfig } from "../pg/client.ts";
import { billingAccounts, ledgerPostings, rateCards, type BILLING_MODES, type BILLING_STATUSES, type Currency } from "../pg/schema.ts";
import { reservePerMinuteMinor } from "./reservation-rate.ts";
import { accountGate, accountRegion, callAccountGate } from "../residency/residency.ts";

/**
 * What the edge knows of an account's money: the ledger's balance at one posting, pushed to the account's gate
 * object at each posting and at start-up, so admission and reservations never wait on Postgres.
 */
export interface BalanceSnapshot {
  accountId: string;
  mode: (typeof BILLING_MODES)[number];
  billingStatus: (typeof BILLING_STATUSES)[number];
  currency: Currency;
  /** Sum of the account's postings into `customer_balance` less those out of it, in minor units. */
  balanceMinor: number;
  lowBalanceThresholdMinor: number | null;
  /** What a minute of a call is reserved at (prepaid), from the plan's rate card in `currency` (./reservation-rate.ts). */
  reservePerMinuteMinor: number;
  /** The newest posting the balance includes (0 for none): the gate ignores a snapshot older than the one it holds. */
  throughPostingId: number;
}

/** The account's snapshot from the ledger, or null for an account without a billing side. */
export async function readBalanceSnapshot(db: PgDatabase, accountId: string): Promise<BalanceSnapshot | null> {
  const account = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, accountId)).limit(1);
  const billing = account[0];
  if (!billing) return null;
  const [sums] = await db
    .select({
      balance: sql<string>`coalesce(sum(case when ${ledgerPostings.credit} = 'customer_balance' then ${ledgerPostings.amountMinor} else -${ledgerPostings.amountMinor} end), 0)`,
      through: max(ledgerPostings.id),
    })
    .from(ledgerPostings)
    .where(and(eq(ledgerPostings.accountId, accountId), sql`'customer_balance' in (${ledgerPostings.debit}, ${ledgerPostings.credit})`));
  const rates = await db
    .select({ component: rateCards.component, microsPerUnit: rateCards.microsPerUnit })
    .from(rateCards)
    .where(and(eq(rateCards.planId, billing.planId), eq(rateCards.currency, billing.currency)));
  return {
    accountId,
    mode: billing.billingMode,
    billingStatus: billing.billingStatus,
    currency: billing.currency,
    balanceMinor: Number(sums?.balance ?? 0),
    lowBalanceThresholdMinor: billing.lowBalanceThresholdMinor,
    reservePerMinuteMinor: reservePerMinuteMinor(rates),
    throughPostingId: sums?.through ?? 0,
  };
}

/**
 * Reads the account's snapshot and hands it to its gate. Call after every posting (outside the posting's
 * transaction, once it committed); pass `db` to reuse an open connection.
 */
export async function pushBalanceSnapshot(env: Env & PostgresConfig, accountId: string, db?: PgDatabase): Promise<BalanceSnapshot | null> {
  const snapshot = db ? await readBalanceSnapshot(db, accountId) : await withPostgres(env, (pg) => readBalanceSnapshot(pg, accountId));
  if (snapshot) await accountGate(env, accountId, await accountRegion(env, accountId)).setBalance(snapshot);
  return snapshot;
}

/**
 * Settles a call whose charge is posted (or that turned out to cost nothing): reads the account's snapshot, which now
 * includes the charge, and hands it to the gate with the call id, which takes the balance and drops the call's
 * reservation in one step. Call after the charge's transaction committed. False if the gate held no reservation.
 */
export async function settleReservation(env: Env & PostgresConfig, accountId: string, callId: string, db?: PgDatabase): Promise<boolean> {
  const snapshot = db ? await readBalanceSnapshot(db, accountId) : await withPostgres(env, (pg) => readBalanceSnapshot(pg, accountId));
  return callAccountGate(env, accountId, callId).settle(callId, snapshot ?? undefined);
}
