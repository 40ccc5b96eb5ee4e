import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accountAnchor } from "../../../shared/calls/call-records.ts";
import { database } from "../../../shared/db/client.ts";
import { newCallId } from "../../../shared/ids.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { analyticsPostgres, callRecordsDb, regionOfCall, type Region } from "../../../shared/residency/residency.ts";
import { api } from "../../../test/workers/api-client.ts";
import { registerWithTwilio, telephonyTenant, type TelephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import { twilioRecording } from "../../../test/workers/person-fixtures.ts";
import { applyRetention } from "./retention-job.ts";

/** The job's clock: every age below is counted back from this instant. */
const NOW = new Date("2026-09-01T03:17:00.000Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

/** A finished call's records in `db`: the call row, a turn, an event and an analysis. */
async function callRecords(db: D1Database, id: string, t: TelephonyTenant, ended: string, recordingSid: string | null) {
  await db.batch([
    db.prepare("INSERT INTO calls (id, account_id, agent_id, agent_version, direction, from_number, to_number, status, created_at, ended_at, recording_sid) VALUES (?, ?, ?, 1, 'inbound', '+12125550123', ?, 'completed', ?, ?, ?)").bind(
      id, t.accountId, t.agentId, t.number, ended, ended, recordingSid,
    ),
    db.prepare("INSERT INTO call_turns (call_id, seq, account_id, role, text, started_at) VALUES (?, 1, ?, 'caller', 'Hello there', ?)").bind(id, t.accountId, ended),
    db.prepare("INSERT INTO call_events (call_id, account_id, type, at) VALUES (?, ?, 'call.accepted', ?)").bind(id, t.accountId, ended),
    db.prepare("INSERT INTO call_analyses (call_id, analysis_version, account_id, agent_id, agent_version, status, created_at) VALUES (?, 1, ?, ?, 1, 'succeeded', ?)").bind(id, t.accountId, t.agentId, ended),
  ]);
}

/** A finished call that ended `days` ago, with its records in its region's D1 (an EU call's in DB_EU) and its facts in its region's Postgres. */
async function oldCall(t: TelephonyTenant, days: number, opts: { recordingSid?: string; region?: Region } = {}): Promise<string> {
  const region = opts.region ?? "us";
  const id = region === "eu" ? newCallId("eu") : `CALL-ret-${crypto.randomUUID()}`;
  const ended = daysAgo(days);
  const records = callRecordsDb(env, region);
  if (region === "eu") await accountAnchor(database(records), t.accountId).run();
  await callRecords(records, id, t, ended, opts.recordingSid ?? null);
  await withPostgres(analyticsPostgres(env, region), async (pg) => {
    await pg.execute(sql`INSERT INTO call_facts (account_id, call_id, agent_id, agent_version, number, direction, started_at, ended_at, turns, interruptions, tool_calls, provider_failures) VALUES (${t.accountId}, ${id}, ${t.agentId}, 1, ${t.number}, 'inbound', ${ended}, ${ended}, 1, 0, 0, 0)`);
    await pg.execute(sql`INSERT INTO turn_facts (account_id, call_id, turn, role, started_at, interrupted) VALUES (${t.accountId}, ${id}, 1, 'caller', ${ended}, false)`);
  });
  return id;
}

async function held(callId: string, db: D1Database = env.DB) {
  const count = async (table: string) => (await db.prepare(`SELECT count(*) AS n FROM ${table} WHERE call_id = ?`).bind(callId).first<{ n: number }>())!.n;
  const facts = await withPostgres(analyticsPostgres(env, regionOfCall(callId)), (pg) => pg.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM turn_facts WHERE call_id = ${callId}`));
  const call = await db.prepare("SELECT recording_sid FROM calls WHERE id = ?").bind(callId).first<{ recording_sid: string | null }>();
  return { turns: await count("call_turns"), events: await count("call_events"), analyses: await count("call_analyses"), turn_facts: facts.rows[0]!.n, recording: call!.recording_sid !== null, call: !!call };
}

const runsOf = async (db: D1Database, accountId: string) =>
  (await db.prepare("SELECT ran_at, cutoffs, deleted FROM retention_runs WHERE account_id = ?").bind(accountId).all<{ ran_at: string; cutoffs: string; deleted: string }>()).results;

describe("retention job", () => {
  it("deletes each kind once its age passes the account's policy, at a fixed instant, and records the run", { timeout: 60_000 }, async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    const keepAll = await telephonyTenant();
    expect((await api(t.key).put("/v1/privacy/retention", { transcripts_days: 30, recordings_days: 90, call_events_days: 365, analysis_days: 30 })).status).toBe(200);
    const recording = await twilioRecording(t);

    const exactly30 = await oldCall(t, 30); // on the cut-off: kept
    const past30 = await oldCall(t, 30.01);
    const past90 = await oldCall(t, 91, { recordingSid: recording.sid });
    const past365 = await oldCall(t, 366);
    const otherAccount = await oldCall(keepAll, 400);

    const first = await applyRetention(env, NOW);
    expect(first).toMatchObject({ recordings: 1 });

    expect(await held(exactly30)).toEqual({ turns: 1, events: 1, analyses: 1, turn_facts: 1, recording: false, call: true });
    expect(await held(past30)).toEqual({ turns: 0, events: 1, analyses: 0, turn_facts: 0, recording: false, call: true });
    expect(await held(past90)).toEqual({ turns: 0, events: 1, analyses: 0, turn_facts: 0, recording: false, call: true });
    expect(await held(past365)).toEqual({ turns: 0, events: 0, analyses: 0, turn_facts: 0, recording: false, call: true });
    expect(await held(otherAccount)).toEqual({ turns: 1, events: 1, analyses: 1, turn_facts: 1, recording: false, call: true });
    expect(await recording.exists()).toBe(false);

    const runs = await runsOf(env.DB, t.accountId);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.ran_at).toBe(NOW.toISOString());
    expect(JSON.parse(runs[0]!.cutoffs)).toEqual({ transcripts: daysAgo(30), recordings: daysAgo(90), call_events: daysAgo(365), analysis: daysAgo(30) });
    expect(JSON.parse(runs[0]!.deleted)).toMatchObject({ transcript_turns: 3, recordings: 1, call_events: 1, analyses: 3, turn_facts: 3 });

    // Run again at the same instant: nothing is due, nothing is recorded.
    await applyRetention(env, NOW);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM retention_runs WHERE account_id = ?").bind(t.accountId).first<{ n: number }>())!.n).toBe(1);
    // A day later, the call on the cut-off is due too.
    await applyRetention(env, new Date(NOW.getTime() + 86_400_000));
    expect(await held(exactly30)).toMatchObject({ turns: 0, analyses: 0, events: 1 });
  });

  it("deletes an EU account's due records from DB_EU, never from DB, and handles US accounts in the same run", { timeout: 60_000 }, async () => {
    const eu = await telephonyTenant({ region: "eu" });
    const us = await telephonyTenant();
    const policy = { transcripts_days: 30, recordings_days: null, call_events_days: 30, analysis_days: 30 };
    for (const t of [eu, us]) expect((await api(t.key).put("/v1/privacy/retention", policy)).status).toBe(200);
    const euDue = await oldCall(eu, 31, { region: "eu" });
    const euKept = await oldCall(eu, 29, { region: "eu" });
    // The same call id with records in DB: a job that looked for the EU account's records there would delete these.
    await callRecords(env.DB, euDue, eu, daysAgo(31), null);
    const usDue = await oldCall(us, 31);

    await applyRetention(env, NOW);
    expect(await held(euDue, env.DB_EU)).toEqual({ turns: 0, events: 0, analyses: 0, turn_facts: 0, recording: false, call: true });
    expect(await held(euKept, env.DB_EU)).toEqual({ turns: 1, events: 1, analyses: 1, turn_facts: 1, recording: false, call: true });
    expect(await held(euDue, env.DB)).toMatchObject({ turns: 1, events: 1, analyses: 1, call: true });
    expect(await held(usDue)).toEqual({ turns: 0, events: 0, analyses: 0, turn_facts: 0, recording: false, call: true });
    // Runs are global: the EU account's is in DB, with what it deleted from DB_EU.
    const runs = await runsOf(env.DB, eu.accountId);
    expect(runs.map((r) => JSON.parse(r.deleted))).toEqual([{ transcript_turns: 1, recordings: 0, call_events: 1, analyses: 1, turn_facts: 1, call_objects: 0 }]);
    expect(await runsOf(env.DB_EU, eu.accountId)).toEqual([]);
    expect(await runsOf(env.DB, us.accountId)).toHaveLength(1);
  });

  it("refuses a period other than 30, 90, 365 days or forever, with a problem naming the field", async () => {
    const t = await telephonyTenant();
    const res = await api(t.key).put("/v1/privacy/retention", { transcripts_days: 45, recordings_days: null, call_events_days: null, analysis_days: null });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toContain("transcripts_days");
    expect((await api(t.key).get("/v1/privacy/retention")).json).toEqual({ transcripts_days: null, recordings_days: null, call_events_days: null, analysis_days: null });
  });
});
