import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { callFacts } from "../../shared/pg/schema.ts";
import { dailyRollupsLock } from "./rollups.ts";

/**
 * The message the analysis consumer puts on the facts' queue (`call-events`, beside the usage message) once an
 * analysis of a call is settled: its version and the success verdict (null when it gave none). It carries no
 * delivery id of its own: the (call, analysis version) pair makes a redelivery a no-op.
 */
export const VerdictMessage = z.object({
  type: z.literal("call.verdict"),
  account_id: z.string().min(1),
  call_id: z.string().min(1),
  analysis_version: z.number().int().min(1),
  succeeded: z.boolean().nullable(),
});
export type VerdictMessage = z.infer<typeof VerdictMessage>;

/** `no-facts`: the call's facts are not recorded yet (its usage message is still queued): the message is retried. */
export type VerdictOutcome = "recorded" | "stale" | "no-facts";

const flag = (b: boolean) => (b ? 1 : 0);

/**
 * Sets the call's verdict on its facts and moves its counts in the hourly and daily rollups (`judged_calls`, `succeeded_calls`)
 * by the difference from the verdict it replaces, in one transaction. Only a newer analysis version replaces a
 * verdict, so a redelivery, or an older version arriving late, changes nothing. The fact row is locked first, then
 * the call's rollup rows in key order (as the rollup upsert takes them), so concurrent writers never deadlock. `db` is
 * the call's region's analytics database (shared/residency/residency.ts `analyticsPostgres`).
 */
export async function recordVerdict(db: PgDatabase, message: VerdictMessage): Promise<VerdictOutcome> {
  return db.transaction(async (tx) => {
    await tx.execute(dailyRollupsLock(message.account_id, "shared"));
    const where = and(eq(callFacts.accountId, message.account_id), eq(callFacts.callId, message.call_id));
    const [fact] = await tx.select({ succeeded: callFacts.succeeded, version: callFacts.analysisVersion }).from(callFacts).where(where).for("update");
    if (!fact) return "no-facts";
    if (fact.version !== null && fact.version >= message.analysis_version) return "stale";
    await tx.update(callFacts).set({ succeeded: message.succeeded, analysisVersion: message.analysis_version }).where(where);
    const judged = flag(message.succeeded !== null) - flag(fact.succeeded !== null);
    const succeeded = flag(message.succeeded === true) - flag(fact.succeeded === true);
    if (judged === 0 && succeeded === 0) return "recorded";
    // Hourly rows, then daily ones, each in key order, as the rollup upsert takes them (rollups.ts).
    for (const rollup of ROLLUPS) {
      const callRows = callRollupRows(message, rollup);
      await tx.execute(sql`select 1 from ${sql.raw(rollup.table)} r where exists (select 1 ${callRows}) order by r.grain for update of r`);
      await tx.execute(sql`update ${sql.raw(rollup.table)} r set judged_calls = r.judged_calls + ${judged}, succeeded_calls = r.succeeded_calls + ${succeeded} ${callRows}`);
    }
    return "recorded";
  });
}

/**
 * A daily row is matched in its own zone: the call counted in the day of the zone its rows were written in. Should
 * the account's zone have changed since (its rebuild still queued), a row of the new zone whose day holds the call's
 * start matches as well; reports do not read daily rows over a range with rows of two zones (analytics-report.ts),
 * and the rebuild replaces them all from the facts, so it is never read.
 */
const ROLLUPS = [
  { table: "call_rollups_hourly", period: "r.hour = date_trunc('hour', c.started_at, 'UTC')" },
  { table: "call_rollups_daily", period: "r.day = date_trunc('day', c.started_at, r.time_zone)" },
];

/** Each grain's row of the call's period holds the call's value of its own dimension (the others are null). */
const callRollupRows = (message: VerdictMessage, rollup: (typeof ROLLUPS)[number]) =>
  sql`from call_facts c where c.account_id = ${message.account_id} and c.call_id = ${message.call_id}
    and r.account_id = c.account_id and ${sql.raw(rollup.period)} and case r.grain
      when 'all' then true when 'agent' then r.agent_id = c.agent_id
      when 'agent_version' then r.agent_id = c.agent_id and r.agent_version = c.agent_version
      when 'number' then r.number = c.number when 'direction' then r.direction = c.direction
      else r.end_reason is not distinct from c.end_reason end`;
