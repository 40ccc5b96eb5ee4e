import { and, eq, inArray, sql } from "drizzle-orm";
import { database, nowIso, type Database } from "../db/client.ts";
import { insertSelect } from "../db/insert-select.ts";
import { accounts, calls } from "../db/schema.ts";
import type { CallParties } from "./call-identity.ts";
import { auditInsert, pokeAuditChainer, recordAudit } from "../audit/audit-entry.ts";
import { phonePseudonym } from "../audit/phone-pseudonym.ts";
import { callRecordsDb, callRecordsDbOf, regionOfCall, type Region } from "../residency/residency.ts";

export type CallRow = typeof calls.$inferSelect;

export interface NewCall extends CallParties {
  id: string;
  twilioCallSid: string | null;
  status: CallRow["status"];
}

type WaitUntil = (p: Promise<unknown>) => void;

/**
 * The audit log is global and an EU call's record is in DB_EU, so no batch spans both: the record is written first,
 * and its entry after it (a failure between them leaves a record without its entry, never an entry without its record).
 */
async function runRecordThenEntry(record: { run(): Promise<unknown> }, entry: { run(): Promise<unknown> }): Promise<void> {
  await record.run();
  await entry.run();
}

/**
 * The account's row in an EU records database, for the calls' foreign key: only its id and region (the account's
 * data stays in DB; README, Compliance: where data lives). Written with each new call, a no-op once there.
 */
export const accountAnchor = (db: Database, accountId: string) => db.insert(accounts).values({ id: accountId, name: "", region: "eu", createdAt: nowIso() }).onConflictDoNothing();

export async function insertCall(env: Env, call: NewCall): Promise<CallRow> {
  const now = nowIso();
  const db = database(callRecordsDbOf(env, call.id));
  if (regionOfCall(call.id) === "eu") await accountAnchor(db, call.accountId).run();
  return db
    .insert(calls)
    .values({
      id: call.id,
      accountId: call.accountId,
      agentId: call.agentId,
      agentVersion: call.agentVersion,
      direction: call.direction,
      fromNumber: call.from,
      toNumber: call.to,
      twilioCallSid: call.twilioCallSid,
      status: call.status,
      createdAt: now,
      startedAt: call.direction === "inbound" ? now : null,
    })
    .returning()
    .get();
}

/**
 * The first call recorded for a CallSid (by insertion order, so parallel duplicates agree on it), among `accountIds`'
 * calls where given. A CallSid names no region: each region's records are searched (an account's are all in one).
 */
export async function callWithSid(env: Env, callSid: string, accountIds?: string[]): Promise<CallRow | undefined> {
  for (const region of ["us", "eu"] satisfies Region[]) {
    const row = await database(callRecordsDb(env, region))
      .select()
      .from(calls)
      .where(and(eq(calls.twilioCallSid, callSid), accountIds && inArray(calls.accountId, accountIds)))
      .orderBy(sql`rowid`)
      .get();
    if (row) return row;
  }
  return undefined;
}

/** The person's number on a call (the caller inbound, the callee outbound); the other one is the tenant's own. */
const personNumber = (d: { direction: string; to?: string; from?: string }) => (d.direction === "inbound" ? "from" : "to") as "from" | "to";

/** A call record's audit detail with the person's number pseudonymised (shared/audit/phone-pseudonym.ts). */
export async function callAuditDetail<D extends { direction: string; to?: string; from?: string }>(env: Env, accountId: string, detail: D): Promise<D> {
  const key = personNumber(detail);
  const number = detail[key];
  return number ? { ...detail, [key]: await phonePseudonym(env.ENCRYPTION_KEY, accountId, number) } : detail;
}

/**
 * A call the platform placed on its own (a campaign's dial, a workflow's step): Twilio's sid on its record and its
 * `call.placed` audit entry in one batch, as `POST /v1/calls` commits them with its request.
 */
