/**
 * A provider that fails for good, end to end: the call apologises and hangs up instead of leaving the caller in dead
 * air, and the Worker logs the final error once, as one JSON line with the call id.
 */
import { describe, expect, it } from "vitest";
import type { CallDetail } from "../../scripts/lib/call-report.ts";
import type { CallRecording } from "../../simulators/twilio/index.ts";
import { DEMO_SCENARIO, placeInboundCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

/** The Worker's `provider_failed` log lines since `since`. */
function failureLines(since: number): Record<string, unknown>[] {
  return world.platform
    .logs()
    .slice(since)
    .map((line) => line.replaceAll('\\"', '"'))
    .flatMap((line) => [...line.matchAll(/\{[^{}]*"event":"provider_failed"[^{}]*\}/g)].map((m) => JSON.parse(m[0]) as Record<string, unknown>));
}

/**
 * The platform, not the caller, ended the call, through the apology exit: the agent said the apology in its own
 * voice (its speech still worked), the stream was closed with `apology`, Twilio's `<Connect action>` was answered
 * with a hang-up, and the call's record ends as `apology`.
 */
function expectApologyExit(call: CallDetail, recording: CallRecording): void {
  expect(call.events.filter((e) => e.type === "stream.exit").map((e) => e.data)).toEqual([{ kind: "apology", spoken: true }]);
  expect(recording.endReason).toBe("twiml-hangup");
  expect(call.end_reason).toBe("apology");
}

/** The caller listens, then stays silent on the line: only the platform can end this call. */
const QUIET_CALLER = { steps: [{ waitForAgent: true }, { pause: 120_000 }] };

describe("a provider that fails for good ends the call with an apology", () => {
  it("speech-to-text that cannot be reopened: the failure reaches the call object, which apologises and hangs up", async () => {
    world.platform.sims.bedrock.loadScenario(DEMO_SCENARIO);
    const tenant = await tenantFor(world);
    const logsBefore = world.platform.logs().length;
    // Every listen socket of the call closes at once (1011): the first and each of its four reopenings.
    for (let i = 0; i < 5; i++) world.platform.sims.deepgram.dropNextSocket("listen", 0);
    try {
      const { recording, call } = await placeInboundCall(world, tenant, QUIET_CALLER);
      expectApologyExit(call, recording);
      expect(call.events.find((e) => e.type === "provider.failed")?.data).toMatchObject({ provider: "deepgram-stt" });
      expect(failureLines(logsBefore)).toMatchObject([{ level: "error", call_id: call.id, provider: "deepgram-stt", retryable: true, attempt: 5, permanent: true }]);
    } finally {
      world.platform.sims.deepgram.reset();
    }
  }, 90_000);

  it("a non-retryable model error: not retried, logged once, and the call apologises and hangs up", async () => {
    world.platform.sims.bedrock.loadScenario({
      rules: [{ id: "invalid", when: { lastUserTextMatches: "saturday" }, reply: { text: "unused" }, streamError: { type: "validationException", afterDeltas: 0 } }, ...DEMO_SCENARIO.rules],
    });
    const tenant = await tenantFor(world);
    const logsBefore = world.platform.logs().length;
    const requestsBefore = world.platform.sims.bedrock.requests().length;
    const { recording, call } = await placeInboundCall(world, tenant, { steps: [{ waitForAgent: true }, { say: "Are you open on Saturday?" }, { pause: 120_000 }] });
    expectApologyExit(call, recording);
    expect(world.platform.sims.bedrock.requests().slice(requestsBefore).filter((r) => r.ruleId === "invalid")).toHaveLength(1);
    expect(call.events.find((e) => e.type === "provider.failed")?.data).toMatchObject({ provider: "bedrock" });
    expect(failureLines(logsBefore)).toMatchObject([{ level: "error", call_id: call.id, provider: "bedrock", error: "ValidationException", retryable: false, attempt: 1, permanent: true }]);
  }, 90_000);
});
