/**
 * The Postgres tier's billing tables: plans, rate cards, accounts, the double-entry ledger, metering and invoices.
 *
 * Money rules: ledger amounts are integers in minor units of their currency (cents, pence); rates are integers in
 * millionths of the currency unit (a token or a character costs far less than a cent), and each priced line rounds
 * once to minor units.
 */
import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, check, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, oneOf } from "./columns.ts";

export const CURRENCIES = ["USD", "EUR", "GBP"] as const;
export type Currency = (typeof CURRENCIES)[number];

/** What a rate prices, each per its own unit (the unit is part of the name); token rates are per 1,000 tokens. */
export const RATE_COMPONENTS = [
  "telephony_inbound_minute",
  "telephony_outbound_minute",
  "stt_second",
  "tts_character",
  "llm_input_token",
  "llm_output_token",
  "llm_cache_read_token",
  "llm_cache_write_token",
  "recording_minute",
  "platform_minute",
] as const;

/**
 * Token rates are micros per this many tokens: model prices are quoted per million tokens, and a whole micro per token
 * could not say $0.10/Mtok (a cache read). Every other rate is micros per the unit its component names.
 */
export const TOKENS_PER_RATE_UNIT = 1_000;

export const BILLING_STATUSES = ["active", "past_due", "suspended_for_billing"] as const;
/** Prepaid accounts spend credit they bought (calls need a positive spendable balance); postpaid ones are invoiced. */
export const BILLING_MODES = ["prepaid", "postpaid"] as const;

/** The ledger's own accounts: every posting moves an amount from one to another (double entry). */
export const LEDGER_ACCOUNTS = ["customer_balance", "payments", "revenue", "promotions", "adjustments"] as const;
export const POSTING_KINDS = ["top_up", "promotional_grant", "call_charge", "refund", "adjustment", "opening_balance", "invoice_payment", "analysis_charge"] as const;
/** What made a posting; with its id it is unique per account, so a redelivered event or request posts nothing. */
export const POSTING_SOURCES = ["usage_event", "payment_event", "operator_request", "migration", "call_analysis"] as const;


export const plans = pgTable("plans", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});

/** A plan's rate card in one currency is its rows here; `model` is '' for components that do not vary by model. */
export const rateCards = pgTable(
  "rate_cards",
  {
    planId: text("plan_id").notNull().references(() => plans.id),
    currency: text("currency", { enum: CURRENCIES }).notNull(),
    component: text("component", { enum: RATE_COMPONENTS }).notNull(),
    model: text("model").notNull().default(""),
    microsPerUnit: bigint("micros_per_unit", { mode: "number" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.planId, t.currency, t.component, t.model] }),
    check("rate_cards_currency", oneOf("currency", CURRENCIES)),
    check("rate_cards_component", oneOf("component", RATE_COMPONENTS)),
    check("rate_cards_rate_not_negative", sql`${t.microsPerUnit} >= 0`),
  ],
);

/** The billing side of a D1 account (same id): its plan and currency, billing-month time zone and billing status. */
export const billingAccounts = pgTable(
  "billing_accounts",
  {
    accountId: text("account_id").primaryKey(),
    planId: text("plan_id").notNull().references(() => plans.id),
    currency: text("currency", { enum: CURRENCIES }).notNull(),
    // IANA name; billing months and analytics buckets follow it.
    timeZone: text("time_zone").notNull().default("UTC"),
    // Separate from the operator's D1 `status`: a payment never lifts an operator's suspension.
    billingStatus: text("billing_status", { enum: BILLING_STATUSES }).notNull().default("active"),
    billingMode: text("billing_mode", { enum: BILLING_MODES }).notNull().default("postpaid"),
    // Crossing below it emits `billing.balance_low` once per crossing; null: no alert.
    lowBalanceThresholdMinor: bigint("low_balance_threshold_minor", { mode: "number" }),
    // Payments (workers/billing/payments/): the account's Stripe customer and its saved card for off-session charges.
    stripeCustomerId: text("stripe_customer_id"),
    stripePaymentMethodId: text("stripe_payment_method_id"),
    autoRechargeEnabled: boolean("auto_recharge_enabled").notNull().default(false),
    autoRechargeAmountMinor: bigint("auto_recharge_amount_minor", { mode: "number" }),
    autoRechargeThresholdMinor: bigint("auto_recharge_threshold_minor", { mode: "number" }),
    // Once per crossing: armed while the balance is at or above the threshold; a recharge disarms it, the balance
    // rising back re-arms it and counts a new crossing (the count keys the charge's Stripe idempotency).
    autoRechargeArmed: boolean("auto_recharge_armed").notNull().default(true),
    autoRechargeCrossing: integer("auto_recharge_crossing").notNull().default(0),
    // Dunning: when a failed off-session payment made the account past due (null otherwise); a scheduled job
    // suspends its billing after the grace period.
    pastDueSince: timestamp("past_due_since", { withTimezone: true }),
    // ISO 3166-1 alpha-2 of the billing address: Stripe's automatic tax on postpaid invoices needs it (null: no tax).
    country: text("country"),
    createdAt: createdAt(),
  },
  (t) => [
    check("billing_accounts_currency", oneOf("currency", CURRENCIES)),
    check("billing_accounts_status", oneOf("billing_status", BILLING_STATUSES)),
    check("billing_accounts_mode", oneOf("billing_mode", BILLING_MODES)),
    check("billing_accounts_threshold_not_negative", sql`${t.lowBalanceThresholdMinor} is null or ${t.lowBalanceThresholdMinor} >= 0`),
    check("billing_accounts_auto_recharge_complete", sql`not ${t.autoRechargeEnabled} or (${t.autoRechargeAmountMinor} > 0 and ${t.autoRechargeThresholdMinor} >= 0)`),
  ],
);

