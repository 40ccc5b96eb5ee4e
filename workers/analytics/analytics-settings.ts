import { eq } from "drizzle-orm";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { billingAccounts, type Currency } from "../../shared/pg/schema.ts";

export interface AnalyticsSettings {
  /** The IANA zone days are cut in: the billing side's, UTC without one. */
  timeZone: string;
  /** The currency of the costs; null without a billing side. */
  currency: Currency | null;
}

/**
 * The account's zone and currency, read from its billing side in the global database (DATABASE_URL). An EU account's
 * analytics are in another database, which has no billing rows (shared/residency/residency.ts `analyticsPostgres`),
 * so the analytics statements are given these rather than joining billing_accounts.
 */
export async function analyticsSettings(billing: Pick<PgDatabase, "select">, accountId: string): Promise<AnalyticsSettings> {
  const [row] = await billing.select({ timeZone: billingAccounts.timeZone, currency: billingAccounts.currency }).from(billingAccounts).where(eq(billingAccounts.accountId, accountId));
  return { timeZone: row?.timeZone ?? "UTC", currency: row?.currency ?? null };
}
