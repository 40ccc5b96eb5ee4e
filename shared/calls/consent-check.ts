import { and, desc, eq, lte, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { consentRecords, doNotCall } from "../db/schema.ts";

export type ConsentType = (typeof consentRecords.consentType.enumValues)[number];
export type ConsentRecordRow = typeof consentRecords.$inferSelect;

export const CONSENT_REASONS = ["opted_in", "no_record", "opted_out", "expired", "do_not_call"] as const;
export type ConsentReason = (typeof CONSENT_REASONS)[number];

export interface ConsentDecision {
  allowed: boolean;
  reason: ConsentReason;
  /** The record in force (the newest captured by `now`), whatever the reason; null when there is none. */
  record: ConsentRecordRow | null;
}

/**
 * May the account contact `phone` for `consentType` at `now`? The do-not-call list wins over any consent; otherwise
 * the newest record captured by `now` is in force: an unexpired opt-in allows, anything else refuses. Records are
 * append-only, so a revocation is simply a newer opt-out. On a tie in `captured_at` the opt-out wins: when two
 * records say opposite things at the same instant, not calling is the safe reading.
 */
export async function checkConsent(db: Database, accountId: string, phone: string, consentType: ConsentType, now: Date): Promise<ConsentDecision> {
  const at = now.toISOString();
  const [listed, records] = await db.batch([
    db.select({ phone: doNotCall.phone }).from(doNotCall).where(and(eq(doNotCall.accountId, accountId), eq(doNotCall.phone, phone))).limit(1),
    db
      .select()
      .from(consentRecords)
      .where(
        and(
          eq(consentRecords.accountId, accountId),
          eq(consentRecords.phone, phone),
          eq(consentRecords.consentType, consentType),
          lte(consentRecords.capturedAt, at),
        ),
      )
      .orderBy(desc(consentRecords.capturedAt), desc(sql`${consentRecords.status} = 'opted_out'`), desc(consentRecords.createdAt), desc(consentRecords.id))
      .limit(1),
  ]);
  const record = records[0] ?? null;
  if (listed.length > 0) return { allowed: false, reason: "do_not_call", record };
  if (!record) return { allowed: false, reason: "no_record", record };
  if (record.status === "opted_out") return { allowed: false, reason: "opted_out", record };
  if (record.expiresAt !== null && record.expiresAt <= at) return { allowed: false, reason: "expired", record };
  return { allowed: true, reason: "opted_in", record };
}
