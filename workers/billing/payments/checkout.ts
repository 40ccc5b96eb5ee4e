import type Stripe from "stripe";
import type { Currency } from "../../../shared/pg/schema.ts";
import { stripeCurrency } from "./stripe-client.ts";

/** What our Checkout sessions and off-session charges carry, so the webhook knows the account and the purpose. */
export type PaymentKind = "top_up" | "auto_recharge" | "payment_method";
export const paymentMetadata = (accountId: string, kind: PaymentKind) => ({ account_id: accountId, kind });

export interface CheckoutLinks {
  /** Where Stripe sends the customer after paying (`{CHECKOUT_SESSION_ID}` is filled in by Stripe) or giving up. */
  successUrl: string;
  cancelUrl: string;
}

/** A Checkout session in payment mode that buys `amountMinor` of credit; the webhook posts it when it is paid. */
export function topUpCheckout(stripe: Stripe, opts: { accountId: string; customer: string; amountMinor: number; currency: Currency } & CheckoutLinks): Promise<Stripe.Checkout.Session> {
  const metadata = paymentMetadata(opts.accountId, "top_up");
  return stripe.checkout.sessions.create({
    mode: "payment",
    customer: opts.customer,
    line_items: [{ quantity: 1, price_data: { currency: stripeCurrency(opts.currency), unit_amount: opts.amountMinor, product_data: { name: "Voice agent credit" } } }],
    // The payment intent carries the metadata too: its own events (a decline on the page) name the account.
    payment_intent_data: { metadata },
    metadata,
    success_url: opts.successUrl,
    cancel_url: opts.cancelUrl,
  });
}

/** A Checkout session in setup mode: the customer saves a card, which the webhook makes the account's default. */
export function paymentMethodCheckout(stripe: Stripe, opts: { accountId: string; customer: string; currency: Currency } & CheckoutLinks): Promise<Stripe.Checkout.Session> {
  const metadata = paymentMetadata(opts.accountId, "payment_method");
  return stripe.checkout.sessions.create({
    mode: "setup",
    customer: opts.customer,
    currency: stripeCurrency(opts.currency),
    setup_intent_data: { metadata },
    metadata,
    success_url: opts.successUrl,
    cancel_url: opts.cancelUrl,
  });
}
