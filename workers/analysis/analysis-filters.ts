import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../../shared/db/client.ts";
import { callAnalyses } from "../../shared/db/schema.ts";
import type { CallAnalysis } from "../../shared/analysis/call-analysis-view.ts";

export interface AnalysisFilters {
  success?: "true" | "false";
  sentiment?: CallAnalysis["sentiment"];
  disposition?: string;
}

/** The row is its call's latest analysis (a re-run replaces the one before, and a queued one hides it). */
export const isLatestAnalysis = sql`NOT EXISTS (SELECT 1 FROM call_analyses AS newer WHERE newer.call_id = ${callAnalyses.callId} AND newer.analysis_version > ${callAnalyses.analysisVersion})`;

/**
 * The ids of the account's calls whose latest analysis succeeded with these values: a re-run replaces what the
 * list filters on, and a queued re-run leaves the call out until it is settled.
 */
export function latestAnalysisMatching(db: Database, accountId: string, q: AnalysisFilters) {
  return db
    .select({ id: callAnalyses.callId })
    .from(callAnalyses)
    .where(
      and(
        eq(callAnalyses.accountId, accountId),
        eq(callAnalyses.status, "succeeded"),
        q.success ? eq(callAnalyses.succeeded, q.success === "true") : undefined,
        q.sentiment ? eq(callAnalyses.sentiment, q.sentiment) : undefined,
        q.disposition ? eq(callAnalyses.disposition, q.disposition) : undefined,
        isLatestAnalysis,
      ),
    );
}
