import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { agentWithAnalysis, finishedCall, MODEL } from "../analysis/testing-fixtures.ts";
import { analysisOf, deliver } from "../analysis/testing-delivery.ts";
import { COMPLIANT_CALL, QUALITY, VIOLATING_CALL, VIOLATIONS } from "./testing-quality.ts";

const agentWithQuality = async (t: Awaited<ReturnType<typeof createTenant>>, quality: unknown = QUALITY) => {
  const created = await api(t.key).post("/v1/agents", { name: "Front desk", config: { system_prompt: "Be brief.", llm: { model: MODEL }, quality } });
  if (created.status !== 201) throw new Error(`agent: ${created.status} ${created.text}`);
  const published = await api(t.key).post(`/v1/agents/${created.json.id}/publish`);
  return { id: created.json.id as string, version: published.json.version as number };
};

describe("quality: the scorecard and compliance checks on scripted calls", () => {
  it("scores a compliant call 100 with each criterion's evidence and no violation", async () => {
    const t = await createTenant();
    const agent = await agentWithQuality(t);
    const callId = await finishedCall(t, agent, COMPLIANT_CALL);
    const { sent } = await deliver(t, callId, agent);
    const [analysis] = await analysisOf(t, callId);
    expect(analysis.status).toBe("succeeded");
    // A quality config alone runs the default analysis (a summary) beside it.
    expect(analysis.summary).toBe("I need a cleaning. You are booked for Tuesday.");
    expect(analysis.quality).toEqual({
      score: 100,
      criteria: [
        { id: "greeting", weight: 1, score: 10, evidence: COMPLIANT_CALL[0]![1] },
        { id: "disclosure", weight: 3, score: 10, evidence: COMPLIANT_CALL[0]![1] },
      ],
      violations: [],
      coaching: [],
    });
    expect(sent[0]!.data.quality).toEqual(analysis.quality);
  });

  it("flags every known violation on the call, scores the weighted total and suggests the missing disclosure", async () => {
    const t = await createTenant();
    const agent = await agentWithQuality(t);
    const callId = await finishedCall(t, agent, VIOLATING_CALL);
    await deliver(t, callId, agent);
    const [analysis] = await analysisOf(t, callId);
    expect(analysis.quality).toEqual({
      score: 25,
      criteria: [
        { id: "greeting", weight: 1, score: 10, evidence: VIOLATING_CALL[0]![1] },
        { id: "disclosure", weight: 3, score: 0, evidence: VIOLATING_CALL[0]![1] },
      ],
      violations: VIOLATIONS,
      coaching: [{ suggestion: 'Add to the prompt: say "virtual assistant".', evidence: VIOLATING_CALL[0]![1] }],
    });
  });

  it("runs the rule checks alone for compliance without a scorecard (no score)", async () => {
    const t = await createTenant();
    const agent = await agentWithQuality(t, { compliance: { forbidden_phrases: [{ id: "guarantee", phrase: "we guarantee" }] } });
    const callId = await finishedCall(t, agent, VIOLATING_CALL);
    await deliver(t, callId, agent);
    const [analysis] = await analysisOf(t, callId);
    expect(analysis.quality).toEqual({ score: null, criteria: [], violations: [VIOLATIONS[1], VIOLATIONS[2]], coaching: [] });
  });

  it("leaves quality null for an agent with analysis but no quality config", async () => {
    const t = await createTenant();
    const agent = await agentWithAnalysis(t, { sentiment: true });
    const callId = await finishedCall(t, agent, VIOLATING_CALL);
    await deliver(t, callId, agent);
    expect((await analysisOf(t, callId))[0]).toMatchObject({ status: "succeeded", quality: null });
  });
});

describe("an agent's quality config is checked when the agent is saved", () => {
  const save = async (quality: unknown) => {
    const t = await createTenant();
    return api(t.key).post("/v1/agents", { name: "Front desk", config: { system_prompt: "Be brief.", llm: { model: MODEL }, quality } });
  };

  it("keeps a valid config, its defaults filled in, in the versioned config", async () => {
    const res = await save(QUALITY);
    expect(res.status).toBe(201);
    expect(res.json.draft.quality).toEqual({ ...QUALITY, compliance: { ...QUALITY.compliance, sensitive_readback: true } });
  });

  it.each([
    ["an empty config", {}, "config.quality"],
    ["a weight of zero", { scorecard: { criteria: [{ id: "a", description: "d", weight: 0 }] } }, "config.quality.scorecard.criteria.0.weight"],
    ["a duplicate criterion id", { scorecard: { criteria: [{ id: "a", description: "d", weight: 1 }, { id: "a", description: "e", weight: 1 }] } }, "config.quality.scorecard.criteria.1.id"],
    ["no criteria", { scorecard: { criteria: [] } }, "config.quality.scorecard.criteria"],
    ["a phrase of punctuation", { compliance: { required_phrases: [{ id: "a", phrase: "?!" }] } }, "config.quality.compliance.required_phrases.0.phrase"],
    ["a check id used twice across kinds", { compliance: { required_phrases: [{ id: "a", phrase: "hello" }], policies: [{ id: "a", text: "Be nice." }] } }, "config.quality.compliance.policies.0.id"],
    ["the card check's reserved id", { compliance: { forbidden_phrases: [{ id: "sensitive_readback", phrase: "hello" }] } }, "config.quality.compliance.forbidden_phrases.0.id"],
    ["an unknown key", { compliance: { banned: [] } }, "config.quality.compliance"],
    ["an empty policy", { compliance: { policies: [{ id: "p", text: "" }] } }, "config.quality.compliance.policies.0.text"],
  ])("refuses %s, pointing at the field", async (_, quality, path) => {
    const res = await save(quality);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.json.type).toBe("https://docs.ayb.dev/problems/validation-error");
    expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});
