import { NonRetryableError } from "cloudflare:workflows";
import { and, eq, ne } from "drizzle-orm";
import { recordPlacedCall } from "../../shared/calls/call-records.ts";
import { callRecordsDbOf, callSession } from "../../shared/residency/residency.ts";
import { database } from "../../shared/db/client.ts";
import { calls } from "../../shared/db/schema.ts";
import { workflowDialIntents } from "../../shared/db/workflows-schema.ts";
import { twilioClient, twilioCredentialsForAccount } from "../../shared/twilio/twilio-credentials.ts";

/** A run's step: the identity a dial intent is recorded under (the step's attempts and a retry of the run share it). */
export interface StepKey {
  runId: string;
  position: number;
}

/** Allowance between our clock and Twilio's when matching a listed call to an intent. */
const CLOCK_SKEW_MS = 60_000;

type Intent = typeof workflowDialIntents.$inferSelect;

const keyed = (key: StepKey) => and(eq(workflowDialIntents.runId, key.runId), eq(workflowDialIntents.position, key.position));

/** The D1 record of an `outbound_call` step's dial: written before Twilio is asked, completed with the call's sid. */
export function stepDialIntents(db: D1Database) {
  const d = database(db);
  return {
    find: (key: StepKey): Promise<Intent | undefined> => d.select().from(workflowDialIntents).where(keyed(key)).get(),
    async record(key: StepKey, callId: string, intentAt: number): Promise<void> {
      await d.insert(workflowDialIntents).values({ ...key, callId, intentAt });
    },
    async placed(key: StepKey, callSid: string): Promise<void> {
      await d.update(workflowDialIntents).set({ callSid }).where(keyed(key));
    },
    /** Twilio said no (or nothing was asked): no call exists, so the next attempt dials. */
    async drop(key: StepKey): Promise<void> {
      await d.delete(workflowDialIntents).where(keyed(key));
    },
  };
}

interface SettleContext {
  env: Env;
  accountId: string;
  waitUntil: (p: Promise<unknown>) => void;
  consentType: string;
}

/**
 * A retried step whose dial was recorded: the call is found, never dialled again. Its sid comes from the intent, else
 * from the call's row, else from Twilio's call list (`To` and `StartTime`, then the caller ID and the intent's
 * instant). A call found is adopted (its object, row and audit entry get the sid); none found ends the call's record
 * as `dial_unconfirmed` and fails the step for good, since dialling again could reach the callee twice.
 */
export async function settleRecordedDial(ctx: SettleContext, key: StepKey, intent: Intent): Promise<string> {
  if (intent.callSid) return intent.callId;
  // The call's row lives in its region's call records (the call id says which).
  const db = database(callRecordsDbOf(ctx.env, intent.callId));
  const call = await db.select({ to: calls.toNumber, from: calls.fromNumber, sid: calls.twilioCallSid }).from(calls).where(and(eq(calls.id, intent.callId), eq(calls.accountId, ctx.accountId))).get();
  // The row has the sid once Twilio's webhooks for the call arrived.
  const sid = call ? (call.sid ?? (await listedCall(ctx, intent, call.to, call.from))) : null;
  if (!call || !sid) {
    await callSession(ctx.env, intent.callId).finalize({ status: "failed", endReason: "dial_unconfirmed", durationSeconds: null });
    throw new NonRetryableError(`dial_unconfirmed: Twilio's call list shows no call for call ${intent.callId}, whose answer was lost; it is not dialled again`);
  }
  // As a dial Twilio answered: the intent first, so the audit entry is written at most once.
  await stepDialIntents(ctx.env.DB).placed(key, sid);
  await callSession(ctx.env, intent.callId).setCallSid(sid);
  await recordPlacedCall(ctx.env, ctx.waitUntil, ctx.accountId, { id: intent.callId, callSid: sid }, { to: call.to, direction: "outbound", consent_type: ctx.consentType });
  return intent.callId;
}

/** The sid of the call Twilio created for the intent, if its call list shows one no other call of ours holds. */
async function listedCall(ctx: SettleContext, intent: Intent, to: string, from: string): Promise<string | null> {
  const since = intent.intentAt - CLOCK_SKEW_MS;
  // An erased callee's number is a hash on the row: there is nothing to look up.
  if (!to.startsWith("+")) return null;
  const creds = await twilioCredentialsForAccount(ctx.env, ctx.accountId);
  if (!creds) return null;
  // A failed lookup throws: the engine tries the step again, and a run that fails keeps the intent (no redial).
  const listed = await twilioClient(ctx.env, creds).listCallsTo(to);
  for (const c of listed) {
    if (c.from !== from || Date.parse(c.date_created ?? "") < since) continue;
    const held = await database(callRecordsDbOf(ctx.env, intent.callId)).select({ id: calls.id }).from(calls).where(and(eq(calls.twilioCallSid, c.sid), ne(calls.id, intent.callId))).get();
    if (!held) return c.sid;
  }
  return null;
}
