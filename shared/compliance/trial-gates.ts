import { and, asc, eq, sql } from "drizzle-orm";
import { database, type Database } from "../db/client.ts";
import { accounts, calls, phoneNumbers } from "../db/schema.ts";
import { verifiedNumbers } from "../db/verified-numbers-schema.ts";
import { callRecordsDb, type Region } from "../residency/residency.ts";

/**
 * The limits of an account whose business is not verified yet (`accounts.verification = 'trial'`): one phone
 * number, outbound calls only to numbers it verified by a texted code, no campaigns, and `accounts.trial_minutes`
 * call minutes in all. The API answers each with the problem `verification-required` and one of these details.
 */
const SUBMIT = "submit the business verification case at /v1/verification";

export const TRIAL_DETAILS = {
  second_number: `the account is on trial and may hold one phone number; ${SUBMIT} to add more`,
  campaigns: `the account is on trial and cannot run campaigns; ${SUBMIT}`,
  minutes: `the account is on trial and has used its trial call minutes; ${SUBMIT} to lift the cap`,
  callee: (to: string) => `the account is on trial and calls only numbers it has verified: verify ${to} (POST /v1/verified-numbers, then POST /v1/verified-numbers/{phone}/check with the texted code), or ${SUBMIT}`,
  textee: (to: string) => `the account is on trial and texts only numbers it has verified: verify ${to} (POST /v1/verified-numbers, then POST /v1/verified-numbers/{phone}/check with the texted code), or ${SUBMIT}`,
} as const;

/**
 * Why an account on trial may not dial `to` now (null when it may, or is not on trial): the callee is not verified,
 * or the trial minutes are used. Checked before consent, so a trial account hears about its trial first.
 */
export async function trialDialRefusal(env: Pick<Env, "DB" | "DB_EU">, accountId: string, to: string): Promise<{ reason: "verification_required" | "trial_minutes_exhausted"; detail: string } | null> {
  const db = database(env.DB);
  const account = await db.select({ verification: accounts.verification, trialMinutes: accounts.trialMinutes, region: accounts.region }).from(accounts).where(eq(accounts.id, accountId)).get();
  if (account?.verification !== "trial") return null;
  if (!(await calleeVerified(db, accountId, to))) return { reason: "verification_required", detail: TRIAL_DETAILS.callee(to) };
  if ((await callMinutesUsed(env, accountId, account.region)) >= account.trialMinutes) return { reason: "trial_minutes_exhausted", detail: TRIAL_DETAILS.minutes };
  return null;
}

/** Why an account on trial may not text `to` from a workflow (null when it may): like calls, only verified numbers. */
export async function trialTextRefusal(db: Database, accountId: string, to: string): Promise<string | null> {
  if (!(await isOnTrial(db, accountId)) || (await calleeVerified(db, accountId, to))) return null;
  return TRIAL_DETAILS.textee(to);
}

/**
 * The one number an account on trial takes inbound calls on: its oldest active number (stable while it holds it).
 * An account sent back to trial (a sanctions rescreen) keeps the numbers it bought while approved, but only this
 * one answers.
 */
export async function trialInboundNumber(db: Database, accountId: string): Promise<string | undefined> {
  const first = await db
    .select({ e164: phoneNumbers.e164 })
    .from(phoneNumbers)
    .where(and(eq(phoneNumbers.accountId, accountId), eq(phoneNumbers.status, "active")))
    .orderBy(asc(phoneNumbers.createdAt), asc(phoneNumbers.id))
    .get();
  return first?.e164;
}

export async function isOnTrial(db: Database, accountId: string): Promise<boolean> {
  const row = await db.select({ verification: accounts.verification }).from(accounts).where(eq(accounts.id, accountId)).get();
  return row?.verification === "trial";
}

async function calleeVerified(db: Database, accountId: string, phone: string): Promise<boolean> {
  const row = await db
    .select({ phone: verifiedNumbers.phone })
    .from(verifiedNumbers)
    .where(and(eq(verifiedNumbers.accountId, accountId), eq(verifiedNumbers.phone, phone), eq(verifiedNumbers.status, "verified")))
    .get();
  return row !== undefined;
}

/**
 * The account's call minutes so far (from its region's call records), each call rounded up to the minute as carriers
 * bill it: finished calls by Twilio's duration, and calls in progress (or ended, before Twilio's final duration
 * arrives) by the time since they were answered. Counting live calls is what keeps concurrent calls from overrunning
 * a trial's cap: admission and each call's lease renewal (every 30 s) compare it with the cap.
 */
export async function callMinutesUsed(env: Pick<Env, "DB" | "DB_EU">, accountId: string, region: Region, now = new Date()): Promise<number> {
  const elapsedSeconds = sql`max(cast((julianday(coalesce(${calls.endedAt}, ${now.toISOString()})) - julianday(coalesce(${calls.answeredAt}, ${calls.createdAt}))) * 86400 as integer), 0)`;
  const row = await database(callRecordsDb(env, region))
    .select({
      minutes: sql<number>`coalesce(sum(case
        when ${calls.durationSeconds} is not null then (${calls.durationSeconds} + 59) / 60
        when ${calls.status} = 'in-progress' or (${calls.status} = 'completed' and ${calls.endedAt} is not null) then (${elapsedSeconds} + 59) / 60
        else 0 end), 0)`,
    })
    .from(calls)
    .where(eq(calls.accountId, accountId))
    .get();
  return Number(row?.minutes ?? 0);
}

/** Whether an account on trial has used its call minutes (false for an approved one). */
export async function trialMinutesExhausted(env: Pick<Env, "DB" | "DB_EU">, accountId: string, now = new Date()): Promise<boolean> {
  const account = await database(env.DB).select({ verification: accounts.verification, trialMinutes: accounts.trialMinutes, region: accounts.region }).from(accounts).where(eq(accounts.id, accountId)).get();
  return account?.verification === "trial" && (await callMinutesUsed(env, accountId, account.region, now)) >= account.trialMinutes;
}
