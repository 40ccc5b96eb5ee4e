import { and, eq } from "drizzle-orm";
import { database } from "../../../shared/db/client.ts";
import { consentRecords, doNotCall } from "../../../shared/db/schema.ts";
import { findTombstone } from "../../../shared/compliance/phone-tombstone.ts";
import { callRecords, personCalls } from "./person-calls.ts";
import { accountRecordsDb } from "../../../shared/residency/residency.ts";

/**
 * Everything the account holds about `phone` (a data subject access request): their calls with each one's
 * transcript, events and analyses, their consent history, their do-not-call entry, and whether an earlier erasure
 * left a tombstone. Recordings are listed by sid; their audio stays at Twilio.
 */
export async function exportPerson(env: Env, accountId: string, phone: string, now = new Date()) {
  const db = database(env.DB);
  const callsDb = database(await accountRecordsDb(env, accountId));
  const personal = await personCalls(callsDb, accountId, phone);
  const records = await callRecords(
    callsDb,
    accountId,
    personal.map((c) => c.id),
  );
  const consent = await db.select().from(consentRecords).where(and(eq(consentRecords.accountId, accountId), eq(consentRecords.phone, phone))).orderBy(consentRecords.capturedAt).all();
  const listed = await db.select().from(doNotCall).where(and(eq(doNotCall.accountId, accountId), eq(doNotCall.phone, phone))).get();
  const tombstone = await findTombstone(db, env.ENCRYPTION_KEY, accountId, phone);
  return {
    phone,
    exported_at: now.toISOString(),
    calls: personal.map((c) => ({
      id: c.id,
      direction: c.direction,
      from: c.fromNumber,
      to: c.toNumber,
      status: c.status,
      created_at: c.createdAt,
      answered_at: c.answeredAt,
      ended_at: c.endedAt,
      duration_seconds: c.durationSeconds,
      end_reason: c.endReason,
      recording_sid: c.recordingSid,
      transcript: records.turns
        .filter((t) => t.callId === c.id)
        .map((t) => ({ seq: t.seq, role: t.role, text: t.text, interrupted: t.interrupted, started_at: t.startedAt, ended_at: t.endedAt })),
      events: records.events.filter((e) => e.callId === c.id).map((e) => ({ type: e.type, at: e.at, data: e.data })),
      analyses: records.analyses
        .filter((a) => a.callId === c.id)
        .map((a) => ({ version: a.analysisVersion, status: a.status, summary: a.summary, structured_data: a.structuredData, success: a.success, sentiment: a.sentiment, disposition: a.disposition, completed_at: a.completedAt })),
    })),
    consent_records: consent.map((r) => ({ id: r.id, consent_type: r.consentType, status: r.status, source: r.source, captured_at: r.capturedAt, expires_at: r.expiresAt })),
    do_not_call: listed ? { reason: listed.reason, created_at: listed.createdAt } : null,
    erased: tombstone ? { erased_at: tombstone.erasedAt, do_not_call: tombstone.doNotCall, refused_consent_types: tombstone.refusedConsentTypes } : null,
  };
}
