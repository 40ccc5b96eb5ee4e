import type { CheckoutSession } from "./objects.ts";
import { TEST_CARDS } from "./test-cards.ts";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function amount(session: CheckoutSession): string {
  if (session.amount_total === null || session.currency === null) return "";
  return `${(session.amount_total / 100).toFixed(2)} ${session.currency.toUpperCase()}`;
}

/** The hosted Checkout page: a card picker (Stripe's test cards) and one button that posts back to complete the session. */
export function checkoutPageHtml(session: CheckoutSession, error?: string): string {
  const action = session.mode === "payment" ? `Pay ${amount(session)}` : "Save card";
  const options = Object.entries(TEST_CARDS)
    .map(([id, card]) => `<option value="${id}">${escape(card.brand)} •••• ${card.last4} (${id})</option>`)
    .join("");
  const body =
    session.status === "open"
      ? `<form method="post" action="/checkout/${escape(session.id)}/complete">
  <label>Card <select name="payment_method">${options}</select></label>
  <button type="submit" id="submit">${escape(action)}</button>
</form>${session.cancel_url ? `<p><a href="${escape(session.cancel_url)}">Cancel</a></p>` : ""}`
      : `<p>This Checkout Session is ${escape(session.status)}.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout (Stripe simulator)</title></head>
<body><h1>${escape(action)}</h1>${error ? `<p role="alert">${escape(error)}</p>` : ""}
${body}
</body></html>`;
}

/** Stripe fills `{CHECKOUT_SESSION_ID}` in success_url with the session's id. */
export function successRedirect(session: CheckoutSession): string {
  return session.success_url.replaceAll("{CHECKOUT_SESSION_ID}", session.id);
}
