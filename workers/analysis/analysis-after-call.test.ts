import { describe, expect, it } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { acceptedCall, until } from "../../test/workers/media-stream-client.ts";
import { telephonyTenant, twilioPost } from "../../test/workers/telephony-fixtures.ts";
import { FULL_ANALYSIS } from "./testing-fixtures.ts";

describe("a finished call is analysed off the call path", () => {
  it("the call's object queues the analysis once the call is delivered, and the consumer settles it", { timeout: 40_000 }, async () => {
    const t = await telephonyTenant({ agentConfig: { analysis: FULL_ANALYSIS } });
    const callId = (await acceptedCall(t)).params.call_id!;
    // Twilio's final status ends a call whose stream never started: no turn was spoken.
    const done = await twilioPost(`/twilio/status/${callId}`, { AccountSid: t.accountSid, CallSid: "CA" + "3".repeat(32), CallStatus: "completed", CallDuration: "3" }, t.authToken);
    expect(done.status).toBe(204);
    const analysis = await until(
      async () => (await api(t.key).get(`/v1/calls/${callId}`)).json.analysis as { status: string; reason: string; analysis_version: number }[],
      (a) => a.length > 0 && a[0]!.status !== "queued",
      30_000,
    );
    expect(analysis).toEqual([expect.objectContaining({ analysis_version: 1, status: "skipped", reason: "the call has 0 caller and agent turns; the analysis needs at least 2 (min_turns)" })]);
  });
});
