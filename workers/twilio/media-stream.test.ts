import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { mintStreamToken } from "../../shared/auth/stream-token.ts";
import { acceptedCall, connected, liveStream, media, openStream, session, SID, start, stop, until, usageRecorded } from "../../test/workers/media-stream-client.ts";
import { parseConnect, telephonyTenant, twilioPost } from "../../test/workers/telephony-fixtures.ts";

describe("media stream", () => {
  it("refuses an upgrade without a valid Twilio signature and records a security event", async () => {
    const t = await telephonyTenant();
    const { url, params } = await acceptedCall(t);
    const { status } = await openStream(t, url!, false);
    expect(status).toBe(403);
    await eventually(async () => expect(await securityEvents(`/twilio/stream/${params.call_id}`)).toEqual([{ kind: "twilio_signature_invalid", account_id: t.accountId, detail: { stream: true } }]));
    expect((await session(params.call_id!).events()).map((e) => e.type)).toEqual(["call.accepted"]);
  });

  it("binds an authenticated stream to its call and counts malformed frames without crashing", async () => {
    const t = await telephonyTenant();
    const { url, params } = await acceptedCall(t);
    const { status, ws } = await openStream(t, url!);
    expect(status).toBe(101);
    ws!.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
    ws!.send(media(2)); // before start: dropped, never processed
    ws!.send(start("CA" + "2".repeat(32), params));
    ws!.send("{not json");
    ws!.send(JSON.stringify({ event: "media", streamSid: "x" }));
    ws!.send(media(3));
    const state = await until(() => session(params.call_id!).state(), (s) => (s.stream.counters?.frames_in ?? 0) >= 6);
    expect(state.stream.authenticated).toBe(true);
    expect(state.stream.counters).toMatchObject({ frames_in: 6, frames_dropped_invalid: 2, frames_dropped_unauthenticated: 1 });
    const events = (await session(params.call_id!).events()).map((e) => e.type);
    expect(events).toContain("stream.started");
    ws!.close();
  });

  it.each([
    ["another stream's sid", [media(2, "MZ" + "2".repeat(32))], 1],
    ["a repeated sequence number, then an older one", [media(3), media(3), media(2)], 2],
    ["a second start", [start("CA" + "2".repeat(32), {})], 1],
    ["a connected after start", [connected], 1],
    ["anything after stop", [stop(2, "CA" + "2".repeat(32)), media(3), JSON.stringify({ event: "mark", sequenceNumber: "4", streamSid: SID, mark: { name: "x" } })], 2],
  ])("counts and drops out-of-order frames: %s", async (_label, frames, dropped) => {
    const t = await telephonyTenant();
    const live = await liveStream(t);
    for (const frame of frames) live.ws!.send(frame);
    live.ws!.send(media(10)); // in order: still accepted unless the stream stopped
    const state = await until(() => session(live.callId).state(), (s) => s.stream.counters.frames_in >= 2 + frames.length + 1);
    expect(state.stream.counters).toMatchObject({ frames_in: 2 + frames.length + 1, frames_dropped_out_of_order: dropped + (_label === "anything after stop" ? 1 : 0), frames_dropped_invalid: 0 });
    const events = (await session(live.callId).events()).map((e) => e.type);
    expect(events.filter((e) => e === "stream.started")).toHaveLength(1);
    live.ws!.close();
  });

  it("keeps its drop counters across an object restart and reports them in the call's metrics", async () => {
    const t = await telephonyTenant();
    const live = await liveStream(t);
    live.ws!.send(media(5));
    live.ws!.send(media(4));
    await until(() => session(live.callId).state(), (s) => s.stream.counters.frames_dropped_out_of_order === 1);
    await runInDurableObject(session(live.callId), (_instance, state) => state.abort("simulated crash")).catch(() => {});
    expect((await session(live.callId).state()).stream.counters.frames_dropped_out_of_order).toBe(1);
    expect((await twilioPost(`/twilio/status/${live.callId}`, { AccountSid: t.accountSid, CallSid: live.callSid, CallStatus: "completed", CallDuration: "3" }, t.authToken)).status).toBe(204);
    const row = await env.DB.prepare("SELECT metrics FROM calls WHERE id = ?").bind(live.callId).first<{ metrics: string }>();
    expect(JSON.parse(row!.metrics).stream).toMatchObject({ frames_dropped_out_of_order: 1, frames_in: 4 });
  });

  it("a replayed upgrade with a bad token leaves the live stream authenticated and receiving media", async () => {
    const t = await telephonyTenant();
    const live = await liveStream(t);
    let liveClosed = false;
    void live.closed.then(() => (liveClosed = true));
    const replay = await openStream(t, live.url);
    expect(replay.status).toBe(101);
    replay.ws!.send(start("CA" + "2".repeat(32), { call_id: live.callId, token: await mintStreamToken(env.JWT_SECRET, "CAL-OTHER") }));
    expect((await replay.closed).code).toBe(1008);
    live.ws!.send(media(2));
    const state = await until(() => session(live.callId).state(), (s) => s.stream.counters.frames_in >= 5);
    expect(state.stream).toMatchObject({ connected: true, authenticated: true });
    expect(state.stream.counters.frames_dropped_out_of_order + state.stream.counters.frames_dropped_unauthenticated).toBe(0);
    // The agent's greeting still reaches the live stream.
    await vi.waitFor(() => expect(live.received.media).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    expect(liveClosed).toBe(false);
    expect((await session(live.callId).events()).map((e) => e.type)).toContain("stream.rejected");
    live.ws!.close();
  });

  it("keeps at most two unauthenticated upgrades beside the live stream", async () => {
    const t = await telephonyTenant();
    const live = await liveStream(t);
    const replays = [await openStream(t, live.url), await openStream(t, live.url), await openStream(t, live.url)];
    expect(await replays[0]!.closed).toEqual({ code: 1008, reason: "superseded by a newer stream" });
    expect((await session(live.callId).state()).stream.authenticated).toBe(true);
    for (const r of [live, ...replays.slice(1)]) r.ws!.close();
  });

  it("replaces the live stream only once a new stream's start token checks out", async () => {
    const t = await telephonyTenant();
    const live = await liveStream(t);
    const next = await openStream(t, live.url);
    next.ws!.send(start("CA" + "2".repeat(32), live.params));
    expect(await live.closed).toEqual({ code: 1000, reason: "replaced by a new stream" });
    const started = (await session(live.callId).events()).filter((e) => e.type === "stream.started");
    expect(started.map((e) => (e.data as { replaced: boolean }).replaced)).toEqual([false, true]);
    next.ws!.close();
  });

  it.each([
    ["missing", "missing", async (_callId: string) => undefined],
    ["expired", "expired", async (callId: string) => mintStreamToken(env.JWT_SECRET, callId, -10)],
    ["minted for another call", "wrong_call", async (_callId: string) => mintStreamToken(env.JWT_SECRET, "CAL-OTHER")],
    ["signed with another secret", "invalid", async (callId: string) => mintStreamToken("not-the-secret-0123456789abcdef0123", callId)],
  ])("closes a stream whose start token is %s (reason %s), and processes no audio", async (_label, reason, token) => {
    const t = await telephonyTenant();
    const { url, params } = await acceptedCall(t);
    const { ws, closed } = await openStream(t, url!);
    const bad = await token(params.call_id!);
    ws!.send(start("CA" + "3".repeat(32), { call_id: params.call_id!, ...(bad ? { token: bad } : {}) }));
    ws!.send(media(2));
    expect(await closed).toEqual({ code: 1008, reason: `stream token ${reason}` });
    await expectRefusedStream(t.accountId, params.call_id!, reason);
  });

  it("refuses call B's valid token (and call_id) sent on call A's stream URL, and neither call processes anything", async () => {
    const t = await telephonyTenant();
    const a = await acceptedCall(t);
    const b = await acceptedCall(t);
    const { ws, closed } = await openStream(t, a.url!);
    ws!.send(start("CA" + "7".repeat(32), b.params));
    ws!.send(media(2));
    expect(await closed).toEqual({ code: 1008, reason: "stream token wrong_call" });
    await expectRefusedStream(t.accountId, a.params.call_id!, "wrong_call");
    // Call B's own object never saw the stream: it still waits for one.
    const other = await session(b.params.call_id!).events();
    expect(other.map((e) => e.type)).toEqual(["call.accepted"]);
  });
});

/** Security events are written through waitUntil, after the refusal: wait for them. */
const eventually = (assertion: () => Promise<void>) => vi.waitFor(assertion, { timeout: 5_000, interval: 20 });

/** The security events recorded for one request path, oldest first. */
async function securityEvents(path: string) {
  const rows = await env.DB.prepare("SELECT kind, account_id, detail FROM security_events WHERE path = ? ORDER BY id").bind(path).all<{ kind: string; account_id: string | null; detail: string }>();
  return rows.results.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

/** The stream on `callId` was refused for `reason`: recorded on the call and as a security event, and no audio ran. */
async function expectRefusedStream(accountId: string, callId: string, reason: string) {
  const state = await session(callId).state();
  expect(state.stream.authenticated).toBe(false);
  expect(state.turns).toEqual([]);
  const events = await session(callId).events();
  expect(events.filter((e) => e.type === "stream.rejected").map((e) => e.data)).toEqual([{ reason }]);
  expect(events.map((e) => e.type)).not.toContain("stream.started");
  await eventually(async () => {
    const sec = await env.DB.prepare("SELECT path, detail FROM security_events WHERE kind = 'stream_token_invalid' AND account_id = ?").bind(accountId).all<{ path: string; detail: string }>();
    expect(sec.results.map((r) => ({ path: r.path, detail: JSON.parse(r.detail) }))).toEqual([{ path: `/twilio/stream/${callId}`, detail: { reason } }]);
  });
}

describe("status callbacks", () => {
  it("finalise a completed call: D1 row, events, lease released, usage queued", { timeout: 20_000 }, async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: 1 });
    const { params } = await acceptedCall(t);
    const callId = params.call_id!;
    const gate = env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(t.accountId));
    expect(await gate.active()).toBe(1);
    const status = (CallStatus: string, extra: Record<string, string> = {}) =>
      twilioPost(`/twilio/status/${callId}`, { AccountSid: t.accountSid, CallSid: "CA" + "4".repeat(32), CallStatus, ...extra }, t.authToken);
    expect((await status("completed", { CallDuration: "42" })).status).toBe(204);
    expect((await status("ringing")).status).toBe(204); // late and out of order: ignored
    const row = await env.DB.prepare("SELECT status, duration_seconds, end_reason FROM calls WHERE id = ?").bind(callId).first();
    expect(row).toEqual({ status: "completed", duration_seconds: 42, end_reason: "twilio:completed" });
    const events = await env.DB.prepare("SELECT type FROM call_events WHERE call_id = ? ORDER BY id").bind(callId).all<{ type: string }>();
    expect(events.results.map((e) => e.type)).toEqual(["call.accepted", "call.ended"]);
    expect(await gate.active()).toBe(0);
    expect((await session(callId).state()).ended).toBe(true);
    // The usage event went on the queue and its consumer recorded it with Twilio's duration.
    expect(await usageRecorded(callId)).toMatchObject({ duration_seconds: 42, usage: { duration_source: "twilio" } });
  });

  it("refuse a forged callback and one for another tenant's call", async () => {
    const [t, other] = [await telephonyTenant(), await telephonyTenant()];
    const { params } = await acceptedCall(t);
    const body = { AccountSid: t.accountSid, CallSid: "CA" + "5".repeat(32), CallStatus: "completed" };
    expect((await twilioPost(`/twilio/status/${params.call_id}`, body, "wrong-token-0123456789")).status).toBe(403);
    await eventually(async () =>
      expect(await securityEvents(`/twilio/status/${params.call_id}`)).toEqual([{ kind: "twilio_signature_invalid", account_id: t.accountId, detail: expect.objectContaining({ account_sid: t.accountSid, signature_present: true }) }]),
    );
    expect((await twilioPost(`/twilio/status/${params.call_id}`, { ...body, AccountSid: other.accountSid }, other.authToken)).status).toBe(403);
    await eventually(async () => expect((await securityEvents(`/twilio/status/${params.call_id}`)).slice(1)).toEqual([{ kind: "twilio_signature_invalid", account_id: t.accountId, detail: { reason: "account_sid_mismatch" } }]));
    expect((await session(params.call_id!).state()).ended).toBe(false);
  });

  it("store a recording's sid, status and, once completed, its duration (priced as recording minutes)", async () => {
    const t = await telephonyTenant();
    const { params } = await acceptedCall(t);
    const recording = (status: Record<string, string>) =>
      twilioPost(`/twilio/recording/${params.call_id}`, { AccountSid: t.accountSid, CallSid: "CA" + "6".repeat(32), RecordingSid: "RE" + "6".repeat(32), ...status }, t.authToken);
    const row = () => env.DB.prepare("SELECT recording_sid, recording_status, recording_duration_seconds FROM calls WHERE id = ?").bind(params.call_id).first();
    expect((await recording({ RecordingStatus: "in-progress" })).status).toBe(204);
    expect(await row()).toEqual({ recording_sid: "RE" + "6".repeat(32), recording_status: "in-progress", recording_duration_seconds: null });
    expect((await recording({ RecordingStatus: "completed", RecordingDuration: "47" })).status).toBe(204);
    expect(await row()).toEqual({ recording_sid: "RE" + "6".repeat(32), recording_status: "completed", recording_duration_seconds: 47 });
  });
});

describe("stream recovery (<Connect action>)", () => {
  it("reconnects a live call to the same object, and hangs up an ended one", async () => {
    const t = await telephonyTenant();
    const { params } = await acceptedCall(t);
    const ended = (sid: string) => twilioPost(`/twilio/stream-ended/${params.call_id}`, { AccountSid: t.accountSid, CallSid: sid, CallStatus: "in-progress" }, t.authToken);
    const again = parseConnect((await ended("CA" + "7".repeat(32))).text);
    expect(again.params.call_id).toBe(params.call_id);
    expect(again.params.token!.split(".")).toHaveLength(3);
    await session(params.call_id!).finalize({ status: "completed", endReason: "test", durationSeconds: 1 });
    expect((await ended("CA" + "7".repeat(32))).text).toContain("<Hangup/>");
  });
});
