import { eq } from "drizzle-orm";
import { database } from "../db/client.ts";
import { accounts } from "../db/schema.ts";
import type { GateRefusal } from "../../durable-objects/account-gate.ts";
import { callMinutesUsed, trialInboundNumber } from "../compliance/trial-gates.ts";
import { accountGate, callAccountGate } from "../residency/residency.ts";

export type RefusalReason = "account_suspended" | "trial_minutes_exhausted" | "trial_number_limit" | GateRefusal;

export interface Refusal {
  reason: RefusalReason;
  /** What the caller hears (inbound) or what the API says (outbound). */
  message: string;
}

const MESSAGES: Record<RefusalReason, string> = {
  account_suspended: "This number is not available right now. Goodbye.",
  trial_minutes_exhausted: "This number is not available right now. Goodbye.",
  trial_number_limit: "The number you have called is not in service. Goodbye.",
  insufficient_credit: "We're sorry, we can't take your call right now. Please try again later. Goodbye.",
  billing_suspended: "We're sorry, this service is not available right now. Please try again later. Goodbye.",
  concurrency_limit: "All of our lines are busy right now. Please call back in a few minutes. Goodbye.",
};

/** Gives back what `admitCall` took (the slot and any credit reservation), for a call that will not happen after all. */
export const releaseCall = (env: Env, accountId: string, callId: string): Promise<void> => callAccountGate(env, accountId, callId).withdraw(callId);

/**
 * The account-level checks every new call passes: the account is active (D1), then, in the account's gate, keyed by
 * call id and atomically: its billing is not suspended, it has a free concurrent-call slot, and a prepaid account
 * has the credit to reserve (./durable-objects/account-gate.ts). With `keepInboundReserve` the account's
 * `reserved_inbound` slots count as taken. An account on trial is refused once its calls used its trial minutes,
 * and an inbound call (`inboundTo`) to any of its numbers but the first (shared/compliance/trial-gates.ts). Money is decided from the gate's ledger snapshot
 * only: admission never waits on Postgres.
 */
export async function admitCall(env: Env, accountId: string, callId: string, opts: { keepInboundReserve?: boolean; inboundTo?: string } = {}): Promise<Refusal | null> {
  const db = database(env.DB);
  const account = await db.select().from(accounts).where(eq(accounts.id, accountId)).get();
  if (!account || account.status !== "active") return refusal("account_suspended");
  if (account.verification === "trial") {
    if (opts.inboundTo !== undefined && (await trialInboundNumber(db, accountId)) !== opts.inboundTo) return refusal("trial_number_limit");
    if ((await callMinutesUsed(env, accountId, account.region)) >= account.trialMinutes) return refusal("trial_minutes_exhausted");
  }
  // A campaign dial sees a smaller limit, so `reserved_inbound` slots stay free for callers.
  const limit = account.maxConcurrentCalls - (opts.keepInboundReserve ? account.reservedInbound : 0);
  const admitted = await accountGate(env, accountId, account.region).admit(callId, limit);
  return admitted.admitted ? null : refusal(admitted.reason);
}

const refusal = (reason: RefusalReason): Refusal => ({ reason, message: MESSAGES[reason] });
