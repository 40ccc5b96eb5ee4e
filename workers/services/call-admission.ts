import { eq } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { accounts } from "../../shared/db/schema.ts";

export type RefusalReason = "account_suspended" | "out_of_credit" | "concurrency_limit";

export interface Refusal {
  reason: RefusalReason;
  /** What the caller hears (inbound) or what the API says (outbound). */
  message: string;
}

const MESSAGES: Record<RefusalReason, string> = {
  account_suspended: "This number is not available right now. Goodbye.",
  out_of_credit: "This service is temporarily unavailable. Please try again later. Goodbye.",
  concurrency_limit: "All of our lines are busy right now. Please call back in a few minutes. Goodbye.",
};

/**
 * The account-level checks every new call passes: the account is active, has credit, and has a free
 * concurrent-call slot (taken atomically in the account's gate, keyed by call id).
 */
const accountGate = (env: Env, accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));

/** Gives back the slot `admitCall` took, for a call that will not happen after all. */
export const releaseCall = (env: Env, accountId: string, callId: string): Promise<void> => accountGate(env, accountId).release(callId);

export async function admitCall(env: Env, accountId: string, callId: string): Promise<Refusal | null> {
  const account = await database(env.DB).select().from(accounts).where(eq(accounts.id, accountId)).get();
  if (!account || account.status !== "active") return { reason: "account_suspended", message: MESSAGES.account_suspended };
  if (account.creditCents !== null && account.creditCents <= 0) return { reason: "out_of_credit", message: MESSAGES.out_of_credit };
  const admitted = await accountGate(env, accountId).admit(callId, account.maxConcurrentCalls);
  if (!admitted.admitted) return { reason: "concurrency_limit", message: MESSAGES.concurrency_limit };
  return null;
}