export async function recordPlacedCall(env: Env, waitUntil: WaitUntil, accountId: string, call: { id: string; callSid: string }, detail: { to: string; direction: "outbound" } & Record<string, unknown>): Promise<void> {
  const db = database(env.DB);
  const records = database(callRecordsDbOf(env, call.id));
  const update = records.update(calls).set({ twilioCallSid: call.callSid }).where(and(eq(calls.id, call.id), eq(calls.accountId, accountId)));
  const entry = auditInsert(db, { accountId, actor: "platform", action: "call.placed", resource: call.id, detail: await callAuditDetail(env, accountId, detail) });
  if (regionOfCall(call.id) === "us") await db.batch([update, entry]);
  else await runRecordThenEntry(update, entry);
  pokeAuditChainer(env, waitUntil, accountId);
}

/** A call the platform declined, recorded in the account's tamper-evident audit log with the reason. */
export async function auditCallRefusal(env: Env, waitUntil: WaitUntil, accountId: string, detail: { reason: string; call_sid?: string | null; to?: string; from?: string; direction: string }, requestId?: string) {
  await recordAudit(env, waitUntil, {
    accountId,
    actor: detail.direction === "inbound" ? "twilio" : "platform",
    action: "call.refused",
    resource: detail.call_sid ?? null,
    requestId: requestId ?? null,
    detail: await callAuditDetail(env, accountId, detail),
  });
}

/**
 * Records an inbound call the platform took, with its `call.accepted` audit entry, in one batch. The row is only
 * inserted while no call of the account has this CallSid (D1 runs the batch as one transaction), so a
 * duplicate delivered in parallel records nothing, entry included, and gets false.
 */
export async function recordAcceptedCall(env: Env, waitUntil: WaitUntil, call: NewCall & { direction: "inbound" }, requestId: string | null): Promise<boolean> {
  const db = database(env.DB);
  const records = database(callRecordsDbOf(env, call.id));
  const now = nowIso();
  const detail = await callAuditDetail(env, call.accountId, { call_id: call.id, call_sid: call.twilioCallSid, to: call.to, from: call.from, agent_version: call.agentVersion, direction: "inbound" });
  const insert = insertSelect(
    records,
    calls,
    { id: call.id, accountId: call.accountId, agentId: call.agentId, agentVersion: call.agentVersion, direction: "inbound", fromNumber: call.from, toNumber: call.to, twilioCallSid: call.twilioCallSid, status: call.status, createdAt: now, startedAt: now },
    sql`WHERE NOT EXISTS (SELECT 1 FROM ${calls} WHERE ${calls.twilioCallSid} = ${call.twilioCallSid} AND ${calls.accountId} = ${call.accountId})`,
  );
  const entry = { accountId: call.accountId, actor: "twilio", action: "call.accepted", resource: call.id, requestId, detail };
  let taken: boolean;
  if (regionOfCall(call.id) === "us") {
    const [inserted] = await db.batch([insert, auditInsert(db, entry, { ifPreviousChanged: true })]);
    taken = inserted.meta.changes > 0;
  } else {
    // As runRecordThenEntry, but the entry only for a row that was inserted.
    const [, inserted] = await records.batch([accountAnchor(records, call.accountId), insert]);
    taken = inserted.meta.changes > 0;
    if (taken) await auditInsert(db, entry).run();
  }
  if (taken) pokeAuditChainer(env, waitUntil, call.accountId);
  return taken;
}

/**
 * Undoes an admitted call that failed before it was answered (inbound) or placed at Twilio (outbound): its row
 * goes, with a `call.refused` entry saying so, in one batch. Only for a call whose object never received its
 * stream (nothing else refers to the row yet).
 */
export async function withdrawAcceptedCall(
  env: Env,
  waitUntil: WaitUntil,
  call: { id: string; accountId: string; callSid: string | null; direction: "inbound" | "outbound" },
  requestId: string | null,
): Promise<void> {
  const db = database(env.DB);
  const actor = call.direction === "inbound" ? "twilio" : "platform";
  const remove = database(callRecordsDbOf(env, call.id)).delete(calls).where(eq(calls.id, call.id));
  const entry = auditInsert(db, { accountId: call.accountId, actor, action: "call.refused", resource: call.callSid, requestId, detail: { reason: "internal_error", call_id: call.id, call_sid: call.callSid, direction: call.direction } });
  if (regionOfCall(call.id) === "us") await db.batch([remove, entry]);
  else await runRecordThenEntry(remove, entry);
  pokeAuditChainer(env, waitUntil, call.accountId);
}
