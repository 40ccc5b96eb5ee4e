import { and, asc, eq } from "drizzle-orm";
import type Stripe from "stripe";
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

/** The billing month whose invoice is due at `now`: the last one that has ended in `timeZone`. */
export const dueMonth = (now: Date, timeZone: string) => previousMonth(monthAt(now, timeZone), timeZone);

export interface AccountInvoicing {
  created: InvoiceRow | null;
  sent: number;
  unsent: number;
}

/**
 * One postpaid account's part of the job at `now`: the invoice of its last ended month, created unless it exists
 * (so a repeated run creates nothing), then every invoice of its not yet finalized at Stripe sent (again: each
 * Stripe step is idempotent, so an invoice a failed run left half-sent is finished by the next run).
 */
export async function invoiceAccount(stripe: Stripe, db: PgDatabase, account: BillingRow, now: Date): Promise<AccountInvoicing> {
  const month = dueMonth(now, account.timeZone);
  const [existing] = await db.select({ id: invoices.id }).from(invoices).where(and(eq(invoices.accountId, account.accountId), eq(invoices.month, month.month))).limit(1);
  const created = existing ? null : await createMonthInvoice(db, account, month);
  const drafts = await db.select().from(invoices).where(and(eq(invoices.accountId, account.accountId), eq(invoices.status, "draft"))).orderBy(asc(invoices.id));
  let sent = 0;
  for (const draft of drafts) {
    try {
      await sendInvoice(stripe, db, draft);
      sent += 1;
    } catch (error) {
      // The next run sends it again.
      console.error(JSON.stringify({ level: "error", message: "invoice not sent to Stripe", invoice_id: draft.id, account_id: draft.accountId, error: String(error) }));
    }
  }
  return { created, sent, unsent: drafts.length - sent };
}

/**
 * The scheduled job (hourly): every postpaid account whose billing month has ended in its own time zone gets that
 * month's invoice, sent through Stripe. `now` is the trigger's time, never the wall clock.
 */
export async function issueMonthlyInvoices(env: Env & PostgresConfig, now: Date): Promise<{ created: number; sent: number; unsent: number }> {
  return withPostgres(env, async (db) => {
    const stripe = stripeClient(env);
    const totals = { created: 0, sent: 0, unsent: 0 };
    for (const account of await db.select().from(billingAccounts).where(eq(billingAccounts.billingMode, "postpaid"))) {
      const outcome = await invoiceAccount(stripe, db, account, now);
      totals.created += outcome.created ? 1 : 0;
      totals.sent += outcome.sent;
      totals.unsent += outcome.unsent;
    }
    return totals;
  });
}
