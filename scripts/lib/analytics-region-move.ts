/**
 * Moves an EU account's call-derived analytics recorded in the global Postgres (DATABASE_URL) before they were kept
 * in the EU one (DATABASE_URL_EU; README, Compliance: where data lives): `npm run analytics:move-region`.
 *
 * Crash-safe by its order: the facts are copied into the EU database (ON CONFLICT DO NOTHING on their primary keys, so
 * a re-run or a partial earlier run copies only what is missing) and the account's hourly and daily rollups rebuilt
 * there from all its EU facts, in one EU transaction; only then are the copied facts and the account's rollups
 * deleted from the global database, in one global transaction. A crash at any point leaves every fact in at least
 * one database, and a re-run finishes the move.
 */
import { and, count, eq, gt, inArray, like, sql } from "drizzle-orm";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { EU_CALL_ID_PREFIX } from "../../shared/ids.ts";
import { callFacts, callRollups, callRollupsDaily, turnFacts } from "../../shared/pg/schema.ts";
import { analyticsSettings } from "../../workers/analytics/analytics-settings.ts";
import { dailyRollupsLock, rollUpCalls } from "../../workers/analytics/rollups.ts";

export interface AccountMove {
  accountId: string;
  /** call_facts and turn_facts rows found in the global database (copied, then deleted there, unless a dry run). */
  calls: number;
  turns: number;
  /** The account's rollup rows deleted from the global database (found there, in a dry run). */
  globalHourlyRows: number;
  globalDailyRows: number;
  /** The account's rollup rows in the EU database after the rebuild (null in a dry run: nothing rebuilt). */
  euHourlyRows: number | null;
  euDailyRows: number | null;
  /** The zone the EU daily rollups are cut in: the account's, from the global billing_accounts. */
  timeZone: string;
}

// Calls per page, and per insert and delete statement: ~9,500 parameters of Postgres's 65,535.
const CALLS_PER_PAGE = 500;
// turn_facts has 11 columns: 5,000 rows are 55,000 parameters.
const TURNS_PER_INSERT = 5000;

/**
 * The accounts whose facts in the global database include EU calls: an EU account's call ids carry the region
 * (`CAL-EU-…`, shared/ids.ts), so these are EU accounts without reading D1. An EU account whose facts there all
 * predate the region prefix is not found this way: it is named with `--account`.
 */
export async function euAccountsWithGlobalFacts(global: PgDatabase): Promise<string[]> {
  const rows = await global.selectDistinct({ accountId: callFacts.accountId }).from(callFacts).where(like(callFacts.callId, `${EU_CALL_ID_PREFIX}%`)).orderBy(callFacts.accountId);
  return rows.map((r) => r.accountId);
}

/** Moves one account's analytics from `global` to `eu` (see the module's comment); a dry run only counts them. */
export async function moveAccountAnalytics(global: PgDatabase, eu: PgDatabase, accountId: string, dryRun: boolean): Promise<AccountMove> {
  const { timeZone } = await analyticsSettings(global, accountId);
  const [globalHourlyRows, globalDailyRows] = await rollupRows(global, accountId);
  const found = { accountId, calls: 0, turns: 0, globalHourlyRows, globalDailyRows, timeZone };
  const movedCallIds: string[] = [];
  const copy = async (into: Pick<PgDatabase, "insert"> | null) => {
    for await (const page of globalPages(global, accountId)) {
      if (into) {
        await into.insert(callFacts).values(page.calls).onConflictDoNothing();
        for (const turns of chunks(page.turns, TURNS_PER_INSERT)) await into.insert(turnFacts).values(turns).onConflictDoNothing();
      }
      movedCallIds.push(...page.calls.map((c) => c.callId));
      found.calls += page.calls.length;
      found.turns += page.turns.length;
    }
  };
  if (dryRun) {
    await copy(null);
    return { ...found, euHourlyRows: null, euDailyRows: null };
  }
  if (globalHourlyRows === 0 && globalDailyRows === 0 && !(await hasGlobalFacts(global, accountId))) {
    return { ...found, ...(await euRollupRows(eu, accountId)) };
  }
  await eu.transaction(async (tx) => {
    // Holds off the account's live facts and verdicts (they take it shared) until its rollups are rebuilt.
    await tx.execute(dailyRollupsLock(accountId, "exclusive"));
    await copy(tx);
    await tx.delete(callRollups).where(eq(callRollups.accountId, accountId));
    await tx.delete(callRollupsDaily).where(eq(callRollupsDaily.accountId, accountId));
    await rollUpCalls(tx, sql`c.account_id = ${accountId}`, timeZone);
  });
  await global.transaction(async (tx) => {
    // turn_facts go with their call_facts row (the foreign key cascades).
    for (const ids of chunks(movedCallIds, CALLS_PER_PAGE)) await tx.delete(callFacts).where(and(eq(callFacts.accountId, accountId), inArray(callFacts.callId, ids)));
    await tx.delete(callRollups).where(eq(callRollups.accountId, accountId));
    await tx.delete(callRollupsDaily).where(eq(callRollupsDaily.accountId, accountId));
  });
  return { ...found, ...(await euRollupRows(eu, accountId)) };
}

/** The account's global facts, a page of calls at a time (in call id order) with their turns. */
async function* globalPages(global: PgDatabase, accountId: string) {
  for (let after = ""; ; ) {
    const calls = await global.select().from(callFacts).where(and(eq(callFacts.accountId, accountId), gt(callFacts.callId, after))).orderBy(callFacts.callId).limit(CALLS_PER_PAGE);
    if (calls.length === 0) return;
    const ids = calls.map((c) => c.callId);
    const turns = await global.select().from(turnFacts).where(and(eq(turnFacts.accountId, accountId), inArray(turnFacts.callId, ids)));
    yield { calls, turns };
    after = ids.at(-1)!;
  }
}

const hasGlobalFacts = async (global: PgDatabase, accountId: string) =>
  (await global.select({ callId: callFacts.callId }).from(callFacts).where(eq(callFacts.accountId, accountId)).limit(1)).length > 0;

async function rollupRows(db: PgDatabase, accountId: string): Promise<[number, number]> {
  const [[hourly], [daily]] = await Promise.all([
    db.select({ n: count() }).from(callRollups).where(eq(callRollups.accountId, accountId)),
    db.select({ n: count() }).from(callRollupsDaily).where(eq(callRollupsDaily.accountId, accountId)),
  ]);
  return [hourly!.n, daily!.n];
}

async function euRollupRows(eu: PgDatabase, accountId: string) {
  const [euHourlyRows, euDailyRows] = await rollupRows(eu, accountId);
  return { euHourlyRows, euDailyRows };
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
