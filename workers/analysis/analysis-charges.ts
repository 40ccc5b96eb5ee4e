import { and, eq } from "drizzle-orm";
import type { AnalysisCost } from "../../shared/analysis/call-quality.ts";
import { pushBalanceSnapshot } from "../../shared/billing/balance-snapshot.ts";
import { database } from "../../shared/db/client.ts";
import { callAnalyses } from "../../shared/db/schema.ts";
import { withPostgres, type PgDatabase } from "../../shared/pg/client.ts";
import { postOnce } from "../../shared/pg/ledger-postings.ts";
import { analysisCharges, billingAccounts } from "../../shared/pg/schema.ts";
import { rateCard } from "../billing/call-charges.ts";
import { priceCall, type PricedLine } from "../billing/pricing.ts";
import { callRecordsDbOf } from "../../shared/residency/residency.ts";

export interface MeteredAnalysis {
  accountId: string;
  callId: string;
  analysisVersion: number;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

/**
 * Meters an analysis's model tokens as usage of its call. The call was settled before the analysis ran, so its
 * tokens are their own ledger line: an `analysis_charges` row and its `analysis_charge` posting (source
 * `call_analysis`, `<call>/<version>`), in one transaction, each a no-op when already there, priced with the model's
 * token rates from the account's rate card. A redelivery or a retry after a failure therefore charges nothing twice,
 * and a re-run (a new analysis version) charges its own tokens once. The cost is then copied to the analysis's D1
 * row, and the new balance pushed to the account's gate. An account without a billing side is not charged (null).
 * Throws when Postgres or D1 fails: the queue retries, and the retry finds what was already posted.
 */
export async function chargeAnalysis(env: Env, analysis: MeteredAnalysis): Promise<AnalysisCost | null> {
  if (analysis.inputTokens + analysis.outputTokens === 0) return null;
  const cost = await withPostgres(env, async (db) => {
    const charged = await recordCharge(db, analysis);
    if (charged) await pushBalanceSnapshot(env, analysis.accountId, db);
    return charged;
  });
  if (cost) {
    await database(callRecordsDbOf(env, analysis.callId))
      .update(callAnalyses)
      .set({ cost })
      .where(and(eq(callAnalyses.callId, analysis.callId), eq(callAnalyses.analysisVersion, analysis.analysisVersion), eq(callAnalyses.accountId, analysis.accountId)))
      .run();
  }
  return cost;
}

async function recordCharge(db: PgDatabase, a: MeteredAnalysis): Promise<AnalysisCost | null> {
  const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, a.accountId)).limit(1);
  if (!account) return null;
  const recorded = await recordedCost(db, a);
  if (recorded) return recorded;
  const usage = { input_tokens: a.inputTokens, output_tokens: a.outputTokens, cache_read_tokens: 0, cache_write_tokens: 0 };
  const priced = priceCall({ direction: "inbound", billedSeconds: null, recordingSeconds: 0, sttSeconds: 0, ttsCharacters: 0, llm: { [a.model]: usage } }, await rateCard(db, account), account.currency);
  return db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(analysisCharges)
      .values({ accountId: a.accountId, callId: a.callId, analysisVersion: a.analysisVersion, currency: priced.currency, totalMinor: priced.total_minor, lines: priced.lines })
      .onConflictDoNothing()
      .returning();
    // A concurrent delivery of the same analysis committed between the read above and this insert.
    if (!inserted) return (await recordedCost(tx, a))!;
    if (priced.total_minor > 0) {
      await postOnce(tx, { accountId: a.accountId, kind: "analysis_charge", debit: "customer_balance", credit: "revenue", amountMinor: priced.total_minor, currency: priced.currency, sourceType: "call_analysis", sourceId: `${a.callId}/${a.analysisVersion}` });
    }
    return costOf(inserted);
  });
}

async function recordedCost(db: Pick<PgDatabase, "select">, a: MeteredAnalysis): Promise<AnalysisCost | undefined> {
  const [row] = await db
    .select()
    .from(analysisCharges)
    .where(and(eq(analysisCharges.accountId, a.accountId), eq(analysisCharges.callId, a.callId), eq(analysisCharges.analysisVersion, a.analysisVersion)))
    .limit(1);
  return row && costOf(row);
}

const costOf = (row: typeof analysisCharges.$inferSelect): AnalysisCost => ({
  currency: row.currency,
  total_minor: row.totalMinor,
  lines: row.lines as PricedLine[],
  priced_at: row.pricedAt.toISOString(),
});
