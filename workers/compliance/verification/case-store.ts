/**
 * The verification case's rows in Postgres: locked reads for a transition, the first save, and the views of a case
 * for its tenant and for the operator. Decrypting is the caller's sealer's.
 */
import { eq } from "drizzle-orm";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { verificationCases } from "../../../shared/pg/schema.ts";
import type { CaseSealer } from "./case-sealing.ts";
import type { Evidence, VerificationCase, VerificationDetails } from "./verification-schemas.ts";
import type { TrustHubView } from "../trust-hub/trust-hub.ts";

export type CaseRow = typeof verificationCases.$inferSelect;
export type CaseDb = Pick<PgDatabase, "select" | "insert" | "update">;

/** The case, locked until the transaction ends: its transitions take turns. */
export async function lockCase(tx: CaseDb, accountId: string): Promise<CaseRow | undefined> {
  const [row] = await tx.select().from(verificationCases).where(eq(verificationCases.accountId, accountId)).for("update").limit(1);
  return row;
}

export async function readCase(db: CaseDb, accountId: string): Promise<CaseRow | undefined> {
  const [row] = await db.select().from(verificationCases).where(eq(verificationCases.accountId, accountId)).limit(1);
  return row;
}

export async function insertCase(tx: CaseDb, sealer: CaseSealer, accountId: string, details: VerificationDetails): Promise<CaseRow> {
  const [row] = await tx
    .insert(verificationCases)
    .values({ accountId, state: "not_started", country: details.registration.country, details: await sealer.sealDetails(accountId, details), evidence: await sealer.sealEvidence(accountId, []) })
    .returning();
  return row!;
}

export async function updateCase(tx: CaseDb, accountId: string, changes: Partial<Omit<CaseRow, "accountId" | "createdAt">>): Promise<CaseRow> {
  const [row] = await tx
    .update(verificationCases)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(verificationCases.accountId, accountId))
    .returning();
  return row!;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * What the tenant reads: its declared details and the decision, not the evidence (screening stays the operator's);
 * `trustHub`: the Twilio Trust Hub registration's progress, where the caller read it.
 */
export async function caseView(sealer: CaseSealer, accountId: string, row: CaseRow | undefined, trustHub: TrustHubView | null = null): Promise<VerificationCase> {
  if (!row) return { account_id: accountId, state: "not_started", details: null, decision_reason: null, submitted_at: null, decided_at: null, updated_at: null, trust_hub: trustHub };
  return {
    account_id: accountId,
    state: row.state,
    details: await sealer.openDetails(accountId, row.details),
    decision_reason: row.decisionReason,
    submitted_at: iso(row.submittedAt),
    decided_at: iso(row.decidedAt),
    updated_at: iso(row.updatedAt),
    trust_hub: trustHub,
  };
}

export async function reviewedView(sealer: CaseSealer, row: CaseRow, trustHub: TrustHubView | null = null): Promise<VerificationCase & { evidence: Evidence[] }> {
  return { ...(await caseView(sealer, row.accountId, row, trustHub)), evidence: await sealer.openEvidence(row.accountId, row.evidence) };
}
