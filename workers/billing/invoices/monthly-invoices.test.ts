import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withPostgres } from "../../../shared/pg/client.ts";
import { billingAccounts, callCharges } from "../../../shared/pg/schema.ts";
import { api, createTenant, type Tenant } from "../../../test/workers/api-client.ts";
import { billingAccount, finishedCall, usageMessage } from "../../../test/workers/billing-fixtures.ts";
import { checkoutCompleted, deliver, eventAbout, stripe } from "../payments/testing/stripe-fixtures.ts";
import { settleCall } from "../settlement.ts";
import { UsageMessage } from "../usage-message.ts";
import { createEndpoint, inbox, receiverUrl, received, verified } from "../../webhooks/testing/webhook-fixtures.ts";
import { billingMonth, monthAt } from "./billing-month.ts";
import { createMonthInvoice } from "./monthly-invoices.ts";
import { invoiceMetadata } from "./stripe-invoice.ts";
import { billingPlace, chargeAt, runInvoicing, stripeInvoiceId } from "./testing/invoice-fixtures.ts";

const AGENT_A = "AGT-AAAAAAAAAA";
const AGENT_B = "AGT-BBBBBBBBBB";

const billing = async (key: string) => (await api(key).get("/v1/billing")).json;
const ledger = async (key: string) => (await api(key).get("/v1/billing/ledger")).json.data as { kind: string; amount_minor: number; source_type: string; source_id: string }[];
const invoicesOf = async (key: string) => (await api(key).get("/v1/billing/invoices")).json.data as any[];

/** A postpaid tenant (TEST_RATES, USD) in `country` whose Stripe customer saved `card` through Checkout. */
async function postpaidTenant(card: string, country: string): Promise<Tenant> {
  const t = await createTenant();
  await billingAccount(t.accountId, "postpaid");
  await billingPlace(t, { country });
  await checkoutCompleted(t.key, "/v1/billing/payment-method", undefined, card);
  return t;
}

/** Settles a finished call of `agentId` through the usage consumer's path; answers the instant it was priced. */
async function settledCall(accountId: string, agentId: string, seconds: number): Promise<Date> {
  const callId = await finishedCall(accountId, { agentId });
  const message = UsageMessage.parse({ ...usageMessage(accountId, callId, seconds, { stt_seconds: seconds }), agent_id: agentId });
  const settled = await withPostgres(env, (db) => settleCall(env, db, message));
  expect(settled.kind).toBe("charged");
  const [charge] = await withPostgres(env, (db) => db.select().from(callCharges).where(eq(callCharges.callId, callId)));
  expect(charge!.agentId).toBe(agentId);
  return charge!.pricedAt;
}

/** A month of calls by two agents, then the hourly run just after that month ended (UTC accounts). */
async function invoicedMonth(t: Tenant) {
  const pricedAt = await settledCall(t.accountId, AGENT_A, 125);
  await settledCall(t.accountId, AGENT_A, 30);
  await settledCall(t.accountId, AGENT_B, 61);
  const month = monthAt(pricedAt, "UTC");
  const runAt = new Date(month.end.getTime() + 17 * 60_000).toISOString();
  const run = await runInvoicing(t.accountId, runAt);
  expect(run).toMatchObject({ sent: 1, unsent: 0 });
  return { month, runAt, invoice: run.created! };
}

