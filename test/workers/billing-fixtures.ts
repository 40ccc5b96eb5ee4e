import { env } from "cloudflare:workers";
import { database } from "../../shared/db/client.ts";
import { accounts, calls, deadLetters } from "../../shared/db/schema.ts";
import { newCallId } from "../../shared/ids.ts";
import { withPostgres } from "../../shared/pg/client.ts";
import { billingAccounts, plans, rateCards, type BILLING_MODES } from "../../shared/pg/schema.ts";
import { callRecordsDb, type Region } from "../../shared/residency/residency.ts";
import type { Rate } from "../../workers/billing/pricing.ts";
import { createTenant, request, type Tenant } from "./api-client.ts";

/** The default plan new billing sides get (a Postgres migration seeds it; created here when it is not there yet). */
export async function ensureDefaultPlan(): Promise<void> {
  await withPostgres(env, (db) => db.insert(plans).values({ id: "payg", name: "Pay as you go" }).onConflictDoNothing());
}

/** A request to an operator route, with the operator secret. */
export const operator = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  request(method, path, { headers: { "x-operator-secret": env.OPERATOR_SECRET, ...headers }, body });

/** A tenant whose account was bootstrapped with a billing side (`billing` as POST /v1/operator/accounts takes it). */
export async function billedTenant(billing: Record<string, unknown> = {}): Promise<Tenant> {
  await ensureDefaultPlan();
  return createTenant({ billing });
}

/** The account's audit entries, oldest first, once chained. */
export async function auditEntries(accountId: string): Promise<{ actor: string; action: string; resource: string | null; detail: string | null }[]> {
  const { results } = await env.DB.prepare("SELECT actor, action, resource, detail FROM audit_log WHERE account_id = ? ORDER BY seq").bind(accountId).all<{ actor: string; action: string; resource: string | null; detail: string | null }>();
  return results;
}

/** The account's gate object, whose snapshot the edge admits calls against. */
export const gate = (accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));

/** Postgres behind a closed port: the driver's connection is refused, as during an outage. */
export const POSTGRES_DOWN = { DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:1/postgres", PG_WS_PROXY: "127.0.0.1:1/v1" };

/** A rate card with round figures (USD), so a test can state amounts exactly; token rates are per 1,000 tokens. */
export const TEST_RATES: Rate[] = [
  { component: "telephony_inbound_minute", model: "", microsPerUnit: 10_000 },
  { component: "telephony_outbound_minute", model: "", microsPerUnit: 20_000 },
  { component: "platform_minute", model: "", microsPerUnit: 50_000 },
  { component: "recording_minute", model: "", microsPerUnit: 5_000 },
  { component: "stt_second", model: "", microsPerUnit: 100 },
  { component: "tts_character", model: "", microsPerUnit: 30 },
  { component: "llm_input_token", model: "", microsPerUnit: 1_000 },
  { component: "llm_output_token", model: "", microsPerUnit: 5_000 },
  { component: "llm_cache_read_token", model: "", microsPerUnit: 100 },
  { component: "llm_cache_write_token", model: "", microsPerUnit: 1_250 },
];

/** A billing side for `accountId` on its own plan priced with TEST_RATES (USD); returns the plan's id. */
export async function billingAccount(accountId: string, mode: (typeof BILLING_MODES)[number] = "postpaid"): Promise<string> {
  const planId = `plan_${crypto.randomUUID()}`;
  await withPostgres(env, async (db) => {
    await db.insert(plans).values({ id: planId, name: "Test plan" });
    await db.insert(rateCards).values(TEST_RATES.map((r) => ({ planId, currency: "USD" as const, ...r })));
    await db.insert(billingAccounts).values({ accountId, planId, currency: "USD", billingMode: mode });
  });
  return planId;
}

/** A finished call's D1 row, as the call's object leaves it (an EU call's in DB_EU, beside its account's id-only row). */
export async function finishedCall(accountId: string, overrides: Partial<typeof calls.$inferInsert> = {}, region: Region = "us"): Promise<string> {
  const id = newCallId(region);
  const records = database(callRecordsDb(env, region));
  if (region === "eu") await records.insert(accounts).values({ id: accountId, name: "", region, createdAt: new Date().toISOString() }).onConflictDoNothing().run();
  await records
    .insert(calls)
    .values({ id, accountId, agentId: "AGT-2222222222", agentVersion: 1, direction: "inbound", fromNumber: "+14155550100", toNumber: "+16285550100", status: "completed", createdAt: new Date().toISOString(), ...overrides })
    .run();
  return id;
}

/** The usage message call-finalizer.ts queues for a call. */
export const usageMessage = (accountId: string, callId: string, durationSeconds: number | null, usage: Record<string, unknown> = {}) => ({
  type: "call.usage",
  id: `usage:${callId}`,
  call_id: callId,
  account_id: accountId,
  agent_id: "AGT-2222222222",
  agent_version: 1,
  ended_at: "2026-11-24T10:00:00.000Z",
  duration_seconds: durationSeconds,
  usage: { caller_audio_seconds: durationSeconds ?? 0, stt_seconds: 0, tts_characters: 0, llm: {}, duration_source: "twilio", ...usage },
});

/** A usage message of `accountId`'s kept as a dead letter, pending a redrive. */
export async function pendingDeadLetter(accountId: string): Promise<string> {
  const message = usageMessage(accountId, newCallId(), 60);
  const at = new Date().toISOString();
  await database(env.DB).insert(deadLetters).values({ queue: "call-events", messageId: message.id, body: message, firstFailedAt: at, lastFailedAt: at, attempts: 1 }).run();
  return message.id;
}
