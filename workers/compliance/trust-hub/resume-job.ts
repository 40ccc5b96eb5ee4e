import { withPostgres } from "../../../shared/pg/client.ts";
import { unfinishedAccounts } from "./registration-store.ts";
import { runRegistration, type RunResult, type TrustHubRunOptions } from "./trust-hub.ts";

/**
 * The retry path: every unfinished registration runs again. One whose step failed continues from that step; one that
 * waits on Twilio's review asks Twilio for its status, in case the callback was lost.
 */
export async function resumeTrustHubRegistrations(env: Env, now: Date, opts: TrustHubRunOptions = {}): Promise<Record<string, number>> {
  return withPostgres(env, async (db) => {
    const accountIds = await unfinishedAccounts(db, now);
    const counts: Record<RunResult, number> = { finished: 0, waiting: 0, failed: 0, busy: 0, absent: 0 };
    // One at a time, on one connection: a handful of registrations move per hour.
    for (const accountId of accountIds) counts[await runRegistration(env, db, accountId, { ...opts, now })]++;
    return { resumed: accountIds.length, finished: counts.finished, waiting: counts.waiting, failed: counts.failed };
  });
}