describe("postpaid monthly invoices through Stripe", () => {
  it("turns a month of calls into a Stripe invoice with lines by agent and component and GB tax; its invoice.paid webhook marks it paid once", { timeout: 60_000 }, async () => {
    const t = await postpaidTenant("pm_card_visa", "GB");
    expect((await billing(t.key)).balance_minor).toBe(0);
    const { month, runAt, invoice } = await invoicedMonth(t);
    const charged = -(await billing(t.key)).balance_minor;
    expect(charged).toBeGreaterThan(0);
    expect(invoice).toMatchObject({ month: month.month, subtotalMinor: charged, currency: "USD" });

    const [listed] = await invoicesOf(t.key);
    expect(listed).toMatchObject({ id: invoice.id, month: month.month, status: "open", subtotal_minor: charged, tax_minor: Math.round(charged * 0.2), total_minor: charged + Math.round(charged * 0.2), number: expect.any(String) });
    // One line per agent and component, each agent's calls summed: agent A's 125 s and 30 s are 3 + 1 minutes.
    expect(listed.lines.map((l: any) => `${l.agent_id} ${l.component} ${l.quantity}`)).toEqual([
      `${AGENT_A} platform_minute 4`,
      `${AGENT_A} stt_second 155`,
      `${AGENT_A} telephony_inbound_minute 4`,
      `${AGENT_B} platform_minute 2`,
      `${AGENT_B} stt_second 61`,
      `${AGENT_B} telephony_inbound_minute 2`,
    ]);
    expect(listed.lines.reduce((sum: number, l: any) => sum + l.amount_minor, 0)).toBe(charged);

    // At Stripe: the items became the invoice's lines, tax came from the customer's country, and the card paid it.
    const atStripe = await stripe().invoices.retrieve(await stripeInvoiceId(invoice.id));
    expect(atStripe.metadata).toEqual({ account_id: t.accountId, invoice_id: String(invoice.id), month: month.month });
    expect(atStripe).toMatchObject({ status: "paid", subtotal: charged, total: charged + Math.round(charged * 0.2), automatic_tax: { enabled: true }, customer_address: { country: "GB" } });
    expect(atStripe.lines.data.map((l) => l.description)).toContain(`Agent ${AGENT_B}: Inbound telephony, 2 min`);

    const paid = await deliver(await eventAbout("invoice.paid", atStripe.id!));
    expect(paid.json).toMatchObject({ handled: true, detail: "invoice paid" });
    expect((await invoicesOf(t.key))[0]).toMatchObject({ status: "paid", paid_at: expect.any(String) });
    // The payment credits the month's usage back (not the tax, which is owed to the tax authority): the balance is 0.
    expect((await ledger(t.key))[0]).toMatchObject({ kind: "invoice_payment", amount_minor: charged, source_type: "payment_event", source_id: atStripe.id });
    expect((await billing(t.key)).balance_minor).toBe(0);

    // A redelivered event, and a second run of the job at the same instant or later, change nothing.
    expect((await deliver(await eventAbout("invoice.paid", atStripe.id!))).json).toMatchObject({ handled: true, detail: "invoice already paid" });
    expect(await runInvoicing(t.accountId, runAt)).toEqual({ created: null, sent: 0, unsent: 0 });
    expect(await runInvoicing(t.accountId, new Date(Date.parse(runAt) + 3_600_000).toISOString())).toEqual({ created: null, sent: 0, unsent: 0 });
    expect((await ledger(t.key)).filter((p) => p.kind === "invoice_payment")).toHaveLength(1);
    expect(await invoicesOf(t.key)).toHaveLength(1);
    expect((await billing(t.key)).balance_minor).toBe(0);
  });

  it("records a failed invoice payment once, emits billing.payment_failed and makes the account past due; paying it later makes it active", { timeout: 60_000 }, async () => {
    // The card saves, then declines every charge (a failing off-session renewal).
    const t = await postpaidTenant("pm_card_chargeCustomerFail", "US");
    const { tag, url } = receiverUrl();
    const endpoint = await createEndpoint(t.key, url, ["billing.payment_failed"]);
    const { invoice } = await invoicedMonth(t);
    const [listed] = await invoicesOf(t.key);
    expect(listed).toMatchObject({ status: "open", tax_minor: 0 });
    const stripeId = await stripeInvoiceId(invoice.id);
    expect(await stripe().invoices.retrieve(stripeId)).toMatchObject({ status: "open", attempt_count: 1, amount_paid: 0 });

    const failed = await eventAbout("invoice.payment_failed", stripeId);
    expect((await deliver(failed)).json).toMatchObject({ handled: true, detail: "invoice payment failure recorded" });
    expect((await deliver(failed)).json).toMatchObject({ handled: true, detail: "invoice payment failure already recorded" });
    expect((await billing(t.key)).billing_status).toBe("past_due");
    const delivery = await received(tag, (e) => e.type === "billing.payment_failed");
    expect(verified(delivery, endpoint.secret)).toMatchObject({ account_id: t.accountId, data: { amount_minor: listed.total_minor, currency: "USD", reason: "invoice_payment_failed" } });
    expect((await ledger(t.key)).some((p) => p.kind === "invoice_payment")).toBe(false);
    expect((await invoicesOf(t.key))[0].status).toBe("open");

    // The customer pays the open invoice with another card: Stripe's invoice.paid ends dunning.
    await stripe().invoices.pay(stripeId, { payment_method: "pm_card_visa" });
    expect((await deliver(await eventAbout("invoice.paid", stripeId))).json).toMatchObject({ handled: true, detail: "invoice paid" });
    expect(await billing(t.key)).toMatchObject({ billing_status: "active", balance_minor: 0 });
    // A ping sent afterwards, and received, shows the window for a second payment_failed has passed.
    expect((await api(t.key).post(`/v1/webhooks/endpoints/${endpoint.id}/ping`)).status).toBe(202);
    await received(tag, (e) => e.type === "ping");
    expect((await inbox(tag)).deliveries.filter((d) => JSON.parse(d.body).type === "billing.payment_failed")).toHaveLength(1);
  });

  it("closes a New York month at local midnight across the DST change, at fixed instants, once", { timeout: 60_000 }, async () => {
    const t = await createTenant();
    await billingAccount(t.accountId, "postpaid");
    await billingPlace(t, { time_zone: "America/New_York" });
    // October ends on EDT (04:00 UTC on 1 November, the day DST ends); November ends on EST (05:00 UTC on 1 December).
    await chargeAt(t.accountId, "2026-11-01T03:59:59.000Z", { minuteMinor: 300 });
    await chargeAt(t.accountId, "2026-11-01T04:00:00.000Z", { minuteMinor: 100 });
    await chargeAt(t.accountId, "2026-12-01T04:59:59.000Z", { minuteMinor: 50, agentId: AGENT_B });
    await chargeAt(t.accountId, "2026-12-01T05:00:00.000Z", { minuteMinor: 9_999 });

    expect((await runInvoicing(t.accountId, "2026-11-01T03:17:00.000Z")).created).toBeNull(); // 23:17 on 31 October: September is due, and had no calls
    const october = (await runInvoicing(t.accountId, "2026-11-01T04:17:00.000Z")).created;
    expect(october).toMatchObject({ month: "2026-10", subtotalMinor: 300, periodEnd: new Date("2026-11-01T04:00:00.000Z") });
    expect((await runInvoicing(t.accountId, "2026-12-01T04:17:00.000Z")).created).toBeNull(); // 23:17 on 30 November
    const november = (await runInvoicing(t.accountId, "2026-12-01T05:17:00.000Z")).created;
    expect(november).toMatchObject({ month: "2026-11", subtotalMinor: 150, periodStart: new Date("2026-11-01T04:00:00.000Z"), periodEnd: new Date("2026-12-01T05:00:00.000Z") });
    expect((await runInvoicing(t.accountId, "2026-12-01T06:17:00.000Z")).created).toBeNull();

    // Without a saved card the invoices stay open at Stripe (payable through their link); without a country, no tax.
    const listed = await invoicesOf(t.key);
    expect(listed.map((i) => [i.month, i.status, i.subtotal_minor, i.tax_minor])).toEqual([
      ["2026-11", "open", 150, 0],
      ["2026-10", "open", 300, 0],
    ]);
    expect(listed[0].hosted_invoice_url).toMatch(/\/invoice\/in_/);
  });

  it("credits an invoice Stripe charged on its own before the job stored its id (auto-advance after a failed run)", { timeout: 60_000 }, async () => {
    const t = await postpaidTenant("pm_card_visa", "DE");
    await chargeAt(t.accountId, "2026-10-15T12:00:00.000Z", { minuteMinor: 1_000 });
    const invoice = await withPostgres(env, async (db) => {
      const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, t.accountId));
      return createMonthInvoice(db, account!, billingMonth("2026-10", "UTC"));
    });
    // What a run that created the Stripe invoice and then failed leaves: Stripe has it, our row has no Stripe id.
    const customer = (await withPostgres(env, (db) => db.select().from(billingAccounts).where(eq(billingAccounts.accountId, t.accountId))))[0]!.stripeCustomerId!;
    await stripe().customers.update(customer, { address: { country: "DE" } });
    await stripe().invoiceItems.create({ customer, amount: 1_000, currency: "usd", description: "Calls" });
    const draft = await stripe().invoices.create({ customer, pending_invoice_items_behavior: "include", automatic_tax: { enabled: true }, metadata: invoiceMetadata(invoice!) });
    await stripe().invoices.finalizeInvoice(draft.id!);
    await stripe().invoices.pay(draft.id!);

    expect((await deliver(await eventAbout("invoice.paid", draft.id!))).json).toMatchObject({ handled: true, detail: "invoice paid" });
    expect((await invoicesOf(t.key))[0]).toMatchObject({ month: "2026-10", status: "paid", subtotal_minor: 1_000, tax_minor: 190, total_minor: 1_190, number: expect.any(String) });
    expect(await stripeInvoiceId(invoice!.id)).toBe(draft.id);
    expect(await billing(t.key)).toMatchObject({ balance_minor: 1_000 }); // no call_charge postings here: only the payment
    // Paid, so no longer a draft: the next run sends nothing.
    expect(await runInvoicing(t.accountId, "2026-11-01T00:17:00.000Z")).toEqual({ created: null, sent: 0, unsent: 0 });
  });
});
