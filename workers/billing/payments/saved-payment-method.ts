import { and, eq } from "drizzle-orm";
import type Stripe from "stripe";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { billingAccounts } from "../../../shared/pg/schema.ts";

const idOf = (ref: string | { id: string } | null | undefined) => (typeof ref === "string" ? ref : (ref?.id ?? null));

/**
 * A completed setup-mode Checkout session: the card it saved becomes the customer's default at Stripe (invoices
 * charge it) and the account's card for off-session auto-recharge. Setting the same card again changes nothing, so a
 * redelivered event is harmless. False when the session names no card or no account of ours with that customer.
 */
export async function savePaymentMethod(stripe: Stripe, db: PgDatabase, accountId: string, session: Stripe.Checkout.Session): Promise<boolean> {
  const setupIntentId = idOf(session.setup_intent);
  const customer = idOf(session.customer);
  if (!setupIntentId || !customer) return false;
  const setupIntent = await stripe.setupIntents.retrieve(setupIntentId);
  const paymentMethod = idOf(setupIntent.payment_method);
  if (!paymentMethod || setupIntent.status !== "succeeded") return false;
  const [account] = await db
    .select({ id: billingAccounts.accountId })
    .from(billingAccounts)
    .where(and(eq(billingAccounts.accountId, accountId), eq(billingAccounts.stripeCustomerId, customer)))
    .limit(1);
  if (!account) return false;
  await stripe.customers.update(customer, { invoice_settings: { default_payment_method: paymentMethod } });
  await db.update(billingAccounts).set({ stripePaymentMethodId: paymentMethod }).where(eq(billingAccounts.accountId, accountId));
  return true;
}
