import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant, request } from "./api-client.ts";

/**
 * What the API decided about text that is not plain: lone UTF-16 surrogates anywhere are refused (they would be
 * stored as U+FFFD); control and bidirectional-override characters are refused in names; e-mail addresses keep
 * RFC 5321's lengths. Every refusal is a 422 naming the field, and writes nothing.
 */
const HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
const agent = (name: string, systemPrompt = "Be brief.") => ({ name, config: { system_prompt: systemPrompt, llm: { model: HAIKU } } });

const agentNames = async (accountId: string) =>
  (await env.DB.prepare("SELECT name FROM agents WHERE account_id = ?").bind(accountId).all<{ name: string }>()).results.map((r) => r.name);

function expectRefused(res: Awaited<ReturnType<typeof request>>, path: string, message: RegExp) {
  expect(res.status, res.text).toBe(422);
  expect(res.json.type).toBe("https://docs.ayb.dev/problems/validation-error");
  expect(res.json.errors).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));
}

describe("text in request bodies", () => {
  it("refuses a lone UTF-16 surrogate in any string, and keeps well-formed astral characters intact", async () => {
    const t = await createTenant();
    const a = api(t.key);
    expectRefused(await a.post("/v1/agents", agent("Desk \ud800")), "name", /lone UTF-16 surrogate/);
    expectRefused(await a.post("/v1/agents", agent("Desk", "Hello \udfff there")), "config.system_prompt", /lone UTF-16 surrogate/);
    expect(await agentNames(t.accountId)).toEqual([]);
    const emoji = await a.post("/v1/agents", agent("Desk 📞"));
    expect(emoji.status).toBe(201);
    expect(emoji.json.name).toBe("Desk 📞");
    expect(await agentNames(t.accountId)).toEqual(["Desk 📞"]);
  });

  it("refuses NUL, other control characters and bidi overrides in names, but not right-to-left text", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const unsafe = /control characters \(such as NUL\) or bidirectional-override/;
    for (const name of ["Front\u0000desk", "Front\ndesk", "\u202eksed tnorF", "Desk \u2066x\u2069"]) {
      expectRefused(await a.post("/v1/agents", agent(name)), "name", unsafe);
    }
    expectRefused(await a.post("/v1/api-keys", { name: "ci\u0000", scopes: ["agents:read"] }), "name", unsafe);
    expectRefused(await a.post("/v1/users", { email: "x@example.com", name: "\u202eadmin", role: "viewer" }), "name", unsafe);
    expectRefused(await a.patch("/v1/accounts/me", { name: "Acme\u0000" }), "name", unsafe);
    expect(await agentNames(t.accountId)).toEqual([]);
    expect((await a.post("/v1/agents", agent("דלפק קבלה\u200f"))).status).toBe(201);
  });

  it("keeps e-mail addresses within RFC 5321: a local part of at most 64, an address of at most 254", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const tooLongLocal = /at most 64 characters/;
    expectRefused(await a.post("/v1/users", { email: `${"a".repeat(300)}@example.com`, role: "viewer" }), "email", tooLongLocal);
    expectRefused(await a.post("/v1/users", { email: `${"a".repeat(65)}@example.com`, role: "viewer" }), "email", tooLongLocal);
    const longDomain = `${["d", "e", "f", "g", "h"].map((c) => c.repeat(60)).join(".")}.com`;
    expectRefused(await a.post("/v1/users", { email: `a@${longDomain}`, role: "viewer" }), "email", /254/);
    expectRefused(
      await request("POST", "/v1/operator/accounts", { headers: { "x-operator-secret": env.OPERATOR_SECRET }, body: { name: "X", owner_email: `${"o".repeat(65)}@example.com` } }),
      "owner_email",
      tooLongLocal,
    );
    const users = async () => (await env.DB.prepare("SELECT count(*) AS n FROM users WHERE account_id = ?").bind(t.accountId).first<{ n: number }>())!.n;
    expect(await users()).toBe(1);
    expect((await a.post("/v1/users", { email: `${"a".repeat(64)}@example.com`, role: "viewer" })).status).toBe(201);
    expect(await users()).toBe(2);
  });
});
