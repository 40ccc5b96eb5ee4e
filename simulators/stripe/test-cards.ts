/**
 * Stripe's test PaymentMethods (https://docs.stripe.com/testing#cards). Passing one of these ids mints a fresh
 * `pm_…` with the card's details, as Stripe does. `declines` says when the card is refused: at attach (and so at
 * every charge), or only when charged (`pm_card_chargeCustomerFail`, a card that saves but then fails off-session).
 */
export interface TestCard {
  brand: string;
  last4: string;
  country: string;
  funding: "credit" | "debit";
  declines?: { when: "attach" | "charge"; declineCode: string; message: string };
}

const DECLINED = { declineCode: "generic_decline", message: "Your card was declined." };

export const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: "visa", last4: "4242", country: "US", funding: "credit" },
  pm_card_visa_debit: { brand: "visa", last4: "5556", country: "US", funding: "debit" },
  pm_card_mastercard: { brand: "mastercard", last4: "4444", country: "US", funding: "credit" },
  pm_card_gb: { brand: "visa", last4: "0005", country: "GB", funding: "credit" },
  pm_card_chargeDeclined: { brand: "visa", last4: "0002", country: "US", funding: "credit", declines: { when: "attach", ...DECLINED } },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: "visa",
    last4: "9995",
    country: "US",
    funding: "credit",
    declines: { when: "attach", declineCode: "insufficient_funds", message: "Your card has insufficient funds." },
  },
  pm_card_chargeCustomerFail: { brand: "visa", last4: "0341", country: "US", funding: "credit", declines: { when: "charge", ...DECLINED } },
};
