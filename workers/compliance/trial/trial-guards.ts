import { and, count, eq } from "drizzle-orm";
import type { Database } from "../../../shared/db/client.ts";
import { phoneNumbers } from "../../../shared/db/schema.ts";
import { isOnTrial, TRIAL_DETAILS } from "../../../shared/compliance/trial-gates.ts";
import { ApiError } from "../../api/problem.ts";

/** Refuses what an account on trial may not do at all (campaigns) with 403 `verification-required`. */
export async function refuseCampaignsOnTrial(db: Database, accountId: string): Promise<void> {
  if (await isOnTrial(db, accountId)) throw new ApiError("verification-required", TRIAL_DETAILS.campaigns);
}

/** An account on trial takes inbound calls on at most one number: a second one (bought or imported) is refused. */
export async function refuseSecondNumberOnTrial(db: Database, accountId: string): Promise<void> {
  if (!(await isOnTrial(db, accountId))) return;
  const held = await db
    .select({ n: count() })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.accountId, accountId), eq(phoneNumbers.status, "active")))
    .get();
  if ((held?.n ?? 0) >= 1) throw new ApiError("verification-required", TRIAL_DETAILS.second_number);
}
