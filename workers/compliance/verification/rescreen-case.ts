/**
 * Rescreening one approved case against one new list version. Only matches the case's evidence does not already hold
 * count: a match the operator saw and cleared when approving does not reopen the case at every new version. A new
 * match moves the case approved → in_review (`rescreen_match`) with the matches as evidence; the caller's `reopen`
 * restricts the account to the trial gates and audits it, inside this transaction. Each (case, version) is screened
 * once (`verification_rescreens`), so a redelivered message changes nothing.
 */
import { and, eq } from "drizzle-orm";
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { verificationRescreens } from "../../../shared/pg/schema.ts";
import type { ListVersion } from "../sanctions/list-store.ts";
import type { SanctionsIndex } from "../sanctions/sanctions-index.ts";
import { screenIndex } from "../sanctions/screen-names.ts";
import type { CaseSealer } from "./case-sealing.ts";
import { lockCase, updateCase } from "./case-store.ts";
import { matchView, screenedNames, type RecordTransitions } from "./case-submission.ts";
import type { Evidence, ScreeningMatchView } from "./verification-schemas.ts";
import { assertTransition, type Transition } from "./verification-states.ts";

export const RESCREEN_MATCH = "rescreen_match";

export type RescreenOutcome = "clear" | "match" | "not_approved" | "already_screened";

export interface RescreenTarget {
  accountId: string;
  version: ListVersion;
  /** The version's entries (read once per queue batch). */
  index: SanctionsIndex;
  threshold: number;
}

const matchKey = (m: Pick<ScreeningMatchView, "input" | "source" | "ent_num">) => `${m.source}:${m.ent_num}:${m.input}`;

export async function rescreenCase(db: PgDatabase, sealer: CaseSealer, target: RescreenTarget, reopen: RecordTransitions): Promise<RescreenOutcome> {
  const { accountId, version, threshold } = target;
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, accountId);
    const [done] = await tx
      .select({ outcome: verificationRescreens.outcome })
      .from(verificationRescreens)
      .where(and(eq(verificationRescreens.accountId, accountId), eq(verificationRescreens.versionId, version.id)))
      .limit(1);
    if (done) return "already_screened";
    const record = (outcome: "clear" | "match" | "not_approved", matchCount = 0) =>
      tx.insert(verificationRescreens).values({ accountId, versionId: version.id, outcome, matchCount });
    // Reopened by another version, or decided otherwise since it was queued: the operator already looks at it.
    if (current?.state !== "approved") {
      await record("not_approved");
      return "not_approved";
    }
    const details = await sealer.openDetails(accountId, current.details);
    const evidence = await sealer.openEvidence(accountId, current.evidence);
    const known = new Set(evidence.flatMap((e) => (e.kind === "sanctions_screening" ? e.matches.map(matchKey) : [])));
    const names = screenedNames(details);
    const matches = screenIndex(target.index, names, { threshold }).map(matchView).filter((m) => !known.has(matchKey(m)));
    if (matches.length === 0) {
      await record("clear");
      return "clear";
    }
    const at = new Date();
    const screening: Evidence = {
      kind: "sanctions_screening",
      at: at.toISOString(),
      threshold,
      screened_names: names.length,
      matches,
      list_version: { source: version.source, version_id: version.id },
    };
    const transition: Transition = { from: "approved", to: "in_review", reason: RESCREEN_MATCH };
    assertTransition(transition.from, transition.to);
    await updateCase(tx, accountId, { state: "in_review", evidence: await sealer.sealEvidence(accountId, [...evidence, screening]), decisionReason: null, decidedAt: null });
    await record("match", matches.length);
    await reopen([transition], { sanctions_matches: matches.length, list_version: screening.list_version });
    return "match";
  });
}
