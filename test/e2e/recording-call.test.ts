import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { placeInboundCall, startWorld, tenantFor, type CallWorld } from "./call-harness.ts";

let world: CallWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

const DISCLOSURE = "This call is recorded for quality.";

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
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
    expect(await res.json()).toMatchObject({ channels: 2, source: "StartCallRecordingAPI", status: "completed" });

    // Twilio's signed recording callback set the stored status.
    const recordingUrl = `${world.platform.baseUrl}/twilio/recording/${detail.id}`;
    const signed = await until(
      async () => recording.webhooks.filter((w) => w.kind === "recording-status" && w.url === recordingUrl),
      (hooks) => hooks.some((w) => w.params.RecordingStatus === "completed"),
    );
    expect(signed.every((w) => w.status === 204)).toBe(true);
    const stored = await until(() => tenant.api.get(`/v1/calls/${detail.id}`), (c) => c.recording_status === "completed");
    expect(stored.recording_status).toBe("completed");

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
