import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { sdkSimulatorForFile } from "./test-support.ts";

const { sim, stripe } = await sdkSimulatorForFile();

/** A customer in `country` whose invoice default is a saved card made from the test card `card`. */
async function customerWithCard(country: string, card: string): Promise<Stripe.Customer> {
  return stripe.customers.create({ email: `${country}@example.com`, address: { country, postal_code: "00000" }, payment_method: card, invoice_settings: { default_payment_method: card } });
}

async function typesSince(eventId: string | undefined): Promise<string[]> {
  const events = await stripe.events.list({ limit: 100, ...(eventId ? { ending_before: eventId } : {}) });
  return events.data.map((e) => e.type).reverse();
}

describe("PaymentIntents off-session through the stripe SDK", () => {
  it("the SDK's fetch HTTP client (the one Workers use) reaches the simulator through host, port and protocol", async () => {
    const workerStyle = new Stripe("sk_test_simulator", { host: "127.0.0.1", port: sim.port, protocol: "http", httpClient: Stripe.createFetchHttpClient(), maxNetworkRetries: 0 });
    const customer = await workerStyle.customers.create({ email: "fetch@example.com" });
    const pi = await workerStyle.paymentIntents.create({ amount: 500, currency: "usd", customer: customer.id, payment_method: "pm_card_visa", off_session: true, confirm: true });
    expect(pi.status).toBe("succeeded");
  });

  it("pm_card_visa succeeds at once", async () => {
    const customer = await stripe.customers.create({ email: "pi@example.com" });
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: "usd", customer: customer.id, payment_method: "pm_card_visa", off_session: true, confirm: true, metadata: { recharge: "r1" } });
    expect(pi.id).toMatch(/^pi_/);
    expect(pi).toMatchObject({ object: "payment_intent", status: "succeeded", amount_received: 2000, livemode: false, metadata: { recharge: "r1" } });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe("succeeded");
  });

  it("pm_card_chargeDeclined throws StripeCardError card_declined carrying the PaymentIntent, and emits payment_intent.payment_failed", async () => {
    const customer = await stripe.customers.create({ email: "decline@example.com" });
    const error = await stripe.paymentIntents
      .create({ amount: 2000, currency: "usd", customer: customer.id, payment_method: "pm_card_chargeDeclined", off_session: true, confirm: true })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    const cardError = error as Stripe.errors.StripeCardError;
    expect(cardError).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline" });
    const pi = cardError.payment_intent!;
    expect(pi).toMatchObject({ status: "requires_payment_method", last_payment_error: { code: "card_declined" } });
    const failed = await stripe.events.list({ type: "payment_intent.payment_failed", limit: 1 });
    expect((failed.data[0]!.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
  });
});

describe("invoice items and invoices through the stripe SDK", () => {
  it("items become a GB invoice with 20% tax that finalizes and is paid by the default card", async () => {
    const customer = await customerWithCard("GB", "pm_card_visa");
    const before = (await stripe.events.list({ limit: 1 })).data[0]?.id;
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1200, currency: "gbp", description: "Calls: 40 min", metadata: { component: "minutes" } });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 300, currency: "gbp", description: "Agent: front desk" });
    const draft = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: "include", automatic_tax: { enabled: true }, metadata: { month: "2026-11" } });
    expect(draft).toMatchObject({ status: "draft", subtotal: 1500, total: 1800, currency: "gbp", automatic_tax: { enabled: true, status: "complete" } });
    expect(draft.lines.data.map((l) => l.amount)).toEqual([1200, 300]);
    expect(draft.total_taxes?.[0]).toMatchObject({ amount: 300, taxable_amount: 1500 });

    const open = await stripe.invoices.finalizeInvoice(draft.id!);
    expect(open.status).toBe("open");
    expect(open.number).toMatch(/^[A-Z0-9]{8}-0\d{3}$/);
    const paid = await stripe.invoices.pay(draft.id!);
    expect(paid).toMatchObject({ status: "paid", amount_paid: 1800, amount_remaining: 0 });
    expect(await typesSince(before)).toEqual(expect.arrayContaining(["invoice.created", "invoice.finalized", "invoice.paid"]));
    const listed = await stripe.invoices.list({ customer: customer.id });
    expect(listed).toMatchObject({ object: "list", has_more: false, url: "/v1/invoices" });
    expect(listed.data.map((i) => i.id)).toEqual([draft.id]);
  });

  it.each([
    ["US", 0],
    ["DE", 190],
    ["FR", 200],
  ])("tax for a customer in %s on 1000 is %d", async (country, tax) => {
    const customer = await customerWithCard(country, "pm_card_visa");
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1000, currency: "eur", description: "Calls" });
    const invoice = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: "include", automatic_tax: { enabled: true } });
    expect(invoice.total).toBe(1000 + tax);
  });

  it("a card that fails off-session leaves the invoice open, throws card_declined and emits invoice.payment_failed", async () => {
    const customer = await customerWithCard("US", "pm_card_chargeCustomerFail");
    await stripe.invoiceItems.create({ customer: customer.id, amount: 5000, currency: "usd", description: "Calls" });
    const invoice = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: "include" });
    await stripe.invoices.finalizeInvoice(invoice.id!);
    const error = await stripe.invoices.pay(invoice.id!).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(await stripe.invoices.retrieve(invoice.id!)).toMatchObject({ status: "open", attempt_count: 1, amount_paid: 0 });
    const failed = await stripe.events.list({ type: "invoice.payment_failed", limit: 1 });
    expect((failed.data[0]!.data.object as Stripe.Invoice).id).toBe(invoice.id);
  });

  it("automatic tax without a customer address is refused", async () => {
    const customer = await stripe.customers.create({ email: "nowhere@example.com" });
    await expect(stripe.invoices.create({ customer: customer.id, automatic_tax: { enabled: true } })).rejects.toMatchObject({ code: "customer_tax_location_invalid", statusCode: 400 });
  });
});
