/**
 * The tenant's side of a case: saving what it declares, and submitting it. Submission moves the case through
 * `submitted` and `screening` to `in_review` in one transaction: the names are screened against the newest loaded
 * sanctions lists, and whatever the result the operator decides (a match only puts its entries and scores in front
 * of them as evidence).
 */
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { DEFAULT_SCREENING_THRESHOLD, screenNames, type ScreeningMatch } from "../sanctions/screen-names.ts";
import type { CaseSealer } from "./case-sealing.ts";
import { insertCase, lockCase, readCase, updateCase, type CaseRow } from "./case-store.ts";
import { fixesRejectedTrustHub } from "./trust-hub-resubmission.ts";
import { assertEditable, assertTransition, type Transition } from "./verification-states.ts";
import type { Evidence, ScreeningMatchView, VerificationDetails } from "./verification-schemas.ts";
import { ApiError } from "../../api/problem.ts";

/** Records the transitions in the audit chain; runs inside the Postgres transaction, so a failed record undoes them. */
export type RecordTransitions = (transitions: Transition[], detail: Record<string, unknown>) => Promise<unknown>;

/**
 * Saves the declared details of a case that is `not_started` (creating it) or `needs_info`; `record` audits it. An
 * approved case whose Trust Hub registration Twilio rejected takes its fixed `trust_hub` part and address
 * (trust-hub-resubmission.ts): `resubmitTrustHub` then tells the caller to resubmit the registration.
 */
export async function saveDraft(db: PgDatabase, sealer: CaseSealer, accountId: string, details: VerificationDetails, record: () => Promise<unknown>): Promise<{ row: CaseRow; resubmitTrustHub: boolean }> {
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, accountId);
    const resubmitTrustHub = current !== undefined && (await fixesRejectedTrustHub(tx, sealer, current, details));
    if (current && !resubmitTrustHub) assertEditable(current.state);
    const row = current
      ? await updateCase(tx, accountId, { details: await sealer.sealDetails(accountId, details), country: details.registration.country })
      : await insertCase(tx, sealer, accountId, details);
    await record();
    return { row, resubmitTrustHub };
  });
}

/** The names screening looks at: the business's legal and trade names, its representative and its owners. */
export const screenedNames = (d: VerificationDetails) => [d.legal_name, ...d.trade_names, d.representative.name, ...d.beneficial_owners.map((o) => o.name)];

export const matchView = (m: ScreeningMatch): ScreeningMatchView => ({
  input: m.input,
  source: m.entry.source,
  ent_num: m.entry.entNum,
  listed_name: m.entry.name,
  matched_name: m.matchedName,
  matched_kind: m.matchedKind,
  score: Math.round(m.score * 10_000) / 10_000,
  type: m.entry.type,
  programs: m.entry.programs,
});

/** The screening threshold from configuration (SANCTIONS_MATCH_THRESHOLD), 0.90 when unset. */
export function screeningThreshold(configured: string | undefined): number {
  if (!configured) return DEFAULT_SCREENING_THRESHOLD;
  const value = Number(configured);
  if (!(value > 0 && value <= 1)) throw new Error(`SANCTIONS_MATCH_THRESHOLD must be a number in (0, 1], got ${configured}`);
  return value;
}

export async function submitCase(db: PgDatabase, sealer: CaseSealer, accountId: string, threshold: number, record: RecordTransitions): Promise<CaseRow> {
  const before = await readCase(db, accountId);
  if (!before) throw new ApiError("conflict", "there is no verification case to submit yet: PUT /v1/verification first");
  assertTransition(before.state, "submitted");
  const details = await sealer.openDetails(accountId, before.details);
  // Screened before the transaction (it reads the whole list); the state is checked again under the lock.
  const matches = (await screenNames(db, screenedNames(details), { threshold })).map(matchView);
  const at = new Date();
  const screening: Evidence = { kind: "sanctions_screening", at: at.toISOString(), threshold, screened_names: screenedNames(details).length, matches };
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, accountId);
    if (current!.updatedAt.getTime() !== before.updatedAt.getTime()) throw new ApiError("conflict", "the verification case changed while it was being submitted; submit again");
    const transitions: Transition[] = [
      { from: current!.state, to: "submitted", reason: "submitted by the tenant" },
      { from: "submitted", to: "screening", reason: `sanctions screening at threshold ${threshold}` },
      { from: "screening", to: "in_review", reason: matches.length ? `${matches.length} sanctions match(es) for the operator to review` : "no sanctions match; the operator reviews the case" },
    ];
    for (const t of transitions) assertTransition(t.from, t.to);
    const evidence = [...(await sealer.openEvidence(accountId, current!.evidence)), screening];
    const row = await updateCase(tx, accountId, { state: "in_review", evidence: await sealer.sealEvidence(accountId, evidence), submittedAt: at, decisionReason: null, decidedAt: null });
    await record(transitions, { sanctions_matches: matches.length });
    return row;
  });
}
