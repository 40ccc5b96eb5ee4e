import { and, eq, inArray, or } from "drizzle-orm";
import type { Database } from "../../../shared/db/client.ts";
import { callAnalyses, callEvents, calls, callTurns } from "../../../shared/db/schema.ts";

export type CallRow = typeof calls.$inferSelect;

/** D1 binds at most 100 parameters a statement: call ids go in groups this size beside the account id. */
const IDS_PER_STATEMENT = 90;

export const idGroups = (ids: string[]): string[][] => Array.from({ length: Math.ceil(ids.length / IDS_PER_STATEMENT) }, (_, i) => ids.slice(i * IDS_PER_STATEMENT, (i + 1) * IDS_PER_STATEMENT));

/** The account's calls with `phone` on the other end: the caller of an inbound call, the callee of an outbound one. */
export function personCalls(db: Database, accountId: string, phone: string): Promise<CallRow[]> {
  return db
    .select()
    .from(calls)
    .where(and(eq(calls.accountId, accountId), or(and(eq(calls.direction, "inbound"), eq(calls.fromNumber, phone)), and(eq(calls.direction, "outbound"), eq(calls.toNumber, phone)))))
    .orderBy(calls.createdAt)
    .all();
}

/** Everything D1 holds about these calls beside their rows: turns, events and analyses. */
export async function callRecords(db: Database, accountId: string, callIds: string[]) {
  const out = { turns: [] as (typeof callTurns.$inferSelect)[], events: [] as (typeof callEvents.$inferSelect)[], analyses: [] as (typeof callAnalyses.$inferSelect)[] };
  for (const ids of idGroups(callIds)) {
    const [turns, events, analyses] = await db.batch([
      db.select().from(callTurns).where(and(eq(callTurns.accountId, accountId), inArray(callTurns.callId, ids))).orderBy(callTurns.callId, callTurns.seq),
      db.select().from(callEvents).where(and(eq(callEvents.accountId, accountId), inArray(callEvents.callId, ids))).orderBy(callEvents.callId, callEvents.id),
      db.select().from(callAnalyses).where(and(eq(callAnalyses.accountId, accountId), inArray(callAnalyses.callId, ids))).orderBy(callAnalyses.callId, callAnalyses.analysisVersion),
    ]);
    out.turns.push(...turns);
    out.events.push(...events);
    out.analyses.push(...analyses);
  }
  return out;
}
