import { invalidRequest } from "./stripe-error.ts";

/** Stripe's minimum charge amounts in the currency's smallest unit (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). */
const MINIMUM_CHARGE: Record<string, { amount: number; display: string }> = {
  usd: { amount: 50, display: "$0.50 usd" },
  eur: { amount: 50, display: "€0.50 eur" },
  gbp: { amount: 30, display: "£0.30 gbp" },
  cad: { amount: 50, display: "$0.50 cad" },
  aud: { amount: 50, display: "$0.50 aud" },
  chf: { amount: 50, display: "CHF 0.50 chf" },
  jpy: { amount: 50, display: "¥50 jpy" },
};

export function currencyOf(raw: string, param = "currency"): string {
  const currency = raw.toLowerCase();
  if (!(currency in MINIMUM_CHARGE)) throw invalidRequest(`Invalid currency: ${raw}. Stripe currently supports these currencies: ${Object.keys(MINIMUM_CHARGE).join(", ")}`, { code: "parameter_invalid_string", param });
  return currency;
}

/** A charge amount: a positive integer, at least the currency's minimum. */
export function chargeAmount(amount: number, currency: string, param = "amount"): number {
  if (!Number.isInteger(amount) || amount < 1) throw invalidRequest("This value must be greater than or equal to 1.", { code: "parameter_invalid_integer", param });
  const minimum = MINIMUM_CHARGE[currency]!;
  if (amount < minimum.amount) throw invalidRequest(`Amount must be at least ${minimum.display}`, { code: "amount_too_small", param });
  return amount;
}
