import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { inboundParams, parseConnect, telephonyTenant, twilioPost, type TelephonyTenant } from "../../test/workers/telephony-fixtures.ts";

const SID = "MZ" + "9".repeat(32);

/** Twilio's end of a media stream: sends start, echoes every mark at once (as if the audio had played). */
async function connectStream(t: TelephonyTenant, url: string, params: Record<string, string>) {
  const signature = await computeTwilioSignature(t.authToken, url, {});
  const res = await exports.default.fetch(new Request(url.replace(/^wss/, "https"), { headers: { upgrade: "websocket", "x-twilio-signature": signature } }));
  const ws = res.webSocket!;
  ws.accept();
  const received = { media: 0, marks: [] as string[] };
  const state = { closed: false, sequence: 1 };
  ws.addEventListener("close", () => (state.closed = true));
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(String(e.data));
    if (msg.event === "media") received.media++;
    if (msg.event === "mark") {
      received.marks.push(msg.mark.name);
      ws.send(JSON.stringify({ event: "mark", sequenceNumber: String(++state.sequence), streamSid: SID, mark: { name: msg.mark.name } }));
    }
  });
  ws.send(JSON.stringify({ event: "connected", protocol: "Call", version: "1.0.0" }));
  ws.send(
    JSON.stringify({
      event: "start",
      sequenceNumber: "1",
      streamSid: SID,
      start: { streamSid: SID, accountSid: t.accountSid, callSid: "CA" + "8".repeat(32), tracks: ["inbound"], customParameters: params, mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } },
    }),
  );
  return {
    ws,
    received,
    get closed() {
      return state.closed;
    },
  };
}

describe("stream recovery across an object restart", () => {
  it("keeps the stored turns and resumes the conversation on a new stream to the same call", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const accepted = parseConnect((await twilioPost("/twilio/voice", inboundParams(t), t.authToken)).text);
    const callId = accepted.params.call_id!;
    const stub = () => env.CALL_SESSION.get(env.CALL_SESSION.idFromName(callId));
    let session = stub();

    const first = await connectStream(t, accepted.url!, accepted.params);
    // The greeting is synthesised (Deepgram simulator), played and acknowledged.
    await vi.waitFor(async () => expect((await session.state()).turns.find((x) => x.role === "agent")?.endedAt).toBeTruthy(), { timeout: 10_000, interval: 50 });
    expect(first.received.media).toBeGreaterThan(0);
    const before = (await session.state()).turns;
    expect(before.map((x) => [x.role, x.text])).toEqual([["agent", "Hello!"]]);

    // A crash (a deploy resets objects the same way): the object's memory is gone and Twilio's socket with it.
    await runInDurableObject(session, (_instance, state) => state.abort("simulated crash")).catch(() => {});
    await vi.waitFor(() => expect(first.closed).toBe(true), { timeout: 5_000 });
    session = stub(); // a stub to the crashed instance stays broken; a new one reaches the restarted object
    const ended = await twilioPost(`/twilio/stream-ended/${callId}`, { AccountSid: t.accountSid, CallSid: "CA" + "8".repeat(32), CallStatus: "in-progress" }, t.authToken);
    const again = parseConnect(ended.text);
    expect(again.params.call_id).toBe(callId);

    const second = await connectStream(t, again.url!, again.params);
    await vi.waitFor(async () => expect((await session.state()).turns.filter((x) => x.role === "agent" && x.endedAt)).toHaveLength(2), { timeout: 10_000, interval: 50 });
    const after = (await session.state()).turns;
    expect(after[0]).toEqual(before[0]);
    expect(after[1]!.text).toBe("Sorry about that, we had a brief interruption. Where were we?");
    expect(second.received.media).toBeGreaterThan(0);
    const events = (await session.events()).map((e) => e.type);
    expect(events.filter((e) => e === "stream.started")).toHaveLength(2);
    expect(events).toContain("stream.recovering");
    second.ws.close();
  });
});
