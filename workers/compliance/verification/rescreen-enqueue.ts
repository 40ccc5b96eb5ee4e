/**
 * The scheduled side of rescreening: each new sanctions list version queues one rescreen per approved case. It runs
 * on the cron rather than at load time because `npm run sanctions:load` is a Node script without the queue binding,
 * and because a load that crashed before queueing, or a queue that refused, is then simply caught up an hour later:
 * the version counts as queued only once its messages were sent (`sanctions_rescreen_runs`, in the same transaction).
 */
import { z } from "zod";
import { asc, and, eq, gt } from "drizzle-orm";
import { withPostgres, type PgDatabase } from "../../../shared/pg/client.ts";
import { sanctionsRescreenRuns, verificationCases } from "../../../shared/pg/schema.ts";
import { newestVersions } from "../sanctions/list-store.ts";

export const RescreenMessage = z.object({
  type: z.literal("sanctions.rescreen"),
  account_id: z.string().min(1),
  version_id: z.number().int().positive(),
});
export type RescreenMessage = z.infer<typeof RescreenMessage>;

/** Cases read per page, and messages per `sendBatch` (the Queues limit is 100 messages). */
const PAGE = 100;

export type RescreenQueue = Pick<Queue<RescreenMessage>, "sendBatch">;

/**
 * Queues the rescreens of the newest version of each list not queued yet. Older versions never queued are skipped:
 * a newer one of the same list supersedes them. A second run, or a reload of identical files (no new version),
 * queues nothing.
 */
export async function enqueueRescreens(env: Env, queue: RescreenQueue = env.SANCTIONS_RESCREENS): Promise<Record<string, number>> {
  return withPostgres(env, async (db) => {
    let versions = 0;
    let messages = 0;
    for (const version of await newestVersions(db)) {
      const sent = await enqueueVersion(db, queue, version.id);
      if (sent === undefined) continue;
      versions++;
      messages += sent;
    }
    return { versions, messages };
  });
}

/** Claims the version and sends its messages in one transaction; undefined when it was queued before. */
function enqueueVersion(db: PgDatabase, queue: RescreenQueue, versionId: number): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    // The claim's row lock makes a concurrent run wait, then find it claimed.
    const [claimed] = await tx.insert(sanctionsRescreenRuns).values({ versionId, caseCount: 0 }).onConflictDoNothing().returning();
    if (!claimed) return undefined;
    let sent = 0;
    for (let after = ""; ; ) {
      const page = await tx
        .select({ accountId: verificationCases.accountId })
        .from(verificationCases)
        .where(and(eq(verificationCases.state, "approved"), gt(verificationCases.accountId, after)))
        .orderBy(asc(verificationCases.accountId))
        .limit(PAGE);
      if (page.length === 0) break;
      await queue.sendBatch(page.map(({ accountId }) => ({ body: { type: "sanctions.rescreen" as const, account_id: accountId, version_id: versionId } })));
      sent += page.length;
      after = page.at(-1)!.accountId;
    }
    await tx.update(sanctionsRescreenRuns).set({ caseCount: sent }).where(eq(sanctionsRescreenRuns.versionId, versionId));
    return sent;
  });
}
