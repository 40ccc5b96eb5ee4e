import { z } from "@hono/zod-openapi";
import { and, desc, eq, inArray } from "drizzle-orm";
import { billingAccounts, INVOICE_STATUSES, invoiceLines, invoices, RATE_COMPONENTS, type InvoiceLineRow, type InvoiceRow } from "../../../shared/pg/schema.ts";
import { belowCursor, PageQuery, pageOf, toNumberedPage } from "../../api/pagination.ts";
import { ApiError, notFound } from "../../api/problem.ts";
import { jsonResponse, problem, resourceApp, securedRoute } from "../../api/route.ts";
import { UNAVAILABLE, withBillingDb } from "../billing-db.ts";
import { Currency } from "../billing-schemas.ts";
import { billingMonth, MONTH_PATTERN } from "../invoices/billing-month.ts";
import { lineDescription } from "../invoices/line-description.ts";
import { monthUsage } from "../invoices/month-usage.ts";
import { statementPdf } from "../invoices/statement-pdf.ts";

const InvoiceLine = z
  .object({
    agent_id: z.string().nullable().openapi({ description: "The agent whose calls the line sums; null for calls priced before agents were recorded." }),
    component: z.enum(RATE_COMPONENTS),
    quantity: z.number(),
    unit: z.string(),
    amount_minor: z.number().int(),
    description: z.string().openapi({ example: "Agent AGT-7KQ2M9XD4H: Inbound telephony, 42 min" }),
  })
  .openapi("InvoiceLine");

const Invoice = z
  .object({
    id: z.number().int(),
    month: z.string().openapi({ description: "The billing month, `yyyy-mm` in the account's time zone.", example: "2026-11" }),
    period_start: z.string(),
    period_end: z.string(),
    currency: Currency,
    status: z.enum(INVOICE_STATUSES).openapi({ description: "`draft` until Stripe has finalized it, `open` while unpaid, `paid` once Stripe reports the payment." }),
    number: z.string().nullable().openapi({ description: "Stripe's invoice number, once finalized." }),
    subtotal_minor: z.number().int().openapi({ description: "The month's usage: the sum of the lines." }),
    tax_minor: z.number().int().nullable().openapi({ description: "Stripe's automatic tax (by the billing country), once finalized." }),
    total_minor: z.number().int().nullable(),
    hosted_invoice_url: z.string().nullable().openapi({ description: "Stripe's page where the invoice can be viewed and paid." }),
    created_at: z.string(),
    finalized_at: z.string().nullable(),
    paid_at: z.string().nullable(),
    lines: z.array(InvoiceLine),
  })
  .openapi("Invoice");

const iso = (d: Date | null) => d?.toISOString() ?? null;

const invoiceView = (invoice: InvoiceRow, lines: InvoiceLineRow[]): z.infer<typeof Invoice> => ({
  id: invoice.id,
  month: invoice.month,
  period_start: invoice.periodStart.toISOString(),
  period_end: invoice.periodEnd.toISOString(),
  currency: invoice.currency,
  status: invoice.status,
  number: invoice.number,
  subtotal_minor: invoice.subtotalMinor,
  tax_minor: invoice.taxMinor,
  total_minor: invoice.totalMinor,
  hosted_invoice_url: invoice.hostedInvoiceUrl,
  created_at: invoice.createdAt.toISOString(),
  finalized_at: iso(invoice.finalizedAt),
  paid_at: iso(invoice.paidAt),
  lines: lines.map((l) => ({ agent_id: l.agentId || null, component: l.component, quantity: l.quantity, unit: l.unit, amount_minor: l.amountMinor, description: lineDescription(l) })),
});

const MonthParam = z.object({
  month: z
    .string()
    .regex(MONTH_PATTERN, "a month as yyyy-mm, e.g. 2026-11")
    .openapi({ param: { name: "month", in: "path" }, example: "2026-01", description: "A billing month (`yyyy-mm`) in the account's time zone, not after the current one." }),
});

export const invoicesApi = resourceApp();

invoicesApi.openapi(
  securedRoute("billing:read", {
    method: "get",
    path: "/billing/invoices",
    tags: ["Billing"],
    summary: "The caller's postpaid invoices, newest first, with their lines",
    description: "A postpaid account gets one invoice per billing month in which it had priced calls, created after the month ends in the account's time zone and sent through Stripe.",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(Invoice, "InvoicePage"), "A page of invoices."), ...UNAVAILABLE },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const accountId = c.get("principal").accountId;
    const { rows, lines } = await withBillingDb(c.env, async (db) => {
      const rows = await db
        .select()
        .from(invoices)
        .where(and(eq(invoices.accountId, accountId), belowCursor(cursor, invoices.id)))
        .orderBy(desc(invoices.id))
        .limit(limit + 1);
      const ids = rows.slice(0, limit).map((r) => r.id);
      const lines = ids.length === 0 ? [] : await db.select().from(invoiceLines).where(inArray(invoiceLines.invoiceId, ids)).orderBy(invoiceLines.invoiceId, invoiceLines.lineNo);
      return { rows, lines };
    });
    return c.json(
      toNumberedPage(rows, limit, (r) => r.id, (r) => invoiceView(r, lines.filter((l) => l.invoiceId === r.id))),
      200,
    );
  },
);

invoicesApi.openapi(
  securedRoute("billing:read", {
    method: "get",
    path: "/billing/statements/{month}",
    tags: ["Billing"],
    summary: "The month's usage statement as a PDF: each agent's usage by component, and the totals",
    description: "The calls priced in the month (of the account's time zone), as invoiced; the current month is the statement so far.",
    request: { params: MonthParam },
    responses: {
      200: { description: "The statement (PDF).", content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } } },
      404: problem("`not-found`: the account has no billing side yet."),
      422: problem("`validation-error`: not a `yyyy-mm` month, or a month that has not begun yet."),
      ...UNAVAILABLE,
    },
  }),
  async (c) => {
    const { month } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const now = new Date();
    const statement = await withBillingDb(c.env, async (db) => {
      const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, accountId)).limit(1);
      if (!account) throw notFound("billing account");
      const period = billingMonth(month, account.timeZone);
      if (period.start > now) {
        throw new ApiError("validation-error", `${month} has not begun yet in ${account.timeZone}`, { errors: [{ path: "month", message: "a month in the future has no statement", code: "future_month" }] });
      }
      const usage = await monthUsage(db, accountId, account.currency, period);
      const [invoice] = await db.select().from(invoices).where(and(eq(invoices.accountId, accountId), eq(invoices.month, month))).limit(1);
      return { accountId, month: period, timeZone: account.timeZone, currency: account.currency, usage, invoice: invoice ?? null, generatedAt: now };
    });
    const pdf = await statementPdf(statement);
    return c.body(pdf, 200, { "content-type": "application/pdf", "content-disposition": `inline; filename="statement-${month}.pdf"` });
  },
);
