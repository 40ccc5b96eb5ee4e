import { describe, expect, it } from "vitest";
import { AnalysisConfig, type SuccessRubric } from "../../shared/schemas/agent-analysis-config.ts";
import { analysisToolSchema, verdictSucceeded } from "./analysis-tool-schema.ts";

const checklist: SuccessRubric = { type: "checklist", checklist: [{ name: "greeted", description: "g" }, { name: "booked", description: "b" }] };

describe("the analysis tool's schema and verdicts", () => {
  it("asks for each enabled part, all required, and nothing else", () => {
    const config = AnalysisConfig.parse({ summary: { enabled: false }, sentiment: true, disposition: { tags: ["a", "b"] }, success_evaluation: { type: "likert_5", criteria: "c" } });
    const schema = analysisToolSchema(config);
    expect(schema).toMatchObject({ type: "object", required: ["success", "sentiment", "disposition"], additionalProperties: false });
    expect((schema.properties as Record<string, unknown>).success).toMatchObject({ type: "integer", minimum: 1, maximum: 5 });
    expect((schema.properties as Record<string, unknown>).disposition).toMatchObject({ enum: ["a", "b"] });
  });

  it("turns a checklist into one required boolean per criterion", () => {
    const schema = analysisToolSchema(AnalysisConfig.parse({ success_evaluation: checklist }));
    expect((schema.properties as Record<string, unknown>).success).toMatchObject({ type: "object", required: ["greeted", "booked"], additionalProperties: false });
  });

  it.each<[SuccessRubric, unknown, boolean | null]>([
    [{ type: "pass_fail", criteria: "c" }, true, true],
    [{ type: "pass_fail", criteria: "c" }, false, false],
    [{ type: "numeric_1_10", criteria: "c" }, 7, true],
    [{ type: "numeric_1_10", criteria: "c" }, 6, false],
    [{ type: "likert_5", criteria: "c" }, 4, true],
    [{ type: "likert_5", criteria: "c" }, 3, false],
    [checklist, { greeted: true, booked: true }, true],
    [checklist, { greeted: true, booked: false }, false],
    [{ type: "descriptive", criteria: "c" }, "fine", null],
  ])("counts %j with verdict %j as success: %j", (rubric, verdict, expected) => {
    expect(verdictSucceeded(rubric, verdict)).toBe(expected);
  });
});
