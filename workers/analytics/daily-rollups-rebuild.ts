import { sql } from "drizzle-orm";
import { z } from "zod";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { analyticsSettings } from "./analytics-settings.ts";
import { dailyRollupsLock, rollUpDays } from "./rollups.ts";

/**
 * The message a time-zone change puts on the facts' queue (`call-events`, beside the usage and verdict messages;
 * workers/billing/routes/account-billing.ts): rebuild the account's daily rollups. It names no zone: the rebuild reads
 * the one the account has when it runs, so after two quick changes either message rebuilds in the latest.
 */
export const DailyRollupsRebuildMessage = z.object({
  type: z.literal("analytics.daily_rebuild"),
  account_id: z.string().min(1),
});
export type DailyRollupsRebuildMessage = z.infer<typeof DailyRollupsRebuildMessage>;

export const dailyRollupsRebuild = (accountId: string): DailyRollupsRebuildMessage => ({ type: "analytics.daily_rebuild", account_id: accountId });

/** `current`: every daily row of the account was already of its present zone, and nothing was written. */
export type RebuildOutcome = "rebuilt" | "current";

/**
 * Replaces the account's daily rollups with ones cut at its present zone's midnights, computed from its facts
 * (call_facts and turn_facts; not from the hourly rows, whose UTC hours do not tile the days of a zone half an hour
 * off). One transaction: reports read the old rows (and so fall back to the hourly ones, analytics-report.ts) until it
 * commits, and the new ones after. When no row is of another zone there is nothing to do, so a redelivery (or a
 * change undone before its rebuild ran) writes nothing. The exclusive lock waits for the calls and verdicts being
 * added to the account's daily rows and holds new ones off until the rebuild commits; the zone is read from the
 * billing side (`billing`, the global database) once it is held. `db` is the account's region's analytics database.
 */
export async function rebuildDailyRollups(db: PgDatabase, billing: PgDatabase, message: DailyRollupsRebuildMessage): Promise<RebuildOutcome> {
  const accountId = message.account_id;
  return db.transaction(async (tx) => {
    await tx.execute(dailyRollupsLock(accountId, "exclusive"));
    const { timeZone } = await analyticsSettings(billing, accountId);
    const {
      rows: [state],
    } = await tx.execute<{ stale: boolean }>(sql`select exists (select 1 from call_rollups_daily r where r.account_id = ${accountId} and r.time_zone <> ${timeZone}) as stale`);
    if (!state?.stale) return "current";
    await tx.execute(sql`delete from call_rollups_daily where account_id = ${accountId}`);
    await rollUpDays(tx, sql`c.account_id = ${accountId}`, timeZone);
    return "rebuilt";
  });
}
