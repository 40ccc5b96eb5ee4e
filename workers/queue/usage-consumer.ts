import { z } from "zod";
import { recordCallFacts } from "../analytics/call-facts.ts";
import { recordVerdict, VerdictMessage } from "../analytics/call-verdicts.ts";
import { DailyRollupsRebuildMessage, rebuildDailyRollups } from "../analytics/daily-rollups-rebuild.ts";
import { PricingError } from "../billing/pricing.ts";
import { settleCall } from "../billing/settlement.ts";
import { UsageMessage } from "../billing/usage-message.ts";
import { withPostgresPools } from "../../shared/pg/client.ts";
import { postgresError } from "../../shared/pg/errors.ts";
import { accountRegion, analyticsPostgres, regionOfCall, RegionDatabaseUnset, type Region } from "../../shared/residency/residency.ts";

/**
 * Growing retry delays, so usage outlives a Postgres outage: 30 s doubling per attempt, capped at an hour.
 * wrangler.toml's max_retries is sized from it (see there); after the last retry the message goes to the
 * dead-letter queue, whose consumer keeps it in D1 for a redrive.
 */
const FIRST_RETRY_DELAY_S = 30;
const MAX_RETRY_DELAY_S = 3_600;

/** `attempts` is 1 on the first delivery. */
export const retryDelaySeconds = (attempts: number): number => Math.min(MAX_RETRY_DELAY_S, FIRST_RETRY_DELAY_S * 2 ** Math.max(0, attempts - 1));

/**
 * A failure of this message alone (Postgres refused a statement, its rate card is incomplete, its region's database
 * is not configured), not of the connection.
 */
const failsAlone = (error: unknown) => error instanceof PricingError || error instanceof RegionDatabaseUnset || postgresError(error) !== undefined;

/**
 * What the `call-events` queue carries: a finished call's usage, and later its analyses' verdicts; and, after an
 * account's time zone changes, the rebuild of its daily rollups.
 */
const CallEventMessage = z.discriminatedUnion("type", [UsageMessage, VerdictMessage, DailyRollupsRebuildMessage]);

const log = (level: "warn" | "error", message: string, data: Record<string, unknown>) => console[level](JSON.stringify({ level, message, ...data }));

/**
 * Settles each finished call's usage (workers/billing/settlement.ts) over one Postgres pool per batch. Delivery is
 * at-least-once and settlement idempotent, so a redelivered message changes nothing. A malformed message is
 * acknowledged and logged, never retried; any failure (Postgres down, an incomplete rate card) retries the message
 * with a growing delay. A verdict message (workers/analytics/call-verdicts.ts) sets the verdict on the call's facts;
 * one that arrives before them waits with the same delays. A rebuild message recuts an account's daily rollups in its
 * new zone (workers/analytics/daily-rollups-rebuild.ts). Money is settled in the global database; facts, verdicts and
 * rollups go to the call's region's analytics database (an EU call's to DATABASE_URL_EU, never the global one: while
 * it is not set, an EU message is retried). The first failure that is not the message's own retries the rest of the
 * batch unread: Postgres (or D1) is unreachable, and each message would only wait for the same refusal.
 */
export async function consumeUsage(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const pending = new Set(batch.messages);
  const retryPending = (error: unknown) => {
    for (const message of pending) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    log("error", "usage not settled; retrying", { messages: pending.size, error: String(error) });
    pending.clear();
  };
  try {
    await withPostgresPools(async (open) => {
      const db = open(env);
      const analytics = (region: Region) => open(analyticsPostgres(env, region));
      for (const message of batch.messages) {
        const parsed = CallEventMessage.safeParse(message.body);
        if (!parsed.success) {
          log("error", "malformed usage event dropped", { id: message.id, issues: parsed.error.issues.length });
          message.ack();
          pending.delete(message);
          continue;
        }
        try {
          if (parsed.data.type === "call.verdict") {
            if ((await recordVerdict(analytics(regionOfCall(parsed.data.call_id)), parsed.data)) === "no-facts") message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
            else message.ack();
            pending.delete(message);
            continue;
          }
          if (parsed.data.type === "analytics.daily_rebuild") {
            await rebuildDailyRollups(analytics(await accountRegion(env, parsed.data.account_id)), db, parsed.data);
            message.ack();
            pending.delete(message);
            continue;
          }
          const settled = await settleCall(env, db, parsed.data);
          if (settled.kind === "no-billing-account" || settled.kind === "unknown-call") log("warn", "usage not charged", { id: parsed.data.id, account_id: parsed.data.account_id, reason: settled.kind });
          // After the charge, so facts carry its cost; a failure here retries the message, whose settlement is then a no-op.
          await recordCallFacts(env, { billing: db, analytics: analytics(regionOfCall(parsed.data.call_id)) }, parsed.data);
          message.ack();
          pending.delete(message);
        } catch (error) {
          if (!failsAlone(error)) return retryPending(error);
          message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
          pending.delete(message);
          log("error", "usage not settled; retrying", { id: message.id, account_id: parsed.data.account_id, call_id: "call_id" in parsed.data ? parsed.data.call_id : undefined, error: String(error) });
        }
      }
    });
  } catch (error) {
    // Ending the pool failed after every message was settled or retried; anything left is retried.
    if (pending.size > 0) retryPending(error);
  }
}
