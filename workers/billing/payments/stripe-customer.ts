import { and, eq, isNull } from "drizzle-orm";
import type Stripe from "stripe";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { billingAccounts } from "../../../shared/pg/schema.ts";

/**
 * The account's Stripe customer, created on first use. Two first uses at once both ask Stripe with the same
 * idempotency key (one customer comes back), and only the first id is stored.
 */
export async function ensureStripeCustomer(stripe: Stripe, db: PgDatabase, accountId: string, known: string | null): Promise<string> {
  if (known) return known;
  const customer = await stripe.customers.create({ metadata: { account_id: accountId } }, { idempotencyKey: `customer:${accountId}` });
  const [stored] = await db
    .update(billingAccounts)
    .set({ stripeCustomerId: customer.id })
    .where(and(eq(billingAccounts.accountId, accountId), isNull(billingAccounts.stripeCustomerId)))
    .returning({ id: billingAccounts.stripeCustomerId });
  if (stored) return stored.id!;
  const [row] = await db.select({ id: billingAccounts.stripeCustomerId }).from(billingAccounts).where(eq(billingAccounts.accountId, accountId));
  return row!.id!;
}
