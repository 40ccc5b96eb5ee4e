import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { accounts } from "../../shared/db/schema.ts";
import { LEASE_TTL_MS } from "../account-gate.ts";
import type { CallMeta, CallStore } from "./call-store.ts";

/** Renewed well within the lease's lifetime, so one late alarm does not lose it. */
export const LEASE_RENEW_MS = LEASE_TTL_MS / 3;

/**
 * The call's concurrency lease in its account's gate. A lease that lapsed (the gate reclaimed it) is taken again if
 * the account has a free slot; true while the call holds a slot, false once it lost it to another call.
 */
export async function renewLease(env: Env, meta: CallMeta, store: CallStore): Promise<boolean> {
  const gate = env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(meta.accountId));
  if (await gate.renew(meta.callId)) return true;
  const account = await database(env.DB).select({ limit: accounts.maxConcurrentCalls }).from(accounts).where(eq(accounts.id, meta.accountId)).get();
  const again = await gate.admit(meta.callId, account?.limit ?? 0);
  if (again.admitted) {
    store.event("lease.readmitted", { active: again.active });
    return true;
  }
  store.event("lease_lost", { active: again.active, limit: again.limit });
  return false;
}
