import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { accounts } from "../../shared/db/schema.ts";
import { trialMinutesExhausted } from "../../shared/compliance/trial-gates.ts";
import { callAccountGate } from "../../shared/residency/residency.ts";
import { LEASE_TTL_MS } from "../account-gate.ts";
import type { CallMeta, CallStore } from "./call-store.ts";

/** Renewed well within the lease's lifetime, so one late alarm does not lose it. */
export const LEASE_RENEW_MS = LEASE_TTL_MS / 3;

/**
 * Why a renewal ends the call: it lost its slot to another call, its account's credit cannot cover more of it, or
 * its account is on trial and its calls (this one included) used the trial minutes.
 */
export type LeaseEnd = "lease_lost" | "insufficient_credit" | "trial_minutes_exhausted";

/**
 * Renews the call's concurrency lease (and, on a prepaid account, its credit reservation) in its account's gate. A
 * lease that lapsed (the gate reclaimed it) is taken again if the account has a free slot. A call of an account on
 * trial also ends once the account's calls, this one included, used the trial minutes. Null while the call may go
 * on; otherwise the end reason for the call to end politely with.
 */
export async function renewLease(env: Env, meta: CallMeta, store: CallStore): Promise<LeaseEnd | null> {
  const end = await renewSlot(env, meta, store);
  if (end) return end;
  if (await trialMinutesExhausted(env, meta.accountId)) {
    store.event("trial_minutes_exhausted", {});
    return "trial_minutes_exhausted";
  }
  return null;
}

async function renewSlot(env: Env, meta: CallMeta, store: CallStore): Promise<LeaseEnd | null> {
  const gate = callAccountGate(env, meta.accountId, meta.callId);
  const renewed = await gate.renew(meta.callId);
  if (renewed === "renewed") return null;
  if (renewed === "insufficient_credit") {
    store.event("insufficient_credit", {});
    return "insufficient_credit";
  }
  const account = await database(env.DB).select({ limit: accounts.maxConcurrentCalls }).from(accounts).where(eq(accounts.id, meta.accountId)).get();
  const again = await gate.admit(meta.callId, account?.limit ?? 0);
  if (again.admitted) {
    store.event("lease.readmitted", { active: again.active });
    return null;
  }
  if (again.reason === "insufficient_credit") {
    store.event("insufficient_credit", { readmission: true });
    return "insufficient_credit";
  }
  store.event("lease_lost", { reason: again.reason, active: again.active, limit: again.limit });
  return "lease_lost";
}
