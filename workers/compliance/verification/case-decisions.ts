/**
 * The operator's decisions on a case under review: approve, reject (a confirmed sanctions match must be one the
 * screening found), or ask the tenant for information. The decision joins the case's evidence and the audit chain.
 */
import type { PgDatabase } from "../../../shared/pg/client.ts";
import { ApiError, notFound } from "../../api/problem.ts";
import type { CaseSealer } from "./case-sealing.ts";
import { lockCase, updateCase, type CaseRow } from "./case-store.ts";
import type { RecordTransitions } from "./case-submission.ts";
import { assertTransition } from "./verification-states.ts";
import type { Evidence } from "./verification-schemas.ts";

export type CaseDecision = "approved" | "rejected" | "needs_info";

export interface DecisionRequest {
  decision: CaseDecision;
  reason: string;
  confirmedMatch?: { source: "sdn" | "consolidated"; ent_num: number };
}

export async function decideCase(db: PgDatabase, sealer: CaseSealer, accountId: string, request: DecisionRequest, record: RecordTransitions): Promise<CaseRow> {
  return db.transaction(async (tx) => {
    const current = await lockCase(tx, accountId);
    if (!current) throw notFound("verification case");
    assertTransition(current.state, request.decision);
    const evidence = await sealer.openEvidence(accountId, current.evidence);
    const confirmed = request.confirmedMatch;
    if (confirmed && !evidence.some((e) => e.kind === "sanctions_screening" && e.matches.some((m) => m.source === confirmed.source && m.ent_num === confirmed.ent_num))) {
      throw new ApiError("validation-error", "the confirmed match is not one the case's screening found", {
        errors: [{ path: "confirmed_match", message: "must name the source and ent_num of a match in the case's evidence", code: "unknown_match" }],
      });
    }
    const at = new Date();
    const decision: Evidence = { kind: "decision", at: at.toISOString(), decision: request.decision, reason: request.reason, confirmed_match: confirmed ?? null };
    const row = await updateCase(tx, accountId, {
      state: request.decision,
      decisionReason: request.reason,
      decidedAt: at,
      evidence: await sealer.sealEvidence(accountId, [...evidence, decision]),
    });
    await record([{ from: current.state, to: request.decision, reason: request.reason }], confirmed ? { confirmed_match: confirmed } : {});
    return row;
  });
}