/**
 * Append-only (triggers refuse UPDATE and DELETE): each row moves `amount_minor` from `debit` to `credit`, so every
 * posting balances by construction and an account's balance is a sum over its rows, never a stored figure.
 */
export const ledgerPostings = pgTable(
  "ledger_postings",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: text("account_id").notNull().references(() => billingAccounts.accountId),
    kind: text("kind", { enum: POSTING_KINDS }).notNull(),
    debit: text("debit", { enum: LEDGER_ACCOUNTS }).notNull(),
    credit: text("credit", { enum: LEDGER_ACCOUNTS }).notNull(),
    amountMinor: bigint("amount_minor", { mode: "number" }).notNull(),
    currency: text("currency", { enum: CURRENCIES }).notNull(),
    sourceType: text("source_type", { enum: POSTING_SOURCES }).notNull(),
    sourceId: text("source_id").notNull(),
    // Operator refunds, adjustments and grants must say why.
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("ledger_postings_source").on(t.accountId, t.sourceType, t.sourceId),
    index("ledger_postings_account_created").on(t.accountId, t.createdAt),
    check("ledger_postings_amount_positive", sql`${t.amountMinor} > 0`),
    check("ledger_postings_two_sides", sql`${t.debit} <> ${t.credit}`),
    check("ledger_postings_kind", oneOf("kind", POSTING_KINDS)),
    check("ledger_postings_debit", oneOf("debit", LEDGER_ACCOUNTS)),
    check("ledger_postings_credit", oneOf("credit", LEDGER_ACCOUNTS)),
    check("ledger_postings_currency", oneOf("currency", CURRENCIES)),
    check("ledger_postings_source_type", oneOf("source_type", POSTING_SOURCES)),
    check("ledger_postings_operator_reason", sql`${t.kind} not in ('refund', 'adjustment', 'promotional_grant') or ${t.reason} is not null`),
  ],
);

export type LedgerPosting = typeof ledgerPostings.$inferSelect;
export type NewLedgerPosting = typeof ledgerPostings.$inferInsert;

// ---- Billing operations (reconciliation) ----

/** What one reconciliation found on one account (workers/billing/reconciliation.ts names the checks). */
export interface ReconciliationFinding {
  accountId: string;
  check: "gate_balance" | "gate_stale" | "gate_missing" | "priced_usage";
  /** The ledger's figure, and the figure that disagrees with it (the gate's, or the priced calls' total), in minor units. */
  ledgerMinor: number;
  otherMinor: number | null;
  detail?: string;
}

/** Each run of the reconciliation job: how many accounts it checked and every disagreement it found. */
export const reconciliationRuns = pgTable("reconciliation_runs", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  ranAt: timestamp("ran_at", { withTimezone: true }).notNull(),
  accountsChecked: integer("accounts_checked").notNull(),
  driftCount: integer("drift_count").notNull(),
  // False while the priced-usage table is not there to compare against (the check is then skipped, and says so).
  pricedUsageChecked: boolean("priced_usage_checked").notNull(),
  findings: jsonb("findings").$type<ReconciliationFinding[]>().notNull(),
});

// ---- Metering (priced usage) ----

/**
 * Each finished call's priced line items (workers/billing/pricing.ts), written in the same transaction as its
 * `call_charge` posting and, like it, once: a redelivered usage event finds its row and changes nothing. A call
 * priced at zero has its row here and no posting (postings are positive).
 */
