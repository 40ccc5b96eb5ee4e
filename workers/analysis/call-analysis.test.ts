import { describe, expect, it } from "vitest";
import { createTenant } from "../../test/workers/api-client.ts";
import { TransientModelError } from "./analysis-model.ts";
import { agentWithAnalysis, BOOKING_CALL, finishedCall, FULL_ANALYSIS, MODEL } from "./testing-fixtures.ts";
import { analysisOf, deliver } from "./testing-delivery.ts";

describe("post-call analysis", () => {
  it("gives exactly the simulator's rule results, stores them with the tokens, and emits call.analyzed", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, BOOKING_CALL);
    const { sent, verdicts, requests, result } = await deliver(t, callId, agent);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(verdicts).toEqual([{ type: "call.verdict", account_id: t.accountId, call_id: callId, analysis_version: 1, succeeded: true }]);
    expect(requests).toBe(1);
    const [analysis] = await analysisOf(t, callId);
    expect(analysis).toMatchObject({
      analysis_version: 1,
      agent_version: agent.version,
      status: "succeeded",
      reason: null,
      summary: "I need a cleaning. Goodbye!",
      structured_data: { preferred_day: "Tuesday", party_size: 3, new_patient: false, service: "cleaning" },
      success: true,
      succeeded: true,
      sentiment: "positive",
      disposition: "booked",
      model: MODEL,
      attempts: 1,
    });
    expect(analysis.usage.input_tokens).toBeGreaterThan(0);
    expect(analysis.usage.output_tokens).toBeGreaterThan(0);
    expect(sent).toEqual([expect.objectContaining({ type: "call.analyzed", id: `evt_${callId}_analyzed_1`, account_id: t.accountId, data: { call_id: callId, agent_id: agent.id, ...analysis } })]);
  });

  it("retries an invalid answer once, with the errors, and keeps the second answer", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, [...BOOKING_CALL, ["caller", "ANALYSIS_INVALID_ONCE"]]);
    const { requests } = await deliver(t, callId, agent);
    expect(requests).toBe(2);
    const [analysis] = await analysisOf(t, callId);
    expect(analysis).toMatchObject({ status: "succeeded", attempts: 2, disposition: "booked" });
  });

  it("marks the analysis failed, with the reason, when the retried answer is invalid too", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, [...BOOKING_CALL, ["caller", "ANALYSIS_INVALID_ALWAYS"]]);
    const { requests, sent, verdicts } = await deliver(t, callId, agent);
    expect(requests).toBe(2);
    expect(verdicts).toEqual([expect.objectContaining({ call_id: callId, analysis_version: 1, succeeded: null })]);
    const [analysis] = await analysisOf(t, callId);
    expect(analysis).toMatchObject({ status: "failed", attempts: 2, summary: null, structured_data: null });
    expect(analysis.reason).toMatch(/^the model's answer was invalid after 2 attempts: .*unexpected_field/);
    expect(sent.map((e) => [e.type, e.data.status])).toEqual([["call.analyzed", "failed"]]);
  });

  it("skips a call shorter than min_turns without asking the model, and records why", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, { ...FULL_ANALYSIS, min_turns: 4 });
    const callId = await finishedCall(t, agent, BOOKING_CALL.slice(0, 3));
    const { requests } = await deliver(t, callId, agent);
    expect(requests).toBe(0);
    const [analysis] = await analysisOf(t, callId);
    expect(analysis).toMatchObject({ status: "skipped", reason: "the call has 3 caller and agent turns; the analysis needs at least 4 (min_turns)", attempts: 0 });
  });

  it("does nothing new when the same message is delivered again", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const callId = await finishedCall(t, agent, BOOKING_CALL);
    await deliver(t, callId, agent);
    const before = await analysisOf(t, callId);
    const again = await deliver(t, callId, agent);
    expect(again.result.explicitAcks).toEqual(["m1"]);
    expect(again.requests).toBe(0);
    expect(again.sent).toEqual([]);
    expect(await analysisOf(t, callId)).toEqual(before);
  });

  it("fails the analysis when Bedrock refuses the request, and leaves it queued for a retry when Bedrock is throttled", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, FULL_ANALYSIS);
    const throttled = await finishedCall(t, agent, BOOKING_CALL);
    const busy = { answer: () => Promise.reject(new TransientModelError("ThrottlingException: Too many requests")) };
    const retried = await deliver(t, throttled, agent, 1, busy);
    expect(retried.result.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
    expect((await analysisOf(t, throttled))[0]).toMatchObject({ status: "queued" });
    expect(retried.sent).toEqual([]);

    const refusedCall = await finishedCall(t, agent, BOOKING_CALL);
    const refusing = { answer: () => Promise.reject(Object.assign(new Error("The provided model identifier is invalid."), { name: "ValidationException" })) };
    const refused = await deliver(t, refusedCall, agent, 1, refusing);
    expect(refused.result.explicitAcks).toEqual(["m1"]);
    expect((await analysisOf(t, refusedCall))[0]).toMatchObject({ status: "failed", reason: "the model refused the request: ValidationException: The provided model identifier is invalid.", attempts: 0 });
  });

  it("summarises the calls of an agent without an analysis config, and leaves none for an agent with `summary: false`", async () => {
    const t = await createTenant();
    const plain = await agentWithAnalysis(t, undefined);
    const summarised = await finishedCall(t, plain, BOOKING_CALL);
    const byDefault = await deliver(t, summarised, plain);
    expect(byDefault.requests).toBe(1);
    const [analysis] = await analysisOf(t, summarised);
    expect(analysis).toMatchObject({ status: "succeeded", summary: "I need a cleaning. Goodbye!", structured_data: null, success: null, succeeded: null, sentiment: null, disposition: null });
    expect(byDefault.sent.map((e) => e.type)).toEqual(["call.analyzed"]);

    for (const summary of [false, { enabled: false }]) {
      const silent = await agentWithAnalysis(t, { summary });
      const callId = await finishedCall(t, silent, BOOKING_CALL);
      const { requests, sent, verdicts, result } = await deliver(t, callId, silent);
      expect(result.explicitAcks).toEqual(["m1"]);
      expect([requests, sent.length, verdicts.length]).toEqual([0, 0, 0]);
      expect(await analysisOf(t, callId)).toEqual([]);
    }
  });

  it("reads only the account's own call: another tenant's ids in a message analyse nothing", async () => {
    const owner = await createTenant();
    const other = await createTenant();
    const agent = await agentWithAnalysis(owner, FULL_ANALYSIS);
    const callId = await finishedCall(owner, agent, BOOKING_CALL);
    const { requests } = await deliver(other, callId, agent);
    expect(requests).toBe(0);
    expect(await analysisOf(owner, callId)).toEqual([]);
  });
});
