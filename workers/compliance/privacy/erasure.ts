import { verifiedNumbers } from "../../../shared/db/verified-numbers-schema.ts";
import { userPhones } from "../../../shared/db/user-phones-schema.ts";
import { and, desc, eq, inArray, like, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { accountRegion, callRecordsDb, callSession } from "../../../shared/residency/residency.ts";
import { database } from "../../../shared/db/client.ts";
import { privacyTombstones } from "../../../shared/db/privacy-schema.ts";
import { callAnalyses, callEvents, calls, callTurns, consentRecords, deadLetters, doNotCall, idempotencyKeys, securityEvents } from "../../../shared/db/schema.ts";
import { webhookAttempts, webhookMessages } from "../../../shared/db/webhooks-schema.ts";
import { TwilioApiError } from "../../../shared/twilio/twilio-client.ts";
import { twilioClient, twilioCredentialsForAccount } from "../../../shared/twilio/twilio-credentials.ts";
import { ApiError } from "../../api/problem.ts";
import { findTombstone } from "../../../shared/compliance/phone-tombstone.ts";
import { eraseCampaignContacts, workflowRunScrub } from "./automation-erasure.ts";
import { callRecords, idGroups, personCalls } from "./person-calls.ts";

export interface ErasureReceipt {
  phone_hash: string;
  erased_at: string;
  removed: {
    transcript_turns: number;
    call_events: number;
    analyses: number;
    recordings: number;
    consent_records: number;
    do_not_call_entry: boolean;
    webhook_messages: number;
    stored_responses: number;
    security_events: number;
    dead_letters: number;
    call_objects: number;
    /** Campaigns whose contact of this number was deleted (never dialled) or kept under its hash (dialled). */
    campaign_contacts: number;
    /** Workflow runs whose step records named the number, now under its hash. */
    workflow_runs: number;
  };
  /** Calls kept for billing and usage, with the number replaced by its hash. */
  calls_pseudonymised: number;
  /** The refusals the tombstone keeps. */
  kept: { do_not_call: boolean; refused_consent_types: string[] };
}

/**
 * Deletes what the platform holds about `phone` in one account, and what it cannot delete it pseudonymises:
 *  1. the person's call recordings at Twilio (first: a refusal there leaves everything as it was, to retry);
 *  2. in one D1 batch with its audit entry: their calls' turns, events and analyses; their consent history and
 *     do-not-call entry; stored webhook messages, idempotent responses, security events and dead letters that name
 *     them; the number in the call rows (kept for billing) replaced by its hash; the tombstone;
 *  3. the delivered calls' objects, whose tombstones name them; the account's campaigns' objects, which hold their
 *     contacts; workflow run records naming the number are scrubbed in step 2 (outputs keep ids only).
 * Analytics in Postgres hold no caller's number (call_facts keeps the account's own), so nothing is done there.
 */
export async function erasePerson(
  env: Env,
  accountId: string,
  phone: string,
  phoneHash: string,
  /** Commits the statements with the request's audit entry, whose detail is the receipt's counts. */
  commit: (statements: BatchItem<"sqlite">[], detail: Record<string, unknown>) => Promise<unknown>,
  now = new Date(),
): Promise<ErasureReceipt> {
  const db = database(env.DB);
  const region = await accountRegion(env, accountId);
  const callsDb = database(callRecordsDb(env, region));
  const erasedAt = now.toISOString();
  const personal = await personCalls(callsDb, accountId, phone);
  const callIds = personal.map((c) => c.id);
  const recorded = personal.filter((c) => c.recordingSid);
  await deleteRecordings(env, accountId, recorded.map((c) => c.recordingSid!));

  const records = await callRecords(callsDb, accountId, callIds);
  const history = await db.select().from(consentRecords).where(and(eq(consentRecords.accountId, accountId), eq(consentRecords.phone, phone))).orderBy(desc(consentRecords.capturedAt)).all();
  const listed = await db.select().from(doNotCall).where(and(eq(doNotCall.accountId, accountId), eq(doNotCall.phone, phone))).get();
  const previous = await findTombstone(db, env.ENCRYPTION_KEY, accountId, phone);
  // The newest record of each type is the one in force: an opt-out then is a refusal to keep.
  const inForce = new Map<string, string>();
  for (const r of history) if (!inForce.has(r.consentType)) inForce.set(r.consentType, r.status);
  const refused = [...new Set([...(previous?.refusedConsentTypes ?? []), ...[...inForce].filter(([, s]) => s === "opted_out").map(([t]) => t)])].sort();
  const keepDoNotCall = !!listed || !!previous?.doNotCall;

  const mentions = `%${phone}%`;
  const webhookRows = await db.select({ id: webhookMessages.id }).from(webhookMessages).where(and(eq(webhookMessages.accountId, accountId), like(webhookMessages.payload, mentions))).all();
  const counted = <T extends { count: number }>(row: T | undefined) => row?.count ?? 0;
  const [storedResponses, security, letters] = await db.batch([
    db.select({ count: sql<number>`count(*)` }).from(idempotencyKeys).where(and(eq(idempotencyKeys.accountId, accountId), like(idempotencyKeys.responseBody, mentions))),
    db.select({ count: sql<number>`count(*)` }).from(securityEvents).where(and(eq(securityEvents.accountId, accountId), like(securityEvents.detail, mentions))),
    db.select({ count: sql<number>`count(*)` }).from(deadLetters).where(and(like(deadLetters.body, mentions), like(deadLetters.body, `%${accountId}%`))),
  ]);

  const runs = await workflowRunScrub(db, accountId, phone, phoneHash, callIds);
  const callStatements: BatchItem<"sqlite">[] = [];
  for (const ids of idGroups(callIds)) {
    callStatements.push(callsDb.delete(callTurns).where(and(eq(callTurns.accountId, accountId), inArray(callTurns.callId, ids))));
    callStatements.push(callsDb.delete(callEvents).where(and(eq(callEvents.accountId, accountId), inArray(callEvents.callId, ids))));
    callStatements.push(callsDb.delete(callAnalyses).where(and(eq(callAnalyses.accountId, accountId), inArray(callAnalyses.callId, ids))));
    callStatements.push(callsDb.update(calls).set({ recordingSid: null, recordingStatus: null }).where(and(eq(calls.accountId, accountId), inArray(calls.id, ids))));
  }
  callStatements.push(
    callsDb.update(calls).set({ fromNumber: phoneHash }).where(and(eq(calls.accountId, accountId), eq(calls.fromNumber, phone))),
    callsDb.update(calls).set({ toNumber: phoneHash }).where(and(eq(calls.accountId, accountId), eq(calls.toNumber, phone))),
  );
  // An EU account's call records are in DB_EU, which the audit entry's batch cannot span: they are erased first.
  if (region === "eu") await callsDb.batch(callStatements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  const statements: BatchItem<"sqlite">[] = [...runs.statements, ...(region === "us" ? callStatements : [])];
  statements.push(
    db.delete(consentRecords).where(and(eq(consentRecords.accountId, accountId), eq(consentRecords.phone, phone))),
    db.delete(doNotCall).where(and(eq(doNotCall.accountId, accountId), eq(doNotCall.phone, phone))),
    // A verified callee number is the person's too: a trial account verifies them again if it must call them.
    db.delete(verifiedNumbers).where(and(eq(verifiedNumbers.accountId, accountId), eq(verifiedNumbers.phone, phone))),
    // So is a console user's own number ("Call me"): the user proves it again to be called on it.
    db.delete(userPhones).where(and(eq(userPhones.accountId, accountId), eq(userPhones.phone, phone))),
    db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.accountId, accountId), like(idempotencyKeys.responseBody, mentions))),
    db.delete(securityEvents).where(and(eq(securityEvents.accountId, accountId), like(securityEvents.detail, mentions))),
    db.delete(deadLetters).where(and(like(deadLetters.body, mentions), like(deadLetters.body, `%${accountId}%`))),
    db
      .insert(privacyTombstones)
      .values({ accountId, phoneHash: previous?.phoneHash ?? phoneHash, doNotCall: keepDoNotCall, refusedConsentTypes: refused, erasedAt })
      .onConflictDoUpdate({ target: [privacyTombstones.accountId, privacyTombstones.phoneHash], set: { doNotCall: keepDoNotCall, refusedConsentTypes: refused, erasedAt } }),
  );
  for (const ids of idGroups(webhookRows.map((w) => w.id))) {
    statements.push(db.delete(webhookAttempts).where(and(eq(webhookAttempts.accountId, accountId), inArray(webhookAttempts.messageId, ids))));
    statements.push(db.delete(webhookMessages).where(and(eq(webhookMessages.accountId, accountId), inArray(webhookMessages.id, ids))));
  }
  const removed = {
    transcript_turns: records.turns.length,
    call_events: records.events.length,
    analyses: records.analyses.length,
    recordings: recorded.length,
    consent_records: history.length,
    do_not_call_entry: !!listed,
    webhook_messages: webhookRows.length,
    stored_responses: counted(storedResponses[0]),
    security_events: counted(security[0]),
    dead_letters: counted(letters[0]),
    workflow_runs: runs.runs,
  };
  await commit(statements, { removed, calls_pseudonymised: personal.length });

  let forgotten = 0;
  for (const id of callIds) if (await callSession(env, id).forget()) forgotten++;
  const campaignContacts = await eraseCampaignContacts(env, db, accountId, phone, phoneHash, now);

  return {
    phone_hash: phoneHash,
    erased_at: erasedAt,
    removed: { ...removed, call_objects: forgotten, campaign_contacts: campaignContacts },
    calls_pseudonymised: personal.length,
    kept: { do_not_call: keepDoNotCall, refused_consent_types: refused },
  };
}

/** Deletes recordings at Twilio; one already gone (404) counts as deleted. */
export async function deleteRecordings(env: Env, accountId: string, recordingSids: string[]): Promise<void> {
  if (recordingSids.length === 0) return;
  const creds = await twilioCredentialsForAccount(env, accountId);
  if (!creds) throw new ApiError("conflict", "the account's Twilio credentials are needed to delete its call recordings (PUT /v1/accounts/me/credentials/twilio)");
  const twilio = twilioClient(env, creds);
  for (const sid of recordingSids) {
    try {
      await twilio.deleteRecording(sid);
    } catch (error) {
      if (error instanceof TwilioApiError && error.status === 404) continue;
      throw new ApiError("provider-error", `Twilio refused to delete recording ${sid}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
