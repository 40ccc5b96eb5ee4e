import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../index.ts";
import { billedTenant } from "../../../test/workers/billing-fixtures.ts";

/** The Worker with its Postgres tier pointed at a port nothing listens on (port 1 on loopback refuses at once). */
const postgresDown = { ...env, PG_WS_PROXY: "127.0.0.1:1/v1" };

async function send(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const init: RequestInit = { method, headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined };
  const res = await worker.fetch(new Request(`https://api.test${path}`, init), postgresDown, { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext);
  return { status: res.status, type: res.headers.get("content-type"), retryAfter: res.headers.get("retry-after"), json: (await res.json()) as { type: string; detail: string } };
}

describe("billing while Postgres is down", () => {
  it("answers billing reads and operator billing writes with a 503 billing-unavailable that says to retry", async () => {
    const t = await billedTenant({ mode: "prepaid", credit_minor: 900 });
    const tenant = { authorization: `Bearer ${t.key}` };
    const op = { "x-operator-secret": env.OPERATOR_SECRET };
    const requests: [string, string, Record<string, string>, unknown?][] = [
      ["GET", "/v1/billing", tenant],
      ["GET", "/v1/billing/ledger", tenant],
      ["GET", "/v1/operator/plans", op],
      ["PATCH", `/v1/operator/accounts/${t.accountId}/billing`, op, { billing_status: "past_due" }],
      ["POST", `/v1/operator/accounts/${t.accountId}/postings`, { ...op, "idempotency-key": crypto.randomUUID() }, { kind: "refund", amount_minor: 5, currency: "USD", reason: "outage" }],
      ["POST", "/v1/operator/accounts", op, { name: "During outage", owner_email: "outage@example.com", billing: {} }],
    ];
    for (const [method, path, headers, body] of requests) {
      const res = await send(method, path, headers, body);
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.type).toBe("application/problem+json");
      expect(res.json.type).toBe("https://docs.ayb.dev/problems/billing-unavailable");
      expect(res.json.detail).toMatch(/retry later/);
      expect(res.retryAfter).toBe("30");
    }
    // Nothing was written on the D1 side for the refused bootstrap, and the rest of the API still answers.
    const created = await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE name = 'During outage'").first<{ n: number }>();
    expect(created!.n).toBe(0);
    expect((await send("GET", "/v1/accounts/me", tenant)).status).toBe(200);
  });
});
