import { and, eq } from "drizzle-orm";
import { settleReservation } from "../../shared/billing/balance-snapshot.ts";
import { database } from "../../shared/db/client.ts";
import { calls, usageEvents } from "../../shared/db/schema.ts";
import type { PgDatabase, PostgresConfig } from "../../shared/pg/client.ts";
import { chargeCall, type CallCost } from "./call-charges.ts";
import { rechargeIfLow } from "./payments/auto-recharge.ts";
import { stripeClient } from "./payments/stripe-client.ts";
import type { MeteredCall } from "./pricing.ts";
import type { UsageMessage } from "./usage-message.ts";
import { callRecordsDbOf, regionOfCall } from "../../shared/residency/residency.ts";

export type Settlement =
  | { kind: "charged" | "already-charged"; cost: CallCost }
  /** The account has no billing side (no billing_accounts row): nothing is charged; the usage is still recorded in D1. */
  | { kind: "no-billing-account" }
  /** No such call on the account in D1: the message names a call that does not exist, so nothing can be priced. */
  | { kind: "unknown-call" };

/** Recording statuses under which no recording exists to pay for. */
const NO_RECORDING = new Set(["failed", "absent"]);

/**
 * Settles one finished call, in this order, each step idempotent so a redelivered message repeats them safely:
 *   1. price the usage and record the charge and its posting in Postgres (one transaction);
 *   2. push the ledger's balance to the account's gate (after the commit);
 *   3. copy the settled cost and the usage record to D1, so the call answers its cost while Postgres is down;
 *   4. recharge the account if the charge took it below its auto-recharge threshold (./payments/auto-recharge.ts).
 *      Here, not on a schedule: the charge is the posting that crosses, so the card is charged at once, and the
 *      recharge's own claim keeps it to one charge per crossing however often this runs.
 * Throws when a step fails (Postgres or D1 unreachable, an incomplete rate card): the consumer retries the message.
 */
export async function settleCall(env: Env & PostgresConfig, db: PgDatabase, message: UsageMessage): Promise<Settlement> {
  const d1 = database(env.DB);
  const records = database(callRecordsDbOf(env, message.call_id));
  const [call] = await records
    .select({ direction: calls.direction, recordingSid: calls.recordingSid, recordingStatus: calls.recordingStatus, recordingDurationSeconds: calls.recordingDurationSeconds })
    .from(calls)
    .where(and(eq(calls.id, message.call_id), eq(calls.accountId, message.account_id)))
    .limit(1);
  if (!call) return { kind: "unknown-call" };
  const charge = await chargeCall(db, { accountId: message.account_id, callId: message.call_id, usageEventId: message.id, agentId: message.agent_id, metered: meteredCall(message, call) });
  // The charge replaces the call's reservation in the gate, with the balance read after it committed.
  await settleReservation(env, message.account_id, message.call_id, db);
  const cost = charge.kind === "no-billing-account" ? [] : [records.update(calls).set({ cost: charge.cost }).where(eq(calls.id, message.call_id))];
  const usage = d1
    .insert(usageEvents)
    .values({ id: message.id, accountId: message.account_id, callId: message.call_id, endedAt: message.ended_at, durationSeconds: message.duration_seconds, usage: message.usage, receivedAt: new Date().toISOString() })
    .onConflictDoNothing();
  // Usage is billing data (global); an EU call's row is in DB_EU, which no batch with DB spans. Both writes are idempotent.
  if (regionOfCall(message.call_id) === "us") await d1.batch([usage, ...cost]);
  else await Promise.all([usage.run(), ...cost.map((s) => s.run())]);
  if (charge.kind !== "no-billing-account") await rechargeIfLow(env, stripeClient(env), db, message.account_id);
  return charge;
}

/**
 * A recording covers the call from when it started: until Twilio's recording callback has told its duration, the
 * call's billed duration stands in for it.
 */
function meteredCall(message: UsageMessage, call: { direction: "inbound" | "outbound"; recordingSid: string | null; recordingStatus: string | null; recordingDurationSeconds: number | null }): MeteredCall {
  const recorded = call.recordingSid !== null && !NO_RECORDING.has(call.recordingStatus ?? "");
  return {
    direction: call.direction,
    billedSeconds: message.duration_seconds,
    recordingSeconds: recorded ? (call.recordingDurationSeconds ?? message.duration_seconds ?? 0) : 0,
    sttSeconds: message.usage.stt_seconds,
    ttsCharacters: message.usage.tts_characters,
    llm: message.usage.llm,
  };
}
