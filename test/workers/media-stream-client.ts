import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { callSession } from "../../shared/residency/residency.ts";
import { inboundParams, parseConnect, twilioPost, type TelephonyTenant } from "./telephony-fixtures.ts";

/** Twilio's side of a call's media stream, driven frame by frame from workerd tests. */

/** The call's object, in the region its id names (shared/residency/). */
export const session = (callId: string) => callSession(env, callId);

export async function acceptedCall(t: TelephonyTenant) {
  const res = await twilioPost("/twilio/voice", inboundParams(t), t.authToken);
  return parseConnect(res.text);
}

export async function openStream(t: TelephonyTenant, url: string, sign = true) {
  const signature = sign ? await computeTwilioSignature(t.authToken, url, {}) : "bogus";
  const res = await exports.default.fetch(new Request(url.replace(/^wss/, "https"), { headers: { upgrade: "websocket", "x-twilio-signature": signature } }));
  const ws = res.webSocket;
  ws?.accept();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws?.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
  const received = { media: 0 };
  ws?.addEventListener("message", (e) => {
    if (JSON.parse(String(e.data)).event === "media") received.media++;
  });
  return { status: res.status, ws, closed, received };
}

export const start = (callSid: string, params: Record<string, string>) =>
  JSON.stringify({
    event: "start",
    sequenceNumber: "1",
    streamSid: "MZ" + "1".repeat(32),
    start: { streamSid: "MZ" + "1".repeat(32), accountSid: "AC" + "0".repeat(32), callSid, tracks: ["inbound"], customParameters: params, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } },
  });

export const SID = "MZ" + "1".repeat(32);
export const media = (seq: number, streamSid = SID) =>
  JSON.stringify({ event: "media", sequenceNumber: String(seq), streamSid, media: { track: "inbound", chunk: String(seq - 1), timestamp: String((seq - 2) * 20), payload: btoa("\xff".repeat(160)) } });
export const connected = JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" });
export const stop = (seq: number, callSid: string) => JSON.stringify({ event: "stop", sequenceNumber: String(seq), streamSid: SID, stop: { accountSid: "AC" + "0".repeat(32), callSid } });

/** An accepted call with a stream that has sent `connected` and an authenticated `start`. */
export async function liveStream(t: TelephonyTenant) {
  const { url, params } = await acceptedCall(t);
  const callSid = "CA" + "2".repeat(32);
  const stream = await openStream(t, url!);
  stream.ws!.send(connected);
  stream.ws!.send(start(callSid, params));
  const callId = params.call_id!;
  await until(() => session(callId).state(), (s) => s.stream.authenticated);
  return { ...stream, callId, callSid, url: url!, params };
}

export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 2000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The usage event the queue consumer recorded for a call (the queue delivers in batches of up to 5 s). */
export async function usageRecorded(callId: string, ms = 15_000) {
  const read = () => env.DB.prepare("SELECT duration_seconds, usage FROM usage_events WHERE call_id = ?").bind(callId).all<{ duration_seconds: number | null; usage: string }>();
  const rows = await until(read, (r) => r.results.length > 0, ms);
  if (rows.results.length !== 1) throw new Error(`expected one usage event for ${callId}, found ${rows.results.length}`);
  const row = rows.results[0]!;
  return { duration_seconds: row.duration_seconds, usage: JSON.parse(row.usage) as Record<string, unknown> };
}

/** Makes the call object's named deadlines (./durable-objects/call/deadlines.ts) due now, for `runDurableObjectAlarm`. */
export const dueNow = (callId: string, ...names: string[]) =>
  runInDurableObject(session(callId), (_i, state) => {
    for (const name of names) state.storage.sql.exec("UPDATE kv SET value = json_set(value, '$.' || ?, ?) WHERE key = 'deadlines'", name, Date.now() - 1);
  });

/** The call object's named deadlines. */
export const deadlinesOf = (callId: string) =>
  runInDurableObject(session(callId), (_i, state) => JSON.parse(state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'deadlines'").toArray()[0]?.value ?? "{}") as Record<string, number>);
