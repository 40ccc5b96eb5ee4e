import { and, eq } from "drizzle-orm";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { postOnce } from "../../shared/pg/ledger-postings.ts";
import { billingAccounts, callCharges, rateCards } from "../../shared/pg/schema.ts";
import { priceCall, type MeteredCall, type PricedCall, type PricedLine } from "./pricing.ts";

/** A call's settled cost as the API shows it (`GET /v1/calls/{id}`'s `cost`) and D1 keeps it. */
export interface CallCost extends PricedCall {
  priced_at: string;
}

export type ChargeOutcome = { kind: "charged" | "already-charged"; cost: CallCost } | { kind: "no-billing-account" };

/**
 * Prices the call on its account's plan and currency, then records its call_charges row and its `call_charge`
 * posting (debit the customer's balance, credit revenue; source usage_event/<event id>) in ONE transaction, each
 * insert a no-op when already there: a redelivered event changes nothing and answers the cost first recorded
 * (even if the rate card changed since). A zero total records the row and no posting (postings are positive).
 */
export async function chargeCall(db: PgDatabase, call: { accountId: string; callId: string; usageEventId: string; agentId: string; metered: MeteredCall }): Promise<ChargeOutcome> {
  const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, call.accountId)).limit(1);
  if (!account) return { kind: "no-billing-account" };
  const recorded = await recordedCost(db, call.accountId, call.callId);
  if (recorded) return { kind: "already-charged", cost: recorded };
  const priced = priceCall(call.metered, await rateCard(db, account), account.currency);
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(callCharges)
      .values({ accountId: call.accountId, callId: call.callId, usageEventId: call.usageEventId, agentId: call.agentId, currency: priced.currency, totalMinor: priced.total_minor, lines: priced.lines, estimated: priced.estimated })
      .onConflictDoNothing()
      .returning();
    // Another delivery of the same event committed between the read above and this insert.
    if (!inserted[0]) return { kind: "already-charged" as const, cost: (await recordedCost(tx, call.accountId, call.callId))! };
    if (priced.total_minor > 0) {
      await postOnce(tx, { accountId: call.accountId, kind: "call_charge", debit: "customer_balance", credit: "revenue", amountMinor: priced.total_minor, currency: priced.currency, sourceType: "usage_event", sourceId: call.usageEventId });
    }
    return { kind: "charged" as const, cost: costOf(inserted[0]) };
  });
}

/** The rows of the account's plan in its currency. */
export const rateCard = (db: PgDatabase, account: typeof billingAccounts.$inferSelect) =>
  db
    .select({ component: rateCards.component, model: rateCards.model, microsPerUnit: rateCards.microsPerUnit })
    .from(rateCards)
    .where(and(eq(rateCards.planId, account.planId), eq(rateCards.currency, account.currency)));

async function recordedCost(db: Pick<PgDatabase, "select">, accountId: string, callId: string): Promise<CallCost | undefined> {
  const [row] = await db.select().from(callCharges).where(and(eq(callCharges.accountId, accountId), eq(callCharges.callId, callId))).limit(1);
  return row && costOf(row);
}

const costOf = (row: typeof callCharges.$inferSelect): CallCost => ({
  currency: row.currency,
  total_minor: row.totalMinor,
  estimated: row.estimated,
  lines: row.lines as PricedLine[],
  priced_at: row.pricedAt.toISOString(),
});
