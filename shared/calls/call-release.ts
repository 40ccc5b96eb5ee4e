import { releaseCall } from "./call-admission.ts";
import { withdrawAcceptedCall } from "./call-records.ts";

/**
 * Gives back what a call that failed after admission took, before Twilio had it: its call row, if written (with
 * a `call.refused` entry saying why), and its concurrency slot, each on its own so one failing keeps the other.
 */
export async function giveBackCall(
  env: Env,
  waitUntil: (p: Promise<unknown>) => void,
  call: { id: string; accountId: string; callSid: string | null; direction: "inbound" | "outbound" },
  recorded: boolean,
  requestId: string,
): Promise<void> {
  const steps = [releaseCall(env, call.accountId, call.id), recorded ? withdrawAcceptedCall(env, waitUntil, call, requestId) : Promise.resolve()];
  for (const result of await Promise.allSettled(steps)) {
    if (result.status === "rejected") console.error(JSON.stringify({ level: "error", message: `could not release a failed ${call.direction} call`, call_id: call.id, error: String(result.reason) }));
  }
}
