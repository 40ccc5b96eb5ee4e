import { z } from "@hono/zod-openapi";
import { BILLING_MODES, BILLING_STATUSES, CURRENCIES, LEDGER_ACCOUNTS, POSTING_KINDS, POSTING_SOURCES, RATE_COMPONENTS, type LedgerPosting } from "../../shared/pg/schema.ts";
import { displayName } from "../../shared/schemas/text-fields.ts";

/** The bodies and views of the billing API: one source for validation, the OpenAPI spec and the handlers' types. */

export const PLAN_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const planId = () => z.string().regex(PLAN_ID_PATTERN, "a plan id: lowercase letters, digits, '_' and '-', at most 63").openapi({ example: "payg" });
export const Currency = z.enum(CURRENCIES).openapi({ description: "ISO 4217; amounts are integers in its minor unit (cents, pence)." });
const minorUnits = () => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** An IANA zone name the runtime knows (Intl refuses the others), such as `Europe/Paris` or `UTC`. */
export const timeZone = () =>
  z
    .string()
    .min(1)
    .max(64)
    .refine((zone) => isTimeZone(zone), { message: "not an IANA time zone name (e.g. Europe/Paris, America/New_York, UTC)" });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const Rate = z
  .object({
    component: z.enum(RATE_COMPONENTS),
    model: z.string().max(200).default("").openapi({ description: "For per-model components (LLM tokens); '' prices every other model and component." }),
    micros_per_unit: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ description: "Millionths of the currency unit per unit of the component." }),
  })
  .strict()
  .openapi("Rate");

export const RateCardBody = z
  .object({ rates: z.array(Rate).max(500) })
  .strict()
  .superRefine(({ rates }, ctx) => {
    const seen = new Set<string>();
    rates.forEach((rate, i) => {
      const key = `${rate.component}\u0000${rate.model}`;
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["rates", i], message: "the same component and model appear twice" });
      seen.add(key);
    });
  })
  .openapi("RateCardInput");

export const RateCard = z.object({ plan_id: z.string(), currency: Currency, rates: z.array(Rate) }).openapi("RateCard");

export const CreatePlan = z.object({ id: planId(), name: displayName(200) }).strict().openapi("CreatePlan");
export const Plan = z
  .object({ id: z.string(), name: z.string(), created_at: z.string(), rate_cards: z.array(RateCard).optional() })
  .openapi("Plan");

/** Stripe's smallest charge is 50 cents; below 5.00 the card fees outweigh the credit. */
export const MIN_PAYMENT_MINOR = 500;
/** Stripe's largest charge in a two-decimal currency (eight digits). */
export const MAX_PAYMENT_MINOR = 99_999_999;
export const paymentAmount = () =>
  z
    .number()
    .int()
    .min(MIN_PAYMENT_MINOR, `at least ${MIN_PAYMENT_MINOR} minor units (5.00)`)
    .max(MAX_PAYMENT_MINOR, `at most ${MAX_PAYMENT_MINOR} minor units`)
    .openapi({ description: `In the account currency's minor unit, ${MIN_PAYMENT_MINOR} to ${MAX_PAYMENT_MINOR}.` });

export const AutoRecharge = z
  .object({
    enabled: z.boolean(),
    amount_minor: paymentAmount().nullable().openapi({ description: "What each recharge buys, charged to the saved card." }),
    threshold_minor: minorUnits().nullable().openapi({ description: "A posting that takes the balance below this recharges it, once per crossing." }),
  })
  .strict()
  .refine((a) => !a.enabled || (a.amount_minor !== null && a.threshold_minor !== null), { message: "an enabled auto-recharge needs amount_minor and threshold_minor", path: ["enabled"] })
  .openapi("AutoRecharge");

export const BillingSettings = z
  .object({
    account_id: z.string(),
    plan: z.string(),
    currency: Currency,
    mode: z.enum(BILLING_MODES),
    time_zone: z.string(),
    billing_status: z.enum(BILLING_STATUSES),
    low_balance_threshold_minor: z.number().int().nullable(),
    auto_recharge: AutoRecharge,
    payment_method_saved: z.boolean().openapi({ description: "A card is saved for off-session charges (POST /v1/billing/payment-method)." }),
    country: z.string().nullable().openapi({ description: "The billing address's country (ISO 3166-1 alpha-2): postpaid invoices carry Stripe's automatic tax for it; null: no tax." }),
  })
  .openapi("BillingSettings");

export const UpdateBilling = z
  .object({
    plan: planId().optional(),
    currency: Currency.optional(),
    mode: z.enum(BILLING_MODES).optional(),
    time_zone: timeZone().optional(),
    billing_status: z.enum(BILLING_STATUSES).optional(),
    low_balance_threshold_minor: minorUnits().nullable().optional(),
    auto_recharge: AutoRecharge.optional(),
    country: z.string().regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 country code such as US, GB or DE").nullable().optional(),
  })
  .strict()
  .openapi("UpdateBilling");

/** The billing side created with an account (POST /v1/operator/accounts). */
export const NewAccountBilling = z
  .object({
    plan: planId().default("payg"),
    currency: Currency.default("USD"),
    mode: z.enum(BILLING_MODES).default("postpaid"),
    time_zone: timeZone().default("UTC"),
    low_balance_threshold_minor: minorUnits().nullable().default(null),
    credit_minor: minorUnits().default(0).openapi({ description: "Opening credit of a prepaid account, posted as `opening_balance`." }),
  })
  .strict()
  .refine((b) => b.credit_minor === 0 || b.mode === "prepaid", { path: ["credit_minor"], message: "opening credit is for prepaid accounts only" })
  .openapi("NewAccountBilling");

const reason = () => z.string().trim().min(1, "say why").max(500);
const amount = () => z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).openapi({ description: "In the currency's minor unit, > 0." });

/** Operator postings; an adjustment says which way it moves the customer's balance. */
export const CreatePosting = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("refund"), amount_minor: amount(), currency: Currency, reason: reason() }).strict(),
    z.object({ kind: z.literal("promotional_grant"), amount_minor: amount(), currency: Currency, reason: reason() }).strict(),
    z.object({ kind: z.literal("adjustment"), direction: z.enum(["credit", "debit"]).openapi({ description: "`credit` raises the balance, `debit` lowers it." }), amount_minor: amount(), currency: Currency, reason: reason() }).strict(),
  ])
  .openapi("CreatePosting");

export const Posting = z
  .object({
    id: z.number().int(),
    kind: z.enum(POSTING_KINDS),
    debit: z.enum(LEDGER_ACCOUNTS),
    credit: z.enum(LEDGER_ACCOUNTS),
    amount_minor: z.number().int(),
    balance_effect_minor: z.number().int().openapi({ description: "What the posting did to the customer balance: + credit, − debit, 0 for neither." }),
    currency: Currency,
    source_type: z.enum(POSTING_SOURCES),
    source_id: z.string(),
    reason: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Posting");

export function postingView(p: LedgerPosting): z.infer<typeof Posting> {
  const effect = p.credit === "customer_balance" ? p.amountMinor : p.debit === "customer_balance" ? -p.amountMinor : 0;
  return {
    id: p.id,
    kind: p.kind,
    debit: p.debit,
    credit: p.credit,
    amount_minor: p.amountMinor,
    balance_effect_minor: effect,
    currency: p.currency,
    source_type: p.sourceType,
    source_id: p.sourceId,
    reason: p.reason,
    created_at: p.createdAt.toISOString(),
  };
}
