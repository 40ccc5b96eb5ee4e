import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { userPhones } from "../db/user-phones-schema.ts";

/**
 * Why a `self_test` dial may not go to `to` (null when it may): such a call is a user testing an agent on their own
 * phone, so it goes only to the number that user verified (shared/db/user-phones-schema.ts), whoever else the
 * account may call. `userId` is the signed-in user placing it; an API key has no number of its own.
 */
export async function selfTestRefusal(db: Database, accountId: string, userId: string | null, to: string): Promise<string | null> {
  if (!userId) return "a self_test call is placed by a signed-in user to their own verified number; an API key has none, use consent_type outbound_calls";
  const own = await db
    .select({ phone: userPhones.phone })
    .from(userPhones)
    .where(and(eq(userPhones.userId, userId), eq(userPhones.accountId, accountId), eq(userPhones.status, "verified")))
    .get();
  if (!own) return "a self_test call goes to your own verified number, and you have none: verify it with POST /v1/users/{id}/phone first";
  if (own.phone !== to) return `a self_test call goes only to your own verified number (${own.phone}), not to ${to}`;
  return null;
}
