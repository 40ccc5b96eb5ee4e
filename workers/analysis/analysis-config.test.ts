import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../test/workers/api-client.ts";

const MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const agentWith = (analysis: unknown) => ({ name: "Front desk", config: { system_prompt: "Be brief.", llm: { model: MODEL }, analysis } });

/** The problem's issues as path → message, for the paths a test cares about. */
const paths = (res: { json: { errors?: { path: string }[] } }) => (res.json.errors ?? []).map((e) => e.path);

describe("an agent's analysis config is checked when the agent is saved", () => {
  it("keeps a valid config, with its defaults filled in, in the agent's versioned config", async () => {
    const t = await createTenant();
    const analysis = {
      structured_data: {
        type: "object",
        properties: {
          preferred_day: { type: "string", description: "The day the caller wants", example: "Tuesday" },
          party: { type: "object", description: "Who comes", properties: { adults: { type: "integer", description: "How many adults" } }, required: ["adults"] },
          topics: { type: "array", description: "What was discussed", items: { type: "string", description: "A topic", enum: ["billing", "booking"] } },
        },
        required: ["preferred_day"],
      },
      success_evaluation: { type: "checklist", checklist: [{ name: "booked", description: "An appointment was booked" }] },
      sentiment: true,
      disposition: { tags: ["booked", "callback"] },
    };
    const res = await api(t.key).post("/v1/agents", agentWith(analysis));
    expect(res.status).toBe(201);
    expect(res.json.draft.analysis).toEqual({ ...analysis, summary: { enabled: true }, min_turns: 2 });
  });

  it.each([
    ["a field without a description", { properties: { day: { type: "string" } } }, "config.analysis.structured_data.properties.day"],
    ["an unknown field type", { properties: { day: { type: "date", description: "d" } } }, "config.analysis.structured_data.properties.day.type"],
    ["an array without items", { properties: { days: { type: "array", description: "d" } } }, "config.analysis.structured_data.properties.days"],
    ["a keyword outside the subset", { properties: { day: { type: "string", description: "d", pattern: "^M" } } }, "config.analysis.structured_data.properties.day.pattern"],
    ["an enum on a boolean", { properties: { ok: { type: "boolean", description: "d", enum: [true] } } }, "config.analysis.structured_data.properties.ok.type"],
    ["a required name that is no property", { properties: { day: { type: "string", description: "d" } }, required: ["day", "time"] }, "config.analysis.structured_data.required.1"],
    ["an example its field refuses", { properties: { n: { type: "integer", description: "d", example: "three" } } }, "config.analysis.structured_data.properties.n.example"],
    ["a nested object's bad field", { properties: { o: { type: "object", description: "d", properties: { x: { type: "nope", description: "d" } } } } }, "config.analysis.structured_data.properties.o.properties.x.type"],
  ])("refuses a structured-data schema with %s, pointing at the field", async (_what, schema, path) => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/agents", agentWith({ structured_data: { type: "object", ...schema } }));
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.json.type).toBe("https://docs.ayb.dev/problems/validation-error");
    expect(paths(res)).toContain(path);
  });

  it("refuses a structured-data root that is not an object schema", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/agents", agentWith({ structured_data: { type: "array", properties: {} } }));
    expect(res.status).toBe(422);
    expect(paths(res)).toContain("config.analysis.structured_data.type");
  });

  it.each([
    ["an unknown rubric type", { type: "stars", criteria: "c" }, "config.analysis.success_evaluation.type"],
    ["a rubric without criteria", { type: "pass_fail" }, "config.analysis.success_evaluation.criteria"],
    ["a checklist without criteria", { type: "checklist", checklist: [] }, "config.analysis.success_evaluation.checklist"],
    ["a checklist with a duplicate criterion", { type: "checklist", checklist: [{ name: "a", description: "x" }, { name: "a", description: "y" }] }, "config.analysis.success_evaluation.checklist.1.name"],
  ])("refuses %s, pointing at the field", async (_what, rubric, path) => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/agents", agentWith({ success_evaluation: rubric }));
    expect(res.status).toBe(422);
    expect(paths(res)).toContain(path);
  });

  it("refuses duplicate disposition tags and a negative min_turns", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/agents", agentWith({ disposition: { tags: ["a", "a"] }, min_turns: -1 }));
    expect(res.status).toBe(422);
    expect(paths(res)).toEqual(expect.arrayContaining(["config.analysis.disposition.tags.1", "config.analysis.min_turns"]));
  });
});
