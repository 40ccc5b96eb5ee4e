import { and, eq, inArray } from "drizzle-orm";
import type { ContactView } from "../../shared/campaigns/campaign-rpc.ts";
import { database } from "../../shared/db/client.ts";
import { callAnalyses } from "../../shared/db/schema.ts";
import { idGroups } from "../compliance/privacy/person-calls.ts";
import { accountRecordsDb } from "../../shared/residency/residency.ts";

/** The settled post-call analysis of a contact's latest analysed dial. */
export interface ContactAnalysis {
  call_id: string;
  succeeded: boolean | null;
  disposition: string | null;
}

/**
 * The analysis outcome of each contact on a page, read from D1 where the analysis consumer writes it: one query
 * per 90 dials, no copy in the campaign's object to keep in step (a re-analysis or an erasure shows at once).
 * Keyed by the contact's position; a contact none of whose dials has a settled analysis is absent.
 */
export async function contactAnalyses(env: Env, accountId: string, contacts: readonly ContactView[]): Promise<Map<number, ContactAnalysis>> {
  const callIds = contacts.flatMap((c) => c.attempts.filter((a) => a.status === "ended").map((a) => a.call_id));
  const latest = new Map<string, { version: number; succeeded: boolean | null; disposition: string | null }>();
  const db = database(await accountRecordsDb(env, accountId));
  for (const ids of idGroups(callIds)) {
    const rows = await db
      .select({ callId: callAnalyses.callId, version: callAnalyses.analysisVersion, succeeded: callAnalyses.succeeded, disposition: callAnalyses.disposition })
      .from(callAnalyses)
      .where(and(eq(callAnalyses.accountId, accountId), inArray(callAnalyses.callId, ids), eq(callAnalyses.status, "succeeded")))
      .all();
    for (const r of rows) if ((latest.get(r.callId)?.version ?? -1) < r.version) latest.set(r.callId, r);
  }
  const byContact = new Map<number, ContactAnalysis>();
  for (const c of contacts) {
    const analysed = c.attempts.findLast((a) => latest.has(a.call_id));
    if (!analysed) continue;
    const { succeeded, disposition } = latest.get(analysed.call_id)!;
    byContact.set(c.seq, { call_id: analysed.call_id, succeeded, disposition });
  }
  return byContact;
}
