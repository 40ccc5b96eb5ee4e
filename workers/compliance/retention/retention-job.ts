import { and, eq, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { accountRegion, analyticsPostgres, callRecordsDb, callSession } from "../../../shared/residency/residency.ts";
import { database } from "../../../shared/db/client.ts";
import { retentionPolicies, retentionRuns } from "../../../shared/db/privacy-schema.ts";
import { callAnalyses, callEvents, calls, callTurns } from "../../../shared/db/schema.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { turnFacts } from "../../../shared/pg/schema.ts";
import { deleteRecordings } from "../privacy/erasure.ts";
import { idGroups } from "../privacy/person-calls.ts";

const DAY_MS = 86_400_000;
/** Calls handled per account, kind and run: an hourly job works through a backlog without outgrowing one invocation. */
const CALLS_PER_RUN = 200;

type Policy = typeof retentionPolicies.$inferSelect;

/** A call's age counts from its end, or its creation when it never ended. */
const DUE_SQL = `SELECT c.id, c.recording_sid FROM calls c WHERE c.account_id = ?1 AND coalesce(c.ended_at, c.created_at) < ?2`;

async function dueCalls(db: D1Database, accountId: string, cutoff: string, holding: string): Promise<{ id: string; recording_sid: string | null }[]> {
  const { results } = await db.prepare(`${DUE_SQL} AND ${holding} ORDER BY c.created_at LIMIT ${CALLS_PER_RUN}`).bind(accountId, cutoff).all<{ id: string; recording_sid: string | null }>();
  return results;
}

const cutoffOf = (now: Date, days: number | null) => (days === null ? null : new Date(now.getTime() - days * DAY_MS).toISOString());

/**
 * Deletes, for every account with a retention policy, what the policy no longer allows: transcripts (D1 turns, the
 * Postgres per-turn facts in the account's region's analytics database, and the call objects' last state, which names the caller), recordings (at Twilio, then
 * the call row's reference), call events and analyses. The call rows themselves stay, for billing and usage. Each
 * account with deletions gets a `retention_runs` row, in the same D1 batch as its deletions.
 */
export async function applyRetention(env: Env, now: Date): Promise<Record<string, number>> {
  const db = database(env.DB);
  const policies = await db.select().from(retentionPolicies).all();
  const total = { accounts: 0, transcript_turns: 0, recordings: 0, call_events: 0, analyses: 0, turn_facts: 0, call_objects: 0 };
  for (const policy of policies) {
    const deleted = await applyPolicy(env, policy, now);
    if (!deleted) continue;
    total.accounts++;
    for (const key of Object.keys(deleted) as (keyof typeof deleted)[]) total[key] += deleted[key];
  }
  return total;
}

async function applyPolicy(env: Env, policy: Policy, now: Date) {
  const db = database(env.DB);
  const accountId = policy.accountId;
  // The policy and its runs are global; the calls it applies to are in the account's region.
  const region = await accountRegion(env, accountId);
  const records = callRecordsDb(env, region);
  const rdb = database(records);
  const cutoffs = {
    transcripts: cutoffOf(now, policy.transcriptsDays),
    recordings: cutoffOf(now, policy.recordingsDays),
    call_events: cutoffOf(now, policy.callEventsDays),
    analysis: cutoffOf(now, policy.analysisDays),
  };
  const transcriptCalls = cutoffs.transcripts ? await dueCalls(records, accountId, cutoffs.transcripts, "EXISTS (SELECT 1 FROM call_turns t WHERE t.call_id = c.id)") : [];
  const recordedCalls = cutoffs.recordings ? await dueCalls(records, accountId, cutoffs.recordings, "c.recording_sid IS NOT NULL") : [];
  const eventCalls = cutoffs.call_events ? await dueCalls(records, accountId, cutoffs.call_events, "EXISTS (SELECT 1 FROM call_events e WHERE e.call_id = c.id)") : [];
  const analysedCalls = cutoffs.analysis ? await dueCalls(records, accountId, cutoffs.analysis, "EXISTS (SELECT 1 FROM call_analyses a WHERE a.call_id = c.id)") : [];
  if (transcriptCalls.length + recordedCalls.length + eventCalls.length + analysedCalls.length === 0) return null;

  // Outside D1 first: each step finds the same rows again if a later one fails, so the next run finishes it.
  await deleteRecordings(env, accountId, recordedCalls.map((c) => c.recording_sid!));
  const transcriptIds = transcriptCalls.map((c) => c.id);
  let turnFactRows = 0;
  if (transcriptIds.length > 0) {
    turnFactRows = await withPostgres(analyticsPostgres(env, region), async (pg) => {
      let n = 0;
      for (const ids of idGroups(transcriptIds)) n += (await pg.delete(turnFacts).where(and(eq(turnFacts.accountId, accountId), inArray(turnFacts.callId, ids))).returning({ turn: turnFacts.turn })).length;
      return n;
    });
  }

  const counts = { transcript_turns: 0, recordings: recordedCalls.length, call_events: 0, analyses: 0, turn_facts: turnFactRows, call_objects: 0 };
  const statements: BatchItem<"sqlite">[] = [];
  for (const ids of idGroups(transcriptIds)) counts.transcript_turns += await rdb.$count(callTurns, and(eq(callTurns.accountId, accountId), inArray(callTurns.callId, ids)));
  for (const ids of idGroups(eventCalls.map((c) => c.id))) counts.call_events += await rdb.$count(callEvents, and(eq(callEvents.accountId, accountId), inArray(callEvents.callId, ids)));
  for (const ids of idGroups(analysedCalls.map((c) => c.id))) counts.analyses += await rdb.$count(callAnalyses, and(eq(callAnalyses.accountId, accountId), inArray(callAnalyses.callId, ids)));
  for (const ids of idGroups(transcriptIds)) statements.push(rdb.delete(callTurns).where(and(eq(callTurns.accountId, accountId), inArray(callTurns.callId, ids))));
  for (const ids of idGroups(eventCalls.map((c) => c.id))) statements.push(rdb.delete(callEvents).where(and(eq(callEvents.accountId, accountId), inArray(callEvents.callId, ids))));
  for (const ids of idGroups(analysedCalls.map((c) => c.id))) statements.push(rdb.delete(callAnalyses).where(and(eq(callAnalyses.accountId, accountId), inArray(callAnalyses.callId, ids))));
  for (const ids of idGroups(recordedCalls.map((c) => c.id))) {
    statements.push(rdb.update(calls).set({ recordingSid: null, recordingStatus: "deleted" }).where(and(eq(calls.accountId, accountId), inArray(calls.id, ids))));
  }
  for (const id of transcriptIds) if (await callSession(env, id).forget()) counts.call_objects++;
  const ranAt = now.toISOString();
  const applied = Object.fromEntries(Object.entries(cutoffs).filter((e): e is [string, string] => e[1] !== null));
  const run = db.insert(retentionRuns).values({ accountId, ranAt, cutoffs: applied, deleted: counts });
  if (region === "us") await db.batch([run, ...statements]);
  else {
    // No batch spans DB and DB_EU: the deletions go first, so a run is only recorded once they happened.
    await rdb.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    await run.run();
  }
  return counts;
}
