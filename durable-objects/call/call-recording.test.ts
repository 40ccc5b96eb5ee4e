import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { TwilioClient } from "../../shared/twilio/twilio-client.ts";
import { session } from "../../test/workers/media-stream-client.ts";
import { registerWithTwilio, telephonyTenant, type TelephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import { PciRecordingPause } from "./call-recording.ts";
import { CallStore } from "./call-store.ts";

/** A live call at the Twilio simulator, being recorded, and a call object whose store points at both. */
async function recordedCall(t: TelephonyTenant, name: string) {
  await registerWithTwilio(t);
  const twilio = new TwilioClient(env.TWILIO_API_BASE_URL, t.accountSid, t.authToken);
  const call = await twilio.createCall({ to: "+14155550142", from: t.number, twiml: `<Response><Pause length="600"/></Response>` });
  await vi.waitFor(
    async () => {
      const res = await fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/Calls/${call.sid}.json`, { headers: { authorization: `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}` } });
      expect((await res.json<{ status: string }>()).status).toBe("in-progress");
    },
    { timeout: 10_000, interval: 20 },
  );
  const recording = await twilio.startRecording(call.sid, "https://voice.test/twilio/recording/x");
  const status = async () => {
    const res = await fetch(`${env.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${t.accountSid}/Recordings/${recording.sid}.json`, { headers: { authorization: `Basic ${btoa(`${t.accountSid}:${t.authToken}`)}` } });
    return (await res.json<{ status: string }>()).status;
  };
  const stub = session(name);
  await runInDurableObject(stub, (_i, state) => {
    const store = new CallStore(state.storage.sql);
    store.put("meta", { callId: name, accountId: t.accountId, agentId: t.agentId, agentVersion: 1, direction: "outbound", from: t.number, to: "+14155550142", callSid: call.sid, createdAt: new Date().toISOString(), publicBaseUrl: "https://voice.test" });
    store.put("recordingSid", recording.sid);
  });
  const inObject = <T>(fn: (pause: PciRecordingPause, store: CallStore) => Promise<T>) =>
    runInDurableObject(stub, (_i, state) => {
      const store = new CallStore(state.storage.sql);
      return fn(new PciRecordingPause(env, store), store);
    });
  return { status, inObject, end: () => twilio.updateCall(call.sid, { status: "completed" }) };
}

describe("PCI tools pause the call's recording", () => {
  it("pauses before the tool runs and resumes after it; overlapping PCI tools share one pause", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const call = await recordedCall(t, "pci-pause");
    const seen = await call.inObject(async (pause, store) => {
      const during: string[] = [];
      const tool = async () => {
        during.push(await call.status());
        return "done";
      };
      await Promise.all([pause.around(tool, () => "refused"), pause.around(tool, () => "refused")]);
      return { during, events: store.events().map((e) => e.type) };
    });
    expect(seen.during).toEqual(["paused", "paused"]);
    expect(await call.status()).toBe("in-progress");
    expect(seen.events.filter((e) => e.startsWith("recording."))).toEqual(["recording.paused", "recording.resumed"]);
    await call.end();
  });

  it("does not run the tool when Twilio refuses the pause", { timeout: 30_000 }, async () => {
    const t = await telephonyTenant();
    const call = await recordedCall(t, "pci-refused");
    const outcome = await call.inObject(async (pause, store) => {
      store.put("recordingSid", "RE" + "0".repeat(32)); // Twilio knows no such recording: the pause is refused
      let ran = false;
      const result = await pause.around(async () => ((ran = true), "done"), (reason) => reason);
      return { ran, result, events: store.events().map((e) => e.type) };
    });
    expect(outcome).toMatchObject({ ran: false, result: expect.stringContaining("could not be paused") });
    expect(outcome.events).toContain("recording.pause_failed");
    await call.end();
  });
});
