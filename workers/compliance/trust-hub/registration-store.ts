import { and, eq, inArray, isNull, lt, notInArray, or } from "drizzle-orm";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { trustHubRegistrations, type TrustHubRegistration } from "../../../shared/pg/schema.ts";

/** A run holds its registration this long at most; a run that died frees it when the lease lapses. */
export const RUN_LEASE_MS = 2 * 60_000;

export type RegistrationPatch = Partial<Omit<typeof trustHubRegistrations.$inferInsert, "accountId" | "createdAt">>;

export async function insertRegistration(db: PgDatabase, row: typeof trustHubRegistrations.$inferInsert): Promise<void> {
  await db.insert(trustHubRegistrations).values(row).onConflictDoNothing({ target: trustHubRegistrations.accountId });
}

export async function readRegistration(db: Pick<PgDatabase, "select">, accountId: string): Promise<TrustHubRegistration | undefined> {
  const [row] = await db.select().from(trustHubRegistrations).where(eq(trustHubRegistrations.accountId, accountId));
  return row;
}

export async function registrationByBundle(db: PgDatabase, accountIds: string[], bundleSid: string): Promise<TrustHubRegistration | undefined> {
  if (accountIds.length === 0) return undefined;
  const [row] = await db
    .select()
    .from(trustHubRegistrations)
    .where(and(inArray(trustHubRegistrations.accountId, accountIds), or(eq(trustHubRegistrations.customerProfileSid, bundleSid), eq(trustHubRegistrations.trustProductSid, bundleSid))));
  return row;
}

/** Takes the run lease; undefined while another run holds it. */
export async function claimRegistration(db: PgDatabase, accountId: string, now: Date): Promise<TrustHubRegistration | undefined> {
  const [row] = await db
    .update(trustHubRegistrations)
    .set({ leaseUntil: new Date(now.getTime() + RUN_LEASE_MS) })
    .where(and(eq(trustHubRegistrations.accountId, accountId), or(isNull(trustHubRegistrations.leaseUntil), lt(trustHubRegistrations.leaseUntil, now))))
    .returning();
  return row;
}

export async function updateRegistration(db: PgDatabase, accountId: string, patch: RegistrationPatch): Promise<TrustHubRegistration> {
  const [row] = await db.update(trustHubRegistrations).set({ ...patch, updatedAt: new Date() }).where(eq(trustHubRegistrations.accountId, accountId)).returning();
  return row!;
}

/**
 * Sends a rejected registration back to the step that makes the rejected bundle, with the fixed business: the
 * profile's first step when Twilio rejected the profile, the trust product's when it rejected the product (the
 * approved profile stands). Undefined when the registration is not rejected (a concurrent resubmission took it).
 */
export async function reopenRejected(db: PgDatabase, accountId: string, business: { businessKeyId: string; businessCiphertext: string }): Promise<TrustHubRegistration | undefined> {
  const row = await readRegistration(db, accountId);
  if (row?.step !== "rejected") return undefined;
  const profileRejected = row.profileStatus === "twilio-rejected";
  const [reopened] = await db
    .update(trustHubRegistrations)
    .set({
      ...business,
      step: profileRejected ? "profile" : "trust_product",
      // Cleared so the new review's statuses count (a stored status only moves forward).
      ...(profileRejected ? { profileStatus: null } : { trustProductStatus: null }),
      failureReason: null,
      failedAttempts: 0,
      lastError: null,
      updatedAt: new Date(),
    })
    .where(and(eq(trustHubRegistrations.accountId, accountId), eq(trustHubRegistrations.step, "rejected")))
    .returning();
  return reopened;
}

/** Registrations a run could move on: neither finished nor waiting on a run that holds them. */
export async function unfinishedAccounts(db: PgDatabase, now: Date): Promise<string[]> {
  const rows = await db
    .select({ accountId: trustHubRegistrations.accountId })
    .from(trustHubRegistrations)
    .where(and(notInArray(trustHubRegistrations.step, ["done", "rejected"]), or(isNull(trustHubRegistrations.leaseUntil), lt(trustHubRegistrations.leaseUntil, now))));
  return rows.map((r) => r.accountId);
}
