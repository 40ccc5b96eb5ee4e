import { and, asc, eq, gte, isNotNull, lt } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { agents, callAnalyses, calls } from "../../shared/db/schema.ts";
import { isLatestAnalysis } from "../analysis/analysis-filters.ts";

/** The most analyses one trend reads: a year of a busy agent's calls is summarised, not listed. */
export const MAX_TREND_ROWS = 50_000;

const qualityColumns = {
  callId: callAnalyses.callId,
  agentVersion: callAnalyses.agentVersion,
  analysisVersion: callAnalyses.analysisVersion,
  startedAt: calls.createdAt,
  qualityScore: callAnalyses.qualityScore,
  violationCount: callAnalyses.violationCount,
  quality: callAnalyses.quality,
};

/**
 * D1 reads of an agent's call quality: each call counts once, by its latest settled analysis that judged quality
 * (violation_count is set exactly when the agent had a `quality` config), placed by when the call started. The agent
 * is in `db`; its calls and analyses in `records`, the account's region's (shared/residency/).
 */
export class QualityStore {
  readonly #db;
  readonly #records;

  constructor(db: D1Database, records: D1Database) {
    this.#db = database(db);
    this.#records = database(records);
  }

  async agentExists(accountId: string, agentId: string): Promise<boolean> {
    return (await this.#db.select({ id: agents.id }).from(agents).where(and(eq(agents.id, agentId), eq(agents.accountId, accountId))).get()) !== undefined;
  }

  #judged(accountId: string, agentId: string) {
    return and(eq(callAnalyses.accountId, accountId), eq(callAnalyses.agentId, agentId), eq(callAnalyses.status, "succeeded"), isNotNull(callAnalyses.violationCount), isLatestAnalysis);
  }

  /** The agent's judged calls that started in [from, to), oldest first. */
  inRange(accountId: string, agentId: string, from: string, to: string) {
    return this.#records
      .select(qualityColumns)
      .from(callAnalyses)
      .innerJoin(calls, and(eq(calls.id, callAnalyses.callId), eq(calls.accountId, callAnalyses.accountId)))
      .where(and(this.#judged(accountId, agentId), gte(calls.createdAt, from), lt(calls.createdAt, to)))
      .orderBy(asc(calls.createdAt))
      .limit(MAX_TREND_ROWS)
      .all();
  }

  /** The agent's lowest-scoring calls (a scorecard was judged), lowest first. */
  lowestScoring(accountId: string, agentId: string, limit: number, agentVersion?: number) {
    return this.#records
      .select(qualityColumns)
      .from(callAnalyses)
      .innerJoin(calls, and(eq(calls.id, callAnalyses.callId), eq(calls.accountId, callAnalyses.accountId)))
      .where(and(this.#judged(accountId, agentId), isNotNull(callAnalyses.qualityScore), agentVersion === undefined ? undefined : eq(callAnalyses.agentVersion, agentVersion)))
      .orderBy(asc(callAnalyses.qualityScore), asc(calls.createdAt))
      .limit(limit)
      .all();
  }
}

export type QualityRow = Awaited<ReturnType<QualityStore["inRange"]>>[number];
