import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { withPostgres } from "../../shared/pg/client.ts";
import { TwilioClient } from "../../shared/twilio/twilio-client.ts";
import { session, until } from "./media-stream-client.ts";
import { inboundParams, parseConnect, twilioPost, type TelephonyTenant } from "./telephony-fixtures.ts";
import { CallStore } from "../../durable-objects/call/call-store.ts";

export const uniquePhone = () => `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
const basic = (t: TelephonyTenant) => `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}`;

/** A recording at the Twilio simulator, of a live call there (the tenant must be registered with it). */
export async function twilioRecording(t: TelephonyTenant): Promise<{ sid: string; exists: () => Promise<boolean> }> {
  const twilio = new TwilioClient(env.TWILIO_API_BASE_URL, t.accountSid, t.authToken);
  const call = await twilio.createCall({ to: "+14155550142", from: t.number, twiml: `<Response><Pause length="600"/></Response>` });
  const status = () => fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/Calls/${call.sid}.json`, { headers: { authorization: basic(t) } }).then((r) => r.json<{ status: string }>());
  await until(status, (s) => s.status === "in-progress", 10_000);
  const recording = await twilio.startRecording(call.sid, "https://voice.test/twilio/recording/x");
  await twilio.updateCall(call.sid, { status: "completed" });
  const exists = async () => (await fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/Recordings/${recording.sid}.json`, { headers: { authorization: basic(t) } })).status === 200;
  return { sid: recording.sid, exists };
}

/**
 * A delivered inbound call from `phone` with a conversation naming it, its analysis, and (optionally) its recording
 * at Twilio: what an erasure must remove. Returns the call's id once its records are in D1.
 */
export async function deliveredCallFrom(t: TelephonyTenant, phone: string, recordingSid?: string): Promise<string> {
  const res = await twilioPost("/twilio/voice", inboundParams(t, { From: phone }), t.authToken);
  const callId = parseConnect(res.text).params.call_id!;
  await runInDurableObject(session(callId), (_i, state) => {
    const store = new CallStore(state.storage.sql);
    store.startTurn("caller", `Hi, it's me, call me back on ${phone}.`);
    store.startTurn("agent", `Sure, I'll call ${phone}.`);
    store.event("caller.note", { number: phone });
    store.flushTurns();
  });
  await twilioPost(`/twilio/status/${callId}`, { AccountSid: t.accountSid, CallSid: "CA" + "3".repeat(32), CallStatus: "completed", CallDuration: "20" }, t.authToken);
  await until(() => env.DB.prepare("SELECT count(*) AS n FROM call_turns WHERE call_id = ?").bind(callId).first<{ n: number }>(), (r) => r?.n === 2, 10_000);
  // Delivered: the object keeps only its tombstone (which still names the caller).
  await until(() => callObjectDump(callId), (dump) => !dump.includes("call me back"), 10_000);
  await env.DB.prepare(
    "INSERT INTO call_analyses (call_id, analysis_version, account_id, agent_id, agent_version, status, summary, created_at) VALUES (?, 1, ?, ?, 1, 'succeeded', ?, ?)",
  )
    .bind(callId, t.accountId, t.agentId, `The caller (${phone}) asked for a call back.`, new Date().toISOString())
    .run();
  if (recordingSid) await env.DB.prepare("UPDATE calls SET recording_sid = ?, recording_status = 'completed' WHERE id = ?").bind(recordingSid, callId).run();
  return callId;
}

/** Every D1 row (each table's, as JSON), every KV entry and every Postgres row that contains `needle`. */
export async function tracesOf(needle: string): Promise<string[]> {
  const found: string[] = [];
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all<{ name: string }>();
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    for (const row of rows.results) if (JSON.stringify(row).includes(needle)) found.push(`d1:${name}:${JSON.stringify(row).slice(0, 200)}`);
  }
  let cursor: string | undefined;
  do {
    const page = await env.CONFIG_CACHE.list({ cursor });
    for (const key of page.keys) {
      const value = await env.CONFIG_CACHE.get(key.name);
      if (key.name.includes(needle) || value?.includes(needle)) found.push(`kv:${key.name}`);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  await withPostgres(env, async (pg) => {
    const names = await pg.execute<{ table_name: string }>(sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    for (const { table_name } of names.rows) {
      const rows = await pg.execute(sql.raw(`SELECT * FROM "${table_name}"`));
      for (const row of rows.rows) if (JSON.stringify(row).includes(needle)) found.push(`pg:${table_name}`);
    }
  });
  return found;
}

/** What a call's object still holds, as JSON. */
export const callObjectDump = (callId: string) =>
  runInDurableObject(session(callId), (_i, state) =>
    JSON.stringify(["kv", "turns", "events"].map((table) => state.storage.sql.exec(`SELECT * FROM ${table}`).toArray())),
  );
