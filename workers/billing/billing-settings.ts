import { eq, sql } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { billingAccounts, ledgerPostings, plans } from "../../shared/pg/schema.ts";
import { ApiError } from "../api/problem.ts";
import type { UpdateBilling } from "./billing-schemas.ts";

/** The plan an account's billing side gets when nothing else is said (seeded by a Postgres migration). */
export const DEFAULT_PLAN_ID = "payg";

type BillingRow = typeof billingAccounts.$inferSelect;

export const billingSettingsView = (b: BillingRow) => ({
  account_id: b.accountId,
  plan: b.planId,
  currency: b.currency,
  mode: b.billingMode,
  time_zone: b.timeZone,
  billing_status: b.billingStatus,
  low_balance_threshold_minor: b.lowBalanceThresholdMinor,
  auto_recharge: { enabled: b.autoRechargeEnabled, amount_minor: b.autoRechargeAmountMinor, threshold_minor: b.autoRechargeThresholdMinor },
  payment_method_saved: b.stripePaymentMethodId !== null,
  country: b.country,
});

/** A 422 naming the `plan` field when no such plan exists (checked before writing, for a clear message). */
export async function requirePlan(db: Pick<PgDatabase, "select">, planId: string, path = "plan"): Promise<void> {
  const [plan] = await db.select({ id: plans.id }).from(plans).where(eq(plans.id, planId)).limit(1);
  if (!plan) {
    throw new ApiError("validation-error", `no plan ${planId}; create it with POST /v1/operator/plans`, { errors: [{ path, message: "unknown plan", code: "unknown_plan" }] });
  }
}

/**
 * Applies `changes` to the account's billing side, creating it with the defaults if it has none. One transaction
 * with the account's row locked, so a currency change cannot race a first posting.
 */
export async function updateBillingSettings(db: PgDatabase, accountId: string, changes: z.infer<typeof UpdateBilling>): Promise<BillingRow> {
  return db.transaction(async (tx) => {
    await requirePlan(tx, changes.plan ?? DEFAULT_PLAN_ID);
    const [current] = await tx.select().from(billingAccounts).where(eq(billingAccounts.accountId, accountId)).for("update").limit(1);
    if (current && changes.currency && changes.currency !== current.currency) {
      const [posted] = await tx.select({ n: sql<number>`count(*)::int` }).from(ledgerPostings).where(eq(ledgerPostings.accountId, accountId));
      if (posted!.n > 0) throw new ApiError("conflict", `the account has postings in ${current.currency}; its currency cannot change`);
    }
    const set = {
      planId: changes.plan,
      currency: changes.currency,
      billingMode: changes.mode,
      timeZone: changes.time_zone,
      billingStatus: changes.billing_status,
      lowBalanceThresholdMinor: changes.low_balance_threshold_minor,
      autoRechargeEnabled: changes.auto_recharge?.enabled,
      autoRechargeAmountMinor: changes.auto_recharge?.amount_minor,
      autoRechargeThresholdMinor: changes.auto_recharge?.threshold_minor,
      country: changes.country,
    };
    const defined = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
    if (current) {
      if (Object.keys(defined).length === 0) return current;
      const [row] = await tx.update(billingAccounts).set(defined).where(eq(billingAccounts.accountId, accountId)).returning();
      return row!;
    }
    const [row] = await tx.insert(billingAccounts).values({ accountId, planId: DEFAULT_PLAN_ID, currency: "USD", ...defined }).returning();
    return row!;
  });
}