export const callCharges = pgTable(
  "call_charges",
  {
    accountId: text("account_id").notNull().references(() => billingAccounts.accountId),
    callId: text("call_id").notNull(),
    usageEventId: text("usage_event_id").notNull(),
    // The agent that took the call (invoice lines are by agent); null on rows priced before it was recorded.
    agentId: text("agent_id"),
    currency: text("currency", { enum: CURRENCIES }).notNull(),
    totalMinor: bigint("total_minor", { mode: "number" }).notNull(),
    lines: jsonb("lines").notNull(),
    // Some quantity is an estimate (a model turn aborted before Bedrock reported its usage).
    estimated: boolean("estimated").notNull(),
    pricedAt: timestamp("priced_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.callId] }),
    check("call_charges_currency", oneOf("currency", CURRENCIES)),
    check("call_charges_total_not_negative", sql`${t.totalMinor} >= 0`),
  ],
);

export type CallCharge = typeof callCharges.$inferSelect;

// ---- Payments (Stripe) ----

/**
 * Each failed payment, once per PaymentIntent (workers/billing/payments/payment-failures.ts): the off-session charge's
 * decline and Stripe's `payment_intent.payment_failed` webhook both land here, and only the first emits
 * `billing.payment_failed`.
 */
export const paymentFailures = pgTable(
  "payment_failures",
  {
    paymentIntentId: text("payment_intent_id").primaryKey(),
    accountId: text("account_id").notNull().references(() => billingAccounts.accountId),
    amountMinor: bigint("amount_minor", { mode: "number" }).notNull(),
    currency: text("currency", { enum: CURRENCIES }).notNull(),
    reason: text("reason").notNull(),
    failedAt: timestamp("failed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("payment_failures_account").on(t.accountId, t.failedAt), check("payment_failures_currency", oneOf("currency", CURRENCIES))],
);

// ---- Postpaid invoices ----

export const INVOICE_STATUSES = ["draft", "open", "paid"] as const;

/**
 * A postpaid account's invoice for one billing month (workers/billing/invoices/): the calls priced in that month of
 * the account's time zone, once per (account, month). `draft` until Stripe has finalized it (`open`, with its number
 * and tax), `paid` when Stripe's `invoice.paid` webhook has posted the payment to the ledger.
 */
export const invoices = pgTable(
  "invoices",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    accountId: text("account_id").notNull().references(() => billingAccounts.accountId),
    // `yyyy-mm` in the account's time zone, and the instants it starts and ends at.
    month: text("month").notNull(),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    periodEnd: timestamp("period_end", { withTimezone: true }).notNull(),
    currency: text("currency", { enum: CURRENCIES }).notNull(),
    subtotalMinor: bigint("subtotal_minor", { mode: "number" }).notNull(),
    // Stripe's automatic tax, known once it finalized the invoice.
    taxMinor: bigint("tax_minor", { mode: "number" }),
    totalMinor: bigint("total_minor", { mode: "number" }),
    status: text("status", { enum: INVOICE_STATUSES }).notNull().default("draft"),
    stripeInvoiceId: text("stripe_invoice_id"),
    number: text("number"),
    hostedInvoiceUrl: text("hosted_invoice_url"),
    createdAt: createdAt(),
    finalizedAt: timestamp("finalized_at", { withTimezone: true }),
    paidAt: timestamp("paid_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("invoices_account_month").on(t.accountId, t.month),
    uniqueIndex("invoices_stripe_invoice").on(t.stripeInvoiceId),
    index("invoices_status").on(t.status),
    check("invoices_currency", oneOf("currency", CURRENCIES)),
    check("invoices_status_check", oneOf("status", INVOICE_STATUSES)),
    check("invoices_subtotal_positive", sql`${t.subtotalMinor} > 0`),
  ],
);

export type InvoiceRow = typeof invoices.$inferSelect;

/** An invoice's lines: one per agent and priced component, summed over the month's calls. */
export const invoiceLines = pgTable(
  "invoice_lines",
  {
    invoiceId: bigint("invoice_id", { mode: "number" }).notNull().references(() => invoices.id),
    lineNo: integer("line_no").notNull(),
    // '' for calls priced before the agent was recorded on their charge.
    agentId: text("agent_id").notNull(),
    component: text("component", { enum: RATE_COMPONENTS }).notNull(),
    quantity: doublePrecision("quantity").notNull(),
    unit: text("unit").notNull(),
    amountMinor: bigint("amount_minor", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.invoiceId, t.lineNo] }), check("invoice_lines_component", oneOf("component", RATE_COMPONENTS))],
);

export type InvoiceLineRow = typeof invoiceLines.$inferSelect;
// ---- Post-call analysis (its model tokens, priced) ----

/**
 * Each analysis's priced model tokens (workers/analysis/analysis-charges.ts): they arrive after the call was
 * settled, so they are their own line, keyed by call and analysis version, written in the same transaction as its
 * `analysis_charge` posting (source `call_analysis`, `<call id>/<version>`) and, like it, once.
 */
export const analysisCharges = pgTable(
  "analysis_charges",
  {
    accountId: text("account_id").notNull().references(() => billingAccounts.accountId),
    callId: text("call_id").notNull(),
    analysisVersion: integer("analysis_version").notNull(),
    currency: text("currency", { enum: CURRENCIES }).notNull(),
    totalMinor: bigint("total_minor", { mode: "number" }).notNull(),
    lines: jsonb("lines").notNull(),
    pricedAt: timestamp("priced_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.callId, t.analysisVersion] }),
    check("analysis_charges_currency", oneOf("currency", CURRENCIES)),
    check("analysis_charges_total_not_negative", sql`${t.totalMinor} >= 0`),
  ],
);
