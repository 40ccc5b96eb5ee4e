/**
 * The representative's identity check's outcome, from Stripe's `identity.verification_session.*` events (delivered
 * to POST /stripe/webhook): it joins the case's evidence for the operator. Sessions carry their account in
 * metadata; a redelivered event (same event id) adds nothing.
 */
import type Stripe from "stripe";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { CaseSealer } from "./case-sealing.ts";
import { lockCase, updateCase } from "./case-store.ts";
import type { Evidence } from "./verification-schemas.ts";

/** Marks a VerificationSession as ours: the representative's identity for a verification case. */
export const IDENTITY_SESSION_KIND = "verification_representative";

export type IdentityOutcome = { handled: true; detail: string } | { handled: false; reason: string };

export async function recordIdentityOutcome(keyRing: string, db: PgDatabase, eventId: string, session: Stripe.Identity.VerificationSession): Promise<IdentityOutcome> {
  const accountId = session.metadata?.account_id;
  if (!accountId || session.metadata?.kind !== IDENTITY_SESSION_KIND) return { handled: false, reason: "not ours" };
  const status = session.status as string;
  if (status !== "verified" && status !== "requires_input" && status !== "canceled") return { handled: false, reason: `session is ${status}` };
  const sealer = new CaseSealer(keyRing);
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, accountId);
    if (!current) return { handled: false, reason: "no verification case" };
    const evidence = await sealer.openEvidence(accountId, current.evidence);
    if (evidence.some((e) => e.kind === "identity" && e.event_id === eventId)) return { handled: true, detail: "identity evidence already recorded" };
    const identity: Evidence = { kind: "identity", at: new Date().toISOString(), event_id: eventId, session_id: session.id, status, error_code: session.last_error?.code ?? null };
    await updateCase(tx, accountId, { evidence: await sealer.sealEvidence(accountId, [...evidence, identity]) });
    return { handled: true, detail: `identity ${session.status} recorded` };
  });
}
