import { describe, expect, it } from "vitest";
import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

const DISCLOSURE = "This call is recorded for quality.";

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function wavHeader(wav: Uint8Array) {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const ascii = (at: number) => String.fromCharCode(...wav.subarray(at, at + 4));
  return { riff: ascii(0), wave: ascii(8), format: view.getUint16(20, true), channels: view.getUint16(22, true), sampleRate: view.getUint32(24, true), bitsPerSample: view.getUint16(34, true), dataBytes: view.getUint32(40, true) };
}

/** The loudest sample of each channel of a 16-bit stereo WAV. */
function channelPeaks(wav: Uint8Array): [number, number] {
  const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
  const peaks: [number, number] = [0, 0];
  for (let at = 44; at + 4 <= wav.length; at += 4) {
    peaks[0] = Math.max(peaks[0], Math.abs(view.getInt16(at, true)));
    peaks[1] = Math.max(peaks[1], Math.abs(view.getInt16(at + 2, true)));
  }
  return peaks;
}

describe("recorded calls", () => {
  it("records in dual channel only once the disclosure has been heard, stores the signed status, and refuses a forged one", async () => {
    const tenant = await tenantFor(world, { recording: { enabled: true, disclosure: DISCLOSURE } });
    const { recording, call } = await placeInboundCall(world, tenant, { steps: [{ waitForAgent: true }, { say: "Thank you, bye!" }, { waitForAgent: true }] });
    // The API's call detail (workers/api/routes/calls.ts) carries more than the CLI's CallDetail type names.
    const detail = call as unknown as { id: string; recording_sid: string; turns: { role: string; text: string; ended_at: string | null }[]; events: { type: string; at: string; data: { recording_sid?: string } }[] };

    // Recording started after the disclosure turn ended (its last mark came back: the caller heard it).
    const disclosure = detail.turns.find((t) => t.role === "agent" && t.text === DISCLOSURE);
    const started = detail.events.find((e) => e.type === "recording.started");
    expect(disclosure?.ended_at).toBeTruthy();
    expect(started?.data.recording_sid).toBe(detail.recording_sid);
    expect(Date.parse(started!.at)).toBeGreaterThanOrEqual(Date.parse(disclosure!.ended_at!));

    // Twilio holds a dual-channel recording of this call.
    const { accountSid, authToken } = tenant.twilio;
    const res = await fetch(`${world.platform.sims.twilio.url}/2010-04-01/Accounts/${accountSid}/Calls/${recording.callSid}/Recordings/${detail.recording_sid}.json`, {
      headers: { authorization: `Basic ${btoa(`${accountSid}:${authToken}`)}` },
    });
    expect(res.status).toBe(200);
    const twilioRecording = (await res.json()) as { duration: string };
    expect(twilioRecording).toMatchObject({ channels: 2, source: "StartCallRecordingAPI", status: "completed" });

    // Twilio's signed recording callback set the stored status.
    const recordingUrl = `${world.platform.baseUrl}/twilio/recording/${detail.id}`;
    const signed = await until(
      async () => recording.webhooks.filter((w) => w.kind === "recording-status" && w.url === recordingUrl),
      (hooks) => hooks.some((w) => w.params.RecordingStatus === "completed"),
    );
    expect(signed.every((w) => w.status === 204)).toBe(true);
    const stored = await until(() => tenant.api.get(`/v1/calls/${detail.id}`), (c) => c.recording_status === "completed");
    expect(stored.recording_status).toBe("completed");

    // The API streams Twilio's media: a playable WAV (8 kHz, 16-bit, caller and agent channels) as long as the recording.
    const recordingApi = `${world.platform.baseUrl}/v1/calls/${detail.id}/recording`;
    const auth = { authorization: `Bearer ${tenant.apiKey}` };
    const media = await fetch(recordingApi, { headers: auth });
    expect(media.status).toBe(200);
    expect(media.headers.get("content-type")).toBe("audio/x-wav");
    const wav = new Uint8Array(await media.arrayBuffer());
    expect(Number(media.headers.get("content-length"))).toBe(wav.length);
    const header = wavHeader(wav);
    expect(header).toMatchObject({ riff: "RIFF", wave: "WAVE", format: 1, channels: 2, sampleRate: 8000, bitsPerSample: 16, dataBytes: wav.length - 44 });
    expect(Math.abs(header.dataBytes / (8000 * 2 * 2) - Number(twilioRecording.duration))).toBeLessThanOrEqual(0.5);
    // Both parties were heard while recording: the caller's goodbye (channel 1) and the agent's reply (channel 2).
    const [caller, agent] = channelPeaks(wav);
    expect(caller).toBeGreaterThan(1000);
    expect(agent).toBeGreaterThan(1000);

    // A player seeking asks for a range: 206 with exactly those bytes.
    const part = await fetch(recordingApi, { headers: { ...auth, range: "bytes=0-43" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-43/${wav.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(wav.subarray(0, 44));

    // A forged callback (another token) is refused with a security event and changes nothing.
    const forged = { AccountSid: accountSid, CallSid: recording.callSid, RecordingSid: detail.recording_sid, RecordingStatus: "absent" };
    const refused = await fetch(recordingUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": await computeTwilioSignature("not-the-tenant-token-0123456789", recordingUrl, forged) },
      body: new URLSearchParams(forged),
    });
    expect(refused.status).toBe(403);
    const logged = await until(
      async () => world.platform.logs().filter((l) => /security_event\W+twilio_signature_invalid/.test(l) && l.includes(`/twilio/recording/${detail.id}`)),
      (lines) => lines.length > 0,
      5_000,
    );
    expect(logged).toHaveLength(1);
    expect((await tenant.api.get(`/v1/calls/${detail.id}`)).recording_status).toBe("completed");
  });
});
