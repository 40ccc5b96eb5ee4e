import { inArray } from "drizzle-orm";
import { campaignObject } from "../../shared/campaigns/campaign-rpc.ts";
import { database } from "../../shared/db/client.ts";
import { campaigns } from "../../shared/db/campaigns-schema.ts";

/**
 * The cron's share of driving campaigns: every campaign that may have work (scheduled, running, or paused with calls
 * in flight) gets a tick at the trigger's time. Alarms do this too; the cron is the backstop that opens windows
 * and settles calls even if an object's alarm was lost.
 */
export async function dispatchCampaignWindows(env: Env, now: Date): Promise<Record<string, number>> {
  const rows = await database(env.DB).select({ id: campaigns.id }).from(campaigns).where(inArray(campaigns.state, ["scheduled", "running", "paused"])).all();
  const results = await Promise.allSettled(rows.map((r) => campaignObject(env, r.id).tick(now.getTime())));
  const failed = results.filter((r) => r.status === "rejected");
  for (const f of failed) console.error(JSON.stringify({ level: "error", message: "campaign tick failed", error: String((f as PromiseRejectedResult).reason) }));
  return { campaigns: rows.length, failed: failed.length };
}
