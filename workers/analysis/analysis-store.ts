import { and, asc, desc, eq, max } from "drizzle-orm";
import { database } from "../../shared/db/client.ts";
import { callAnalyses, calls, callTurns } from "../../shared/db/schema.ts";

export type AnalysisRow = typeof callAnalyses.$inferSelect;
export type SettledAnalysis = Pick<
  AnalysisRow,
  "status" | "reason" | "summary" | "structuredData" | "success" | "succeeded" | "sentiment" | "disposition" | "model" | "attempts" | "inputTokens" | "outputTokens" | "qualityScore" | "violationCount" | "quality"
>;

/** D1 access of the analysis: its rows, and the call and transcript it reads. */
export class AnalysisStore {
  readonly #db;

  constructor(db: D1Database) {
    this.#db = database(db);
  }

  find(accountId: string, callId: string, version: number): Promise<AnalysisRow | undefined> {
    return this.#db
      .select()
      .from(callAnalyses)
      .where(and(eq(callAnalyses.callId, callId), eq(callAnalyses.analysisVersion, version), eq(callAnalyses.accountId, accountId)))
      .get();
  }

  /** Every analysis of a call, newest first. */
  list(accountId: string, callId: string): Promise<AnalysisRow[]> {
    return this.#db
      .select()
      .from(callAnalyses)
      .where(and(eq(callAnalyses.callId, callId), eq(callAnalyses.accountId, accountId)))
      .orderBy(desc(callAnalyses.analysisVersion))
      .all();
  }

  async latestVersion(callId: string): Promise<number> {
    const row = await this.#db.select({ version: max(callAnalyses.analysisVersion) }).from(callAnalyses).where(eq(callAnalyses.callId, callId)).get();
    return row?.version ?? 0;
  }

  /** Claims (call, version) as queued; false when it already exists (another request claimed it). */
  async queue(row: Pick<AnalysisRow, "callId" | "analysisVersion" | "accountId" | "agentId" | "agentVersion">, now: string): Promise<boolean> {
    const inserted = await this.#db
      .insert(callAnalyses)
      .values({ ...row, status: "queued", createdAt: now })
      .onConflictDoNothing()
      .returning({ callId: callAnalyses.callId });
    return inserted.length > 0;
  }

  unqueue(callId: string, version: number): Promise<unknown> {
    return this.#db.delete(callAnalyses).where(and(eq(callAnalyses.callId, callId), eq(callAnalyses.analysisVersion, version), eq(callAnalyses.status, "queued"))).run();
  }

  /** Settles a queued analysis; false when it was no longer queued (a concurrent delivery settled it first). */
  async settle(callId: string, version: number, result: SettledAnalysis, now: string): Promise<boolean> {
    const updated = await this.#db
      .update(callAnalyses)
      .set({ ...result, completedAt: now })
      .where(and(eq(callAnalyses.callId, callId), eq(callAnalyses.analysisVersion, version), eq(callAnalyses.status, "queued")))
      .returning({ callId: callAnalyses.callId });
    return updated.length > 0;
  }

  call(accountId: string, callId: string) {
    return this.#db.select().from(calls).where(and(eq(calls.id, callId), eq(calls.accountId, accountId))).get();
  }

  turns(accountId: string, callId: string) {
    return this.#db
      .select({ role: callTurns.role, text: callTurns.text })
      .from(callTurns)
      .where(and(eq(callTurns.callId, callId), eq(callTurns.accountId, accountId)))
      .orderBy(asc(callTurns.seq))
      .all();
  }
}
