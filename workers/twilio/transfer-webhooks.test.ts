import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { acceptedCall, connected, deadlinesOf, dueNow, openStream, session, start } from "../../test/workers/media-stream-client.ts";
import { parseConnect, telephonyTenant, twilioPost, type TelephonyTenant } from "../../test/workers/telephony-fixtures.ts";

const CALLER = "CA" + "2".repeat(32);
const TARGET = "CA" + "3".repeat(32);
const BRIDGED_MAX_MS = 40 * 60_000;

/** An accepted call whose object has dialled a warm transfer's target (the state the transfer API leaves it in). */
async function dialingTransfer(t: TelephonyTenant) {
  const { params } = await acceptedCall(t);
  const callId = params.call_id!;
  await runInDurableObject(session(callId), (_instance, state) => {
    const transfer = { to: "+14155550188", requestedBy: "test", announcement: null, conference: `transfer-${callId}`, callerSid: CALLER, targetSid: TARGET, phase: "dialing", deadline: Date.now() + 60_000, bridgedMaxMs: BRIDGED_MAX_MS, returnLine: null };
    state.storage.sql.exec("INSERT OR REPLACE INTO kv (key, value) VALUES ('transfer', ?)", JSON.stringify(transfer));
  });
  const leg = (CallSid: string) => ({ AccountSid: t.accountSid, CallSid, CallStatus: "in-progress", Direction: "outbound-api", From: t.number, To: "+14155550188" });
  return { callId, leg, callerToken: params.token! };
}

const closedWith = async (t: TelephonyTenant, url: string, params: Record<string, string>, callSid: string) => {
  const stream = await openStream(t, url);
  expect(stream.status).toBe(101);
  stream.ws!.send(connected);
  stream.ws!.send(start(callSid, params));
  return stream.closed;
};

describe("warm transfer: the target leg's webhooks and briefing stream", () => {
  it("answers only the dialled target, with a signed-token stream to the call's object in the briefing role", async () => {
    const t = await telephonyTenant();
    const { callId, leg, callerToken } = await dialingTransfer(t);
    const answer = `/twilio/transfer/${callId}/answer`;

    expect((await twilioPost(answer, leg(TARGET), "f".repeat(32))).status).toBe(403);
    const stranger = await twilioPost(answer, leg("CA" + "4".repeat(32)), t.authToken);
    expect(stranger.text).toContain("<Hangup/>");

    const answered = await twilioPost(answer, leg(TARGET), t.authToken);
    expect(answered.status).toBe(200);
    const { url, params, action } = parseConnect(answered.text);
    expect(url).toBe(`wss://voice.test/twilio/transfer/${callId}/stream`);
    expect(action).toBe(`https://voice.test/twilio/transfer/${callId}/briefing-ended`);
    expect(params).toMatchObject({ call_id: callId, role: "briefing", token: expect.any(String) });
    // Answered once: a second answer (a replay) gets nothing.
    expect((await twilioPost(answer, leg(TARGET), t.authToken)).text).toContain("<Hangup/>");

    // This call's caller-stream token does not open the briefing, nor does the briefing token from another leg.
    expect(await closedWith(t, url!, { ...params, token: callerToken }, TARGET)).toMatchObject({ code: 1008 });
    expect(await closedWith(t, url!, params, "CA" + "5".repeat(32))).toMatchObject({ code: 1008 });
    const events = (await session(callId).events()).filter((e) => e.type === "transfer.briefing_rejected").map((e) => (e.data as { reason: string }).reason);
    expect(events).toEqual(["wrong_call", "not_the_target_leg"]);

    // A briefing-ended request from Twilio (the stream dropped) still puts the target into the conference.
    const ended = await twilioPost(`/twilio/transfer/${callId}/briefing-ended`, leg(TARGET), t.authToken);
    expect(ended.text).toContain(`<Dial><Conference endConferenceOnExit="true" startConferenceOnEnter="true">transfer-${callId}</Conference></Dial>`);
    expect((await session(callId).events()).find((e) => e.type === "call.transferred")?.data).toMatchObject({ mode: "warm", target_call_sid: TARGET, conference: `transfer-${callId}` });
  });

  it("refuses a briefing stream upgrade while no briefing is due", async () => {
    const t = await telephonyTenant();
    const { callId } = await dialingTransfer(t);
    const stream = await openStream(t, `wss://voice.test/twilio/transfer/${callId}/stream`);
    expect(stream.status).toBe(409);
  });

  it("ends a bridged call whose final status never comes once its bound passes, releasing its slot (transfer_unconfirmed)", async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: 1 });
    const { callId, leg } = await dialingTransfer(t);
    const gate = env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(t.accountId));
    await twilioPost(`/twilio/transfer/${callId}/answer`, leg(TARGET), t.authToken);
    const before = Date.now();
    await twilioPost(`/twilio/transfer/${callId}/briefing-ended`, leg(TARGET), t.authToken);
    const stored = () => runInDurableObject(session(callId), (_i, state) => ({ transfer: JSON.parse(state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'transfer'").one().value), alarm: state.storage.getAlarm() }));
    const bridged = await stored();
    expect(bridged.transfer.phase).toBe("bridged");
    expect(bridged.transfer.deadline).toBeGreaterThanOrEqual(before + BRIDGED_MAX_MS);
    expect(bridged.transfer.deadline).toBeLessThanOrEqual(Date.now() + BRIDGED_MAX_MS);
    expect(await bridged.alarm).toBeLessThanOrEqual(bridged.transfer.deadline);

    // Before the bound: the object keeps the call (no stream, its stream-start deadline long past) and renews its lease.
    const rewind = (sql: string, ...args: unknown[]) => runInDurableObject(session(callId), (_i, state) => void state.storage.sql.exec(sql, ...args));
    await rewind("UPDATE kv SET value = json_set(value, '$.at', ?) WHERE key = 'endBy'", Date.now() - 1);
    await dueNow(callId, "lease", "end_by");
    expect(await runDurableObjectAlarm(session(callId))).toBe(true);
    expect((await session(callId).state()).ended).toBe(false);
    expect(await gate.active()).toBe(1);
    expect((await deadlinesOf(callId)).lease).toBeGreaterThan(Date.now());

    // Past it: the call ends, its slot is free, and the row says why.
    await rewind("UPDATE kv SET value = json_set(value, '$.deadline', ?) WHERE key = 'transfer'", Date.now() - 1);
    // Due now: whether it fires on its own or the test runs it, the call ends.
    await dueNow(callId, "transfer");
    await runDurableObjectAlarm(session(callId));
    await vi.waitFor(async () => expect((await session(callId).state()).ended).toBe(true), { timeout: 5000 });
    expect(await gate.active()).toBe(0);
    const events = (await session(callId).events()).map((e) => e.type);
    expect(events.indexOf("transfer.unconfirmed")).toBeGreaterThan(events.indexOf("transfer.bridged"));
    const row = await env.DB.prepare("SELECT status, end_reason FROM calls WHERE id = ?").bind(callId).first();
    expect(row).toEqual({ status: "completed", end_reason: "transfer_unconfirmed" });
  });
});
