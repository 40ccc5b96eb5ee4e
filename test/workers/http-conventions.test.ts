import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api, createTenant, request } from "./api-client.ts";

const PROBLEMS = "https://docs.ayb.dev/problems/";
const agentBody = JSON.stringify({ name: "Desk", config: { system_prompt: "Hi.", first_message: "Hello!", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } });
const raw = (path: string, init: RequestInit) => exports.default.fetch(new Request(`https://api.test${path}`, init));
const agentCount = async (accountId: string) => (await env.DB.prepare("SELECT count(*) AS n FROM agents WHERE account_id = ?").bind(accountId).first<{ n: number }>())!.n;

async function expectProblem(res: Response, status: number, type: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = await res.json<{ type: string; request_id: string }>();
  expect(body.type).toBe(PROBLEMS + type);
  expect(body.request_id).toBe(res.headers.get("x-request-id"));
  return body;
}

describe("request bodies", () => {
  it("accepts a POST with no body and no Content-Type, as `curl -X POST` sends it", async () => {
    const t = await createTenant();
    const agent = (await api(t.key).post("/v1/agents", JSON.parse(agentBody))).json;
    const bare = new Request(`https://api.test/v1/agents/${agent.id}/publish`, { method: "POST", headers: { authorization: `Bearer ${t.key}` } });
    expect(bare.headers.get("content-type")).toBeNull();
    expect(bare.headers.get("content-length")).toBeNull();
    const published = await exports.default.fetch(bare);
    expect(published.status).toBe(201);
    expect((await published.json<{ version: number }>()).version).toBe(1);
    // `curl -d ''` sends an empty form instead: also accepted on an operation that takes no body.
    const emptyForm = await raw(`/v1/agents/${agent.id}/publish`, { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/x-www-form-urlencoded" }, body: "" });
    expect(emptyForm.status).toBe(201);
    // An empty body where a JSON body is required is a validation error naming the fields, not a media-type error.
    const empty = await raw("/v1/agents", { method: "POST", headers: { authorization: `Bearer ${t.key}` } });
    const problem = await expectProblem(empty, 422, "validation-error");
    expect((problem as unknown as { errors: { path: string }[] }).errors.map((e) => e.path).sort()).toEqual(["config", "name"]);
  });

  it("refuses a non-JSON body with 415 problem+json, after authentication, and writes nothing", async () => {
    const t = await createTenant();
    for (const headers of [{ "content-type": "text/plain" }, { "content-type": "application/x-www-form-urlencoded" }, {}] as Record<string, string>[]) {
      const res = await raw("/v1/agents", { method: "POST", headers: { authorization: `Bearer ${t.key}`, ...headers }, body: agentBody });
      await expectProblem(res, 415, "unsupported-media-type");
    }
    await expectProblem(await raw("/v1/agents", { method: "POST", headers: { "content-type": "text/plain" }, body: agentBody }), 401, "unauthenticated");
    expect(await agentCount(t.accountId)).toBe(0);
    expect((await raw("/v1/agents", { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json; charset=utf-8" }, body: agentBody })).status).toBe(201);
  });

  it("refuses an API body over 256 KiB with 413, declared or chunked, before the handler runs", async () => {
    const t = await createTenant();
    const big = JSON.stringify({ name: "Big", config: { system_prompt: "x".repeat(300 * 1024) } });
    const declared = await raw("/v1/agents", { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" }, body: big });
    await expectProblem(declared, 413, "payload-too-large");
    const bytes = new TextEncoder().encode(big);
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.slice(i, i + 16 * 1024));
        controller.close();
      },
    });
    const streamed = await raw("/v1/agents", { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" }, body: chunked });
    await expectProblem(streamed, 413, "payload-too-large");
    expect(await agentCount(t.accountId)).toBe(0);
  });

  it("refuses a Twilio webhook body over 64 KiB before checking its signature", async () => {
    const events = async () => (await env.DB.prepare("SELECT count(*) AS n FROM security_events").first<{ n: number }>())!.n;
    const before = await events();
    const form = new URLSearchParams({ CallSid: `CA${"0".repeat(32)}`, AccountSid: `AC${"0".repeat(32)}`, Filler: "x".repeat(70 * 1024) }).toString();
    const res = await raw("/twilio/voice", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "forged" }, body: form });
    await expectProblem(res, 413, "payload-too-large");
    // A small forged webhook still reaches the signature check, which records it.
    const small = await raw("/twilio/voice", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": "forged" }, body: "CallSid=CA1" });
    expect(small.status).toBe(403);
    // Written through waitUntil, after the 403.
    await vi.waitFor(async () => expect(await events()).toBe(before + 1), { timeout: 5_000, interval: 20 });
  });
});

describe("CORS", () => {
  it("answers a preflight for the API's methods and headers", async () => {
    const res = await raw("/v1/agents", {
      method: "OPTIONS",
      headers: { origin: "https://dashboard.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, idempotency-key" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")?.split(",")).toEqual(expect.arrayContaining(["GET", "POST", "PUT", "PATCH", "DELETE"]));
    expect(res.headers.get("access-control-allow-headers")?.split(",")).toEqual(expect.arrayContaining(["authorization", "content-type", "idempotency-key"]));
    expect(res.headers.get("access-control-max-age")).toBe("600");
  });

  it("lets a browser read the request id and the replay marker", async () => {
    const t = await createTenant();
    const res = await request("GET", "/v1/agents", { key: t.key, headers: { origin: "https://dashboard.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")?.split(",")).toEqual(["x-request-id", "idempotent-replayed"]);
  });
});

describe("every response", () => {
  it("carries the secure headers and a request id, on the API, the docs, the spec, the health check and the webhooks", async () => {
    const t = await createTenant();
    const responses: [string, Response][] = [
      ["GET /v1/agents", await raw("/v1/agents", { headers: { authorization: `Bearer ${t.key}` } })],
      ["GET /v1/agents without a key", await raw("/v1/agents", {})],
      ["GET /nowhere", await raw("/nowhere", {})],
      ["GET /docs", await raw("/docs", {})],
      ["GET /openapi.json", await raw("/openapi.json", {})],
      ["GET /healthz", await raw("/healthz", {})],
      ["POST /twilio/voice", await raw("/twilio/voice", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "CallSid=CA1" })],
    ];
    for (const [name, res] of responses) {
      expect(res.headers.get("x-content-type-options"), name).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), name).toBe("SAMEORIGIN");
      expect(res.headers.get("strict-transport-security"), name).toMatch(/max-age=\d+/);
      expect(res.headers.get("referrer-policy"), name).toBe("no-referrer");
      expect(res.headers.get("x-request-id"), name).toMatch(/^[\w-]{8,}$/);
    }
    const [, unauthenticated] = responses[1]!;
    expect(unauthenticated.status).toBe(401);
    expect((await unauthenticated.json<{ request_id: string }>()).request_id).toBe(unauthenticated.headers.get("x-request-id"));
    const [, unknown] = responses[2]!;
    await expectProblem(unknown, 404, "not-found");
    expect(await responses[5]![1].json()).toEqual({ ok: true });
  });
});

describe("cursor pagination", () => {
  it("pages an agent's versions with an opaque string cursor, and refuses one it did not issue", async () => {
    const t = await createTenant();
    const a = api(t.key);
    const agent = (await a.post("/v1/agents", JSON.parse(agentBody))).json;
    for (let i = 0; i < 3; i++) expect((await a.post(`/v1/agents/${agent.id}/publish`)).status).toBe(201);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof a.get>> = await a.get(`/v1/agents/${agent.id}/versions?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.json.data.map((v: { version: number }) => v.version));
      cursor = page.json.next_cursor;
      if (cursor !== null) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor);
    expect(seen).toEqual([3, 2, 1]);
    await a.post("/v1/agents", JSON.parse(agentBody));
    const agentsCursor = (await a.get("/v1/agents?limit=1")).json.next_cursor;
    for (const bad of ["2", agentsCursor]) {
      const res = await a.get(`/v1/agents/${agent.id}/versions?cursor=${bad}`);
      expect(res.status).toBe(422);
      expect(res.json.errors).toEqual([{ path: "query.cursor", message: "invalid cursor" }]);
    }
  });
});
