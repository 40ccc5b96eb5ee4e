import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSimulator, type StripeSimulator } from "./index.ts";
import { sdkFor, startWebhookReceiver, type WebhookReceiver } from "./test-support.ts";

let sim: StripeSimulator;
let stripe: Stripe;
let hooks: WebhookReceiver;
let secret: string;
beforeAll(async () => {
  hooks = await startWebhookReceiver();
  sim = await startStripeSimulator({ speed: 10_000, rateLimitPerSecond: 1000 });
  const res = await fetch(`${sim.url}/__control/webhook-endpoints`, { method: "POST", body: JSON.stringify({ url: hooks.url, enabled_events: ["invoice.paid", "invoice.payment_failed"] }) });
  expect(res.status).toBe(201);
  ({ secret } = (await res.json()) as { secret: string });
  stripe = sdkFor(sim);
});
afterAll(async () => {
  await sim.close();
  await hooks.close();
});

/** The signed deliveries about `invoiceId`, verified as the SDK verifies them. */
const eventsAbout = (invoiceId: string) =>
  hooks.received.map((h) => stripe.webhooks.constructEvent(h.payload, h.signature, secret)).filter((e) => (e.data.object as { id: string }).id === invoiceId);

describe("invoice payment events and the hosted invoice page", () => {
  it("signs and delivers invoice.payment_failed for a declined charge, then invoice.paid once the customer pays on the hosted page", async () => {
    const customer = await stripe.customers.create({ address: { country: "GB" }, payment_method: "pm_card_chargeCustomerFail", invoice_settings: { default_payment_method: "pm_card_chargeCustomerFail" } });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1200, currency: "gbp", description: "Agent AGT-1: Inbound telephony, 40 min" });
    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: "include", automatic_tax: { enabled: true } });
    expect((await fetch(`${sim.url}/invoice/${draft.id}`)).status).toBe(404); // drafts have no hosted page
    const open = await stripe.invoices.finalizeInvoice(draft.id!);
    const declined = await stripe.invoices.pay(open.id!, { off_session: true }).then(() => undefined, (e: unknown) => e);
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);

    await hooks.waitFor(() => eventsAbout(open.id!).some((e) => e.type === "invoice.payment_failed"));
    const failed = eventsAbout(open.id!).find((e) => e.type === "invoice.payment_failed")!;
    expect(failed.data.object).toMatchObject({ status: "open", attempt_count: 1, amount_due: 1440, amount_paid: 0 });

    const page = await fetch(open.hosted_invoice_url!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Agent AGT-1: Inbound telephony, 40 min");
    expect(html).toContain("Pay 14.40 GBP");
    const again = await fetch(`${open.hosted_invoice_url}/pay`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "payment_method=pm_card_chargeDeclined" });
    expect(again.status).toBe(402);
    expect(await again.text()).toContain("Your card was declined.");
    const paid = await fetch(`${open.hosted_invoice_url}/pay`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "payment_method=pm_card_visa" });
    expect(paid.status).toBe(200);
    expect(await paid.text()).toContain("This invoice is paid.");

    await hooks.waitFor(() => eventsAbout(open.id!).some((e) => e.type === "invoice.paid"));
    expect(eventsAbout(open.id!).find((e) => e.type === "invoice.paid")!.data.object).toMatchObject({ status: "paid", amount_paid: 1440, attempt_count: 3 });
    await hooks.waitFor(() => eventsAbout(open.id!).length === 3);
    expect(eventsAbout(open.id!).map((e) => e.type).sort()).toEqual(["invoice.paid", "invoice.payment_failed", "invoice.payment_failed"]);
    expect(await stripe.invoices.retrieve(open.id!)).toMatchObject({ status: "paid", amount_remaining: 0 });
  });
});
