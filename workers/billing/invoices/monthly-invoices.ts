import { asc, eq, inArray } from "drizzle-orm";
import { withPostgres, type PgDatabase, type PostgresConfig } from "../../../shared/pg/client.ts";
import { billingAccounts, invoiceLines, invoices, type InvoiceRow } from "../../../shared/pg/schema.ts";
import { stripeClient } from "../payments/stripe-client.ts";
import { monthAt, previousMonth, type BillingMonth } from "./billing-month.ts";
import { monthUsage } from "./month-usage.ts";
import { sendInvoice } from "./stripe-invoice.ts";

type BillingRow = typeof billingAccounts.$inferSelect;

/**
 * Creates the invoice of `month` for a postpaid account from its calls priced in that month, with one line per
 * agent and component; once per (account, month): a second run, or two at once, find the unique key taken and
 * create nothing. A month without charges (or whose charges were all free) gets no invoice. Null when none was made.
 */
export async function createMonthInvoice(db: PgDatabase, account: BillingRow, month: BillingMonth): Promise<InvoiceRow | null> {
  const usage = await monthUsage(db, account.accountId, account.currency, month);
  if (usage.totalMinor <= 0) return null;
  return db.transaction(async (tx) => {
    const [invoice] = await tx
      .insert(invoices)
      .values({ accountId: account.accountId, month: month.month, periodStart: month.start, periodEnd: month.end, currency: account.currency, subtotalMinor: usage.totalMinor })
      .onConflictDoNothing()
      .returning();
    if (!invoice) return null;
    await tx.insert(invoiceLines).values(usage.lines.map((line, i) => ({ invoiceId: invoice.id, lineNo: i + 1, ...line })));
    return invoice;
  });
}

/**
 * The scheduled job (hourly): every postpaid account whose billing month has ended in its own time zone gets that
 * month's invoice, and every invoice not yet finalized at Stripe is sent (again: each Stripe step is idempotent, so
 * an invoice a failed run left half-sent is finished by the next). `now` is the trigger's time.
 */
export async function issueMonthlyInvoices(env: Env & PostgresConfig, now: Date): Promise<{ created: number; sent: number; unsent: number }> {
  return withPostgres(env, async (db) => {
    const accounts = await db.select().from(billingAccounts).where(eq(billingAccounts.billingMode, "postpaid"));
    const due = accounts.map((account) => ({ account, month: previousMonth(monthAt(now, account.timeZone), account.timeZone) }));
    const months = [...new Set(due.map((d) => d.month.month))];
    const invoiced = new Set(
      months.length === 0 ? [] : (await db.select({ accountId: invoices.accountId, month: invoices.month }).from(invoices).where(inArray(invoices.month, months))).map((i) => `${i.accountId}|${i.month}`),
    );
    let created = 0;
    for (const { account, month } of due) {
      if (invoiced.has(`${account.accountId}|${month.month}`)) continue;
      if (await createMonthInvoice(db, account, month)) created += 1;
    }
    const stripe = stripeClient(env);
    const drafts = await db.select().from(invoices).where(eq(invoices.status, "draft")).orderBy(asc(invoices.id));
    let sent = 0;
    for (const draft of drafts) {
      try {
        await sendInvoice(stripe, db, draft);
        sent += 1;
      } catch (error) {
        // The next run sends it again; the others go on.
        console.error(JSON.stringify({ level: "error", message: "invoice not sent to Stripe", invoice_id: draft.id, account_id: draft.accountId, error: String(error) }));
      }
    }
    return { created, sent, unsent: drafts.length - sent };
  });
}
