import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { acceptedCall, dueNow, liveStream, session, until, usageRecorded } from "../../test/workers/media-stream-client.ts";
import { telephonyTenant, twilioPost, type TelephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import type { CallSession } from "../call-session.ts";

const completed = (t: TelephonyTenant, callId: string, extra: Record<string, string> = {}) =>
  twilioPost(`/twilio/status/${callId}`, { AccountSid: t.accountSid, CallSid: "CA" + "2".repeat(32), CallStatus: "completed", ...extra }, t.authToken);

const callRow = (callId: string) =>
  env.DB.prepare("SELECT status, end_reason, duration_seconds, metrics FROM calls WHERE id = ?").bind(callId).first<{ status: string; end_reason: string | null; duration_seconds: number | null; metrics: string | null }>();

const deepgramStats = async () => (await fetch(`${env.DEEPGRAM_API_BASE_URL}/__control/stats`)).json<{ listen: { closeStreams: number }; speak: { closes: number } }>();

/** Makes the call's end deadline (stream recovery grace, machine answer) due. */
const expireEndBy = (callId: string) => dueNow(callId, "end_by");

type Queue = Env["CALL_EVENTS"];

/** Swaps the call object's queue binding (a real D1 failure is injected with a trigger; a queue failure can't be). */
const useQueue = (callId: string, queue: (real: Queue) => Queue) =>
  runInDurableObject(session(callId), (instance: CallSession) => {
    const self = instance as unknown as { env: Env };
    self.env = { ...self.env, CALL_EVENTS: queue(env.CALL_EVENTS) };
  });

describe("call finalisation", () => {
  it("retries a failed D1 write and a failed queue send by alarm, and delivers each exactly once", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const callId = (await acceptedCall(t)).params.call_id!;
    const sends: unknown[] = [];
    let queueDown = true;
    await useQueue(callId, (real) => ({
      ...real,
      send: async (body: unknown) => {
        if (queueDown) throw new Error("queue unavailable");
        sends.push(body);
        return real.send(body);
      },
    }) as Queue);
    await env.DB.exec(`CREATE TRIGGER fail_${callId.replace(/-/g, "_")} BEFORE UPDATE ON calls WHEN NEW.id = '${callId}' BEGIN SELECT RAISE(ABORT, 'injected D1 failure'); END;`);
    expect((await completed(t, callId, { CallDuration: "42" })).status).toBe(204);
    expect((await callRow(callId))!.status).toBe("in-progress");
    expect((await session(callId).events()).filter((e) => e.type === "call.delivery_failed")).toHaveLength(1);

    await env.DB.exec(`DROP TRIGGER fail_${callId.replace(/-/g, "_")};`);
    expect(await runDurableObjectAlarm(session(callId))).toBe(true);
    expect(await callRow(callId)).toMatchObject({ status: "completed", duration_seconds: 42 });
    expect(sends).toHaveLength(0); // the queue is still down: the usage event waits for the next attempt

    queueDown = false;
    expect(await runDurableObjectAlarm(session(callId))).toBe(true);
    expect(sends).toHaveLength(1);
    expect(await runDurableObjectAlarm(session(callId))).toBe(false); // nothing left to deliver
    await completed(t, callId, { CallDuration: "42" }); // Twilio retries its callback: nothing is sent again
    expect(sends).toHaveLength(1);
    expect(await usageRecorded(callId)).toMatchObject({ duration_seconds: 42 });
    const events = await env.DB.prepare("SELECT type FROM call_events WHERE call_id = ?").bind(callId).all<{ type: string }>();
    expect(events.results.filter((e) => e.type === "call.accepted")).toHaveLength(1);
    expect(await env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(t.accountId)).active()).toBe(0);
  });

  it("writes a long call's turns and events to D1 in multi-row chunks", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const callId = (await acceptedCall(t)).params.call_id!;
    const turns = 1500;
    await runInDurableObject(session(callId), (_i: CallSession, state) => {
      for (let i = 1; i <= turns; i++) {
        state.storage.sql.exec("INSERT INTO turns (seq, role, text, started_at, ended_at) VALUES (?, ?, ?, ?, ?)", i, i % 2 ? "caller" : "agent", `turn ${i}`, new Date().toISOString(), new Date().toISOString());
        state.storage.sql.exec("INSERT INTO events (at, type, data) VALUES (?, 'caller.dtmf', ?)", new Date().toISOString(), JSON.stringify({ digit: "1" }));
      }
    });
    expect((await completed(t, callId, { CallDuration: "14400" })).status).toBe(204);
    const counts = await env.DB.prepare("SELECT (SELECT count(*) FROM call_turns WHERE call_id = ?1) AS turns, (SELECT count(*) FROM call_events WHERE call_id = ?1) AS events").bind(callId).first<{ turns: number; events: number }>();
    expect(counts).toEqual({ turns, events: turns + 2 }); // + call.accepted and call.ended
    expect((await callRow(callId))!.status).toBe("completed");
  });

  it("a closed Twilio socket closes the provider sockets at once and ends the call after the recovery grace; Twilio's later status adds the duration", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: 1 });
    const live = await liveStream(t);
    // The greeting has been synthesised: both Deepgram sockets are open.
    await vi.waitFor(() => expect(live.received.media).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    const before = await deepgramStats();
    live.ws!.close(1001, "twilio went away");
    await vi.waitFor(
      async () => {
        const after = await deepgramStats();
        expect(after.listen.closeStreams).toBeGreaterThan(before.listen.closeStreams);
        expect(after.speak.closes).toBeGreaterThan(before.speak.closes);
      },
      { timeout: 5_000, interval: 50 },
    );
    expect((await session(live.callId).state()).ended).toBe(false); // Twilio may still reconnect through <Connect action>
    await expireEndBy(live.callId);
    expect(await runDurableObjectAlarm(session(live.callId))).toBe(true);
    const row = (await callRow(live.callId))!;
    expect(row).toMatchObject({ status: "completed", end_reason: "stream_closed", duration_seconds: null });
    expect(JSON.parse(row.metrics!).stream).toMatchObject({ frames_in: 2, frames_out: expect.any(Number) });
    expect(JSON.parse(row.metrics!).stream.frames_out).toBeGreaterThan(0);
    expect(await env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(t.accountId)).active()).toBe(0);
    // No usage yet: it waits for Twilio's duration.
    expect((await env.DB.prepare("SELECT count(*) AS n FROM usage_events WHERE call_id = ?").bind(live.callId).first<{ n: number }>())!.n).toBe(0);

    expect((await completed(t, live.callId, { CallDuration: "17" })).status).toBe(204);
    expect(await callRow(live.callId)).toMatchObject({ end_reason: "stream_closed", duration_seconds: 17 });
    expect(await usageRecorded(live.callId)).toMatchObject({ duration_seconds: 17, usage: { duration_source: "twilio" } });
  });

  it("a completed status on a live call closes the STT and TTS sockets and Twilio's stream", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const live = await liveStream(t);
    await vi.waitFor(() => expect(live.received.media).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    const before = await deepgramStats();
    expect((await completed(t, live.callId, { CallDuration: "9" })).status).toBe(204);
    const after = await deepgramStats();
    expect(after.listen.closeStreams).toBeGreaterThan(before.listen.closeStreams);
    expect(after.speak.closes).toBeGreaterThan(before.speak.closes);
    expect((await live.closed).reason).toBe("call ended");
    const usage = await usageRecorded(live.callId);
    expect(usage.duration_seconds).toBe(9);
    expect(usage.usage.tts_characters).toBeGreaterThan(0);
  });

  it("a machine-answered call ends at Twilio's final status with its duration, or by alarm if that never comes", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const [a, b] = [(await acceptedCall(t)).params.call_id!, (await acceptedCall(t)).params.call_id!];
    for (const id of [a, b]) await session(id).machineAnswered("voicemail_left");
    expect((await session(a).state()).ended).toBe(false);
    await completed(t, a, { CallDuration: "25" });
    expect(await callRow(a)).toMatchObject({ end_reason: "voicemail_left", duration_seconds: 25 });

    await expireEndBy(b);
    expect(await runDurableObjectAlarm(session(b))).toBe(true);
    expect(await callRow(b)).toMatchObject({ status: "completed", end_reason: "voicemail_left" });
    await until(() => session(b).state(), (s) => s.ended);
  });

  it("a delivered call's object keeps only a tombstone, and answers late webhooks as an ended call", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const live = await liveStream(t);
    await vi.waitFor(() => expect(live.received.media).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    const stored = () =>
      runInDurableObject(session(live.callId), (_i: CallSession, state) => ({
        keys: state.storage.sql.exec<{ key: string }>("SELECT key FROM kv ORDER BY key").toArray().map((r) => r.key),
        turns: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM turns").one().n,
        events: state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n,
        alarm: state.storage.getAlarm(),
      }));
    expect((await stored()).events).toBeGreaterThan(0);
    // Twilio's final status with its duration: the record, transcript and usage are all delivered at once.
    expect((await completed(t, live.callId, { CallDuration: "12" })).status).toBe(204);
    expect(await usageRecorded(live.callId)).toMatchObject({ duration_seconds: 12 });
    const d1Events = async () => (await env.DB.prepare("SELECT count(*) AS n FROM call_events WHERE call_id = ?").bind(live.callId).first<{ n: number }>())!.n;
    const delivered = await d1Events();
    expect(delivered).toBeGreaterThan(0);
    const tomb = await stored();
    expect({ ...tomb, alarm: await tomb.alarm }).toEqual({ keys: ["delivery", "meta", "outcome"], turns: 0, events: 0, alarm: null });

    // Late webhooks: Twilio retries its final status, and asks <Connect action> after the stream closed.
    expect((await completed(t, live.callId, { CallDuration: "12" })).status).toBe(204);
    const ended = await twilioPost(`/twilio/stream-ended/${live.callId}`, { AccountSid: t.accountSid, CallSid: live.callSid, CallStatus: "completed" }, t.authToken);
    expect(ended.text).toContain("<Hangup/>");
    expect(ended.text).not.toContain("<Connect");
    expect(await callRow(live.callId)).toMatchObject({ status: "completed", duration_seconds: 12 });
    expect(await d1Events()).toBe(delivered); // the records in D1 are untouched
    expect((await stored()).keys).toEqual(["delivery", "meta", "outcome"]);
  });
});
