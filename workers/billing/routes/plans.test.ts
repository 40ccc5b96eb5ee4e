import { describe, expect, it } from "vitest";
import { createTenant } from "../../../test/workers/api-client.ts";
import { auditEntries, operator } from "../../../test/workers/billing-fixtures.ts";
import { PLATFORM_AUDIT_CHAIN } from "../platform-audit.ts";

const freshPlanId = () => `plan-${crypto.randomUUID().slice(0, 8)}`;
const PROBLEMS = "https://docs.ayb.dev/problems/";

describe("operator plans and rate cards", () => {
  it("creates a plan, lists it, and replaces its rate card per currency as a whole", async () => {
    const id = freshPlanId();
    const created = await operator("POST", "/v1/operator/plans", { id, name: "Growth" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id, name: "Growth" });
    expect((await operator("GET", "/v1/operator/plans")).json.data).toContainEqual(expect.objectContaining({ id, name: "Growth" }));

    const first = await operator("PUT", `/v1/operator/plans/${id}/rate-cards/EUR`, {
      rates: [
        { component: "llm_input_token", model: "us.anthropic.claude-haiku-4-5-20251001-v1:0", micros_per_unit: 3 },
        { component: "tts_character", micros_per_unit: 28 },
      ],
    });
    expect(first.status).toBe(200);
    await operator("PUT", `/v1/operator/plans/${id}/rate-cards/USD`, { rates: [{ component: "platform_minute", micros_per_unit: 50_000 }] });
    // The second EUR card replaces the first: the TTS rate left out is gone.
    await operator("PUT", `/v1/operator/plans/${id}/rate-cards/EUR`, { rates: [{ component: "platform_minute", micros_per_unit: 45_000 }] });
    const plan = await operator("GET", `/v1/operator/plans/${id}`);
    expect(plan.json.rate_cards).toEqual([
      { plan_id: id, currency: "EUR", rates: [{ component: "platform_minute", model: "", micros_per_unit: 45_000 }] },
      { plan_id: id, currency: "USD", rates: [{ component: "platform_minute", model: "", micros_per_unit: 50_000 }] },
    ]);
    const audit = await auditEntries(PLATFORM_AUDIT_CHAIN);
    expect(audit.filter((e) => e.resource?.startsWith(`plan:${id}`)).map((e) => [e.actor, e.action, e.resource])).toEqual([
      ["operator", "POST /v1/operator/plans", `plan:${id}`],
      ["operator", "PUT /v1/operator/plans/:id/rate-cards/:currency", `plan:${id}/rate-card:EUR`],
      ["operator", "PUT /v1/operator/plans/:id/rate-cards/:currency", `plan:${id}/rate-card:USD`],
      ["operator", "PUT /v1/operator/plans/:id/rate-cards/:currency", `plan:${id}/rate-card:EUR`],
    ]);
  });

  it("refuses a duplicate plan id with a 409, and an unknown plan with a 404", async () => {
    const id = freshPlanId();
    await operator("POST", "/v1/operator/plans", { id, name: "Once" });
    const again = await operator("POST", "/v1/operator/plans", { id, name: "Twice" });
    expect(again.status).toBe(409);
    expect(again.json.type).toBe(`${PROBLEMS}conflict`);
    const missing = await operator("PUT", `/v1/operator/plans/${freshPlanId()}/rate-cards/USD`, { rates: [] });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
  });

  it("refuses unknown currencies and components, negative, fractional and duplicate rates, naming each field", async () => {
    const id = freshPlanId();
    await operator("POST", "/v1/operator/plans", { id, name: "Strict" });
    const currency = await operator("PUT", `/v1/operator/plans/${id}/rate-cards/JPY`, { rates: [] });
    expect(currency.status).toBe(422);
    expect(currency.json.errors.map((e: { path: string }) => e.path)).toEqual(["currency"]);
    const rates = await operator("PUT", `/v1/operator/plans/${id}/rate-cards/USD`, {
      rates: [
        { component: "fax_page", micros_per_unit: 1 },
        { component: "stt_second", micros_per_unit: -1 },
        { component: "tts_character", micros_per_unit: 0.5 },
      ],
    });
    expect(rates.status).toBe(422);
    expect(rates.json.type).toBe(`${PROBLEMS}validation-error`);
    expect(rates.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["rates.0.component", "rates.1.micros_per_unit", "rates.2.micros_per_unit"]);
    const twice = await operator("PUT", `/v1/operator/plans/${id}/rate-cards/USD`, {
      rates: [
        { component: "platform_minute", micros_per_unit: 1 },
        { component: "platform_minute", micros_per_unit: 2 },
      ],
    });
    expect(twice.json.errors).toEqual([expect.objectContaining({ path: "rates.1", message: "the same component and model appear twice" })]);
    expect((await operator("GET", `/v1/operator/plans/${id}`)).json.rate_cards).toEqual([]);
    const badId = await operator("POST", "/v1/operator/plans", { id: "Has Spaces", name: "x" });
    expect(badId.status).toBe(422);
  });

  it("is operator-only: a tenant's key cannot reach it", async () => {
    const t = await createTenant();
    const res = await operator("GET", "/v1/operator/plans", undefined, { authorization: `Bearer ${t.key}`, "x-operator-secret": "" });
    expect(res.status).toBe(401);
  });
});
