import { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import Stripe from "stripe";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { billingAccounts } from "../../../shared/pg/schema.ts";
import type { AppEnv } from "../../api/app-env.ts";
import { ApiError, notFound } from "../../api/problem.ts";
import { jsonBody, jsonResponse, problem, resourceApp, securedRoute } from "../../api/route.ts";
import { publicBaseUrl } from "../../twilio/public-url.ts";
import { UNAVAILABLE, withBillingDb } from "../billing-db.ts";
import { AutoRecharge, Currency, paymentAmount } from "../billing-schemas.ts";
import { billingSettingsView, updateBillingSettings } from "../billing-settings.ts";
import { paymentMethodCheckout, topUpCheckout, type CheckoutLinks } from "../payments/checkout.ts";
import { stripeClient } from "../payments/stripe-client.ts";
import { ensureStripeCustomer } from "../payments/stripe-customer.ts";

const TopUp = z
  .object({
    amount_minor: paymentAmount(),
    currency: Currency.optional().openapi({ description: "The account's currency (the default); any other is refused." }),
  })
  .strict()
  .openapi("TopUp");

const CheckoutLink = z
  .object({
    checkout_url: z.string().url().openapi({ description: "Stripe's hosted page: send the customer there." }),
    session_id: z.string().openapi({ example: "cs_test_a1b2c3" }),
  })
  .openapi("CheckoutLink");

const STRIPE_ERRORS = { 502: problem("`provider-error`: Stripe refused or could not be reached; retry later.") };
const NO_BILLING = { 404: problem("`not-found`: the account has no billing side yet.") };

export const paymentsApi = resourceApp();

type BillingRow = typeof billingAccounts.$inferSelect;

/** The caller's billing row, for update. */
async function billingOf(db: PgDatabase, accountId: string): Promise<BillingRow> {
  const [row] = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, accountId)).limit(1);
  if (!row) throw notFound("billing account");
  return row;
}

/** Where Stripe's page sends the customer back: the console's billing page, a person's page (not the JSON API). */
function links(c: Context<AppEnv>): CheckoutLinks {
  const billing = `${publicBaseUrl(c.env, c.req.raw)}/console/billing`;
  return { successUrl: `${billing}?checkout={CHECKOUT_SESSION_ID}`, cancelUrl: `${billing}?checkout=cancelled` };
}

/** Stripe's refusals and outages are the provider's, not the caller's: a 502 naming Stripe's own message. */
export async function atStripe<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) throw new ApiError("provider-error", `Stripe: ${error.message}`);
    throw error;
  }
}

paymentsApi.openapi(
  securedRoute("billing:write", {
    method: "post",
    path: "/billing/top-ups",
    tags: ["Billing"],
    summary: "Buy prepaid credit through Stripe Checkout",
    description:
      "Returns the URL of Stripe's hosted payment page. Once the customer has paid, Stripe's webhook credits the amount to the balance (a `top_up` posting sourced `payment_event/<payment intent>`).",
    request: jsonBody(TopUp),
    responses: {
      201: jsonResponse(CheckoutLink, "The Checkout session to send the customer to."),
      ...NO_BILLING,
      409: problem("`conflict`: the account is postpaid (it is invoiced; top-ups are for prepaid accounts)."),
      ...STRIPE_ERRORS,
      ...UNAVAILABLE,
    },
  }),
  async (c) => {
    const { amount_minor, currency } = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const session = await withBillingDb(c.env, async (db) => {
      const billing = await billingOf(db, accountId);
      if (currency && currency !== billing.currency) {
        throw new ApiError("validation-error", `the account is billed in ${billing.currency}`, { errors: [{ path: "currency", message: `must be the account's currency, ${billing.currency}`, code: "currency_mismatch" }] });
      }
      if (billing.billingMode !== "prepaid") throw new ApiError("conflict", "the account is postpaid: it is invoiced monthly, and top-ups are for prepaid accounts");
      const stripe = stripeClient(c.env);
      return atStripe(async () => {
        const customer = await ensureStripeCustomer(stripe, db, accountId, billing.stripeCustomerId);
        return topUpCheckout(stripe, { accountId, customer, amountMinor: amount_minor, currency: billing.currency, ...links(c) });
      });
    });
    await c.var.audit.commit([], { resource: `checkout:${session.id}`, detail: { amount_minor, currency: session.currency?.toUpperCase() } });
    return c.json({ checkout_url: session.url!, session_id: session.id }, 201);
  },
);

paymentsApi.openapi(
  securedRoute("billing:write", {
    method: "post",
    path: "/billing/payment-method",
    tags: ["Billing"],
    summary: "Save a card for auto-recharge through Stripe Checkout (setup mode)",
    description: "Returns the URL of Stripe's hosted page. Once the customer has saved a card, Stripe's webhook makes it the account's card for auto-recharge and invoices.",
    responses: { 201: jsonResponse(CheckoutLink, "The Checkout session to send the customer to."), ...NO_BILLING, ...STRIPE_ERRORS, ...UNAVAILABLE },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    const session = await withBillingDb(c.env, async (db) => {
      const billing = await billingOf(db, accountId);
      const stripe = stripeClient(c.env);
      return atStripe(async () => {
        const customer = await ensureStripeCustomer(stripe, db, accountId, billing.stripeCustomerId);
        return paymentMethodCheckout(stripe, { accountId, customer, currency: billing.currency, ...links(c) });
      });
    });
    await c.var.audit.commit([], { resource: `checkout:${session.id}` });
    return c.json({ checkout_url: session.url!, session_id: session.id }, 201);
  },
);

paymentsApi.openapi(
  securedRoute("billing:write", {
    method: "put",
    path: "/billing/auto-recharge",
    tags: ["Billing"],
    summary: "Turn auto-recharge on or off: below the threshold, the saved card buys `amount_minor` of credit, once per crossing",
    request: jsonBody(AutoRecharge),
    responses: {
      200: jsonResponse(AutoRecharge, "The account's auto-recharge."),
      ...NO_BILLING,
      409: problem("`conflict`: no card is saved yet (POST /v1/billing/payment-method), or the account is postpaid."),
      ...UNAVAILABLE,
    },
  }),
  async (c) => {
    const autoRecharge = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const updated = await withBillingDb(c.env, async (db) => {
      const billing = await billingOf(db, accountId);
      if (autoRecharge.enabled && billing.billingMode !== "prepaid") throw new ApiError("conflict", "auto-recharge is for prepaid accounts");
      if (autoRecharge.enabled && !billing.stripePaymentMethodId) throw new ApiError("conflict", "save a card first: POST /v1/billing/payment-method");
      return updateBillingSettings(db, accountId, { auto_recharge: autoRecharge });
    });
    await c.var.audit.commit([], { resource: accountId, detail: { auto_recharge: autoRecharge } });
    return c.json(billingSettingsView(updated).auto_recharge, 200);
  },
);
