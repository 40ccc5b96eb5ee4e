import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { JSON_FIELD_MAX_BYTES, JSON_FIELD_MAX_DEPTH, jsonDepthOver } from "../../../shared/schemas/bounded-json.ts";
import { api, createTenant, request } from "../../../test/workers/api-client.ts";

const DEEP = 20_000;
const agentBody = (config: Record<string, unknown> = {}) => ({
  name: "Front desk",
  config: { system_prompt: "Be brief.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" }, ...config },
});
/** A JSON text whose `"deep"` value is `inner`, spliced as text: JSON.stringify of such a value would overflow. */
const withDeepParameters = (body: unknown, inner: string) =>
  JSON.stringify(body).replace('"__DEEP__"', inner);
const deepObject = (levels: number) => '{"a":'.repeat(levels - 1) + "{}" + "}".repeat(levels - 1);
const deepArray = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
const toolWith = (properties: unknown) => ({
  tools: [{ type: "http", name: "lookup", description: "Look it up", url: "https://crm.acme.test/x", parameters: { type: "object", properties } }],
});

const agentCount = async (accountId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM agents WHERE account_id = ?").bind(accountId).first<{ n: number }>())!.n;

function expectFieldRefused(res: Awaited<ReturnType<typeof request>>, message: RegExp) {
  expect(res.status, res.text).toBe(422);
  expect(res.json.type).toBe("https://docs.ayb.dev/problems/validation-error");
  expect(res.json.errors).toEqual([expect.objectContaining({ path: "config.tools.0.parameters", message: expect.stringMatching(message) })]);
}

describe("JSON-valued fields", () => {
  it("measures depth without recursion: 20,000 levels are counted, 32 pass", () => {
    expect(jsonDepthOver(JSON.parse(deepArray(DEEP)), JSON_FIELD_MAX_DEPTH)).toBe(true);
    expect(jsonDepthOver(JSON.parse(deepArray(JSON_FIELD_MAX_DEPTH)), JSON_FIELD_MAX_DEPTH)).toBe(false);
    expect(jsonDepthOver(JSON.parse(deepArray(JSON_FIELD_MAX_DEPTH + 1)), JSON_FIELD_MAX_DEPTH)).toBe(true);
    expect(jsonDepthOver("scalar", 0)).toBe(false);
  });

  it("refuses a 20,000-level tool parameter schema on POST /v1/agents with 422 naming the field, and creates nothing", async () => {
    const t = await createTenant();
    const body = withDeepParameters(agentBody(toolWith({ deep: "__DEEP__" })), deepObject(DEEP));
    const res = await request("POST", "/v1/agents", { key: t.key, body });
    expectFieldRefused(res, /nested deeper than 32 levels/);
    expect(await agentCount(t.accountId)).toBe(0);
  });

  it("refuses a 20,000-level array on PATCH, and leaves the draft as it was", async () => {
    const t = await createTenant();
    const created = await api(t.key).post("/v1/agents", agentBody());
    expect(created.status).toBe(201);
    const draft = async () => (await env.DB.prepare("SELECT draft FROM agents WHERE id = ?").bind(created.json.id).first<{ draft: string }>())!.draft;
    const before = await draft();
    const body = withDeepParameters({ config: agentBody(toolWith({ deep: "__DEEP__" })).config }, deepArray(DEEP));
    const res = await request("PATCH", `/v1/agents/${created.json.id}`, { key: t.key, body });
    expectFieldRefused(res, /nested deeper than 32 levels/);
    expect(await draft()).toBe(before);
    // Publishing still works on the unchanged draft.
    expect((await api(t.key).post(`/v1/agents/${created.json.id}/publish`)).status).toBe(201);
  });

  it("refuses a parameter schema over the size limit, and accepts one at the depth limit", async () => {
    const t = await createTenant();
    const big = await api(t.key).post("/v1/agents", agentBody(toolWith({ blob: { type: "string", description: "x".repeat(JSON_FIELD_MAX_BYTES) } })));
    expectFieldRefused(big, /bytes as JSON; at most 32768 are allowed/);
    // parameters (1) → properties (2) → deep (3) → … : the deepest allowed value.
    const body = withDeepParameters(agentBody(toolWith({ deep: "__DEEP__" })), deepObject(JSON_FIELD_MAX_DEPTH - 2));
    const ok = await request("POST", "/v1/agents", { key: t.key, body });
    expect(ok.status, ok.text).toBe(201);
    expect((await api(t.key).post(`/v1/agents/${ok.json.id}/publish`)).status).toBe(201);
    expect(await agentCount(t.accountId)).toBe(1);
  });
});
