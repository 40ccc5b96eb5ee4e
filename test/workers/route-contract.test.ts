import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ROLES, SCOPES, type Role } from "../../workers/auth/scopes.ts";
import { api, request } from "./api-client.ts";
import { ensureDefaultPlan, operator, pendingDeadLetter } from "./billing-fixtures.ts";
import { PLATFORM_AUDIT_CHAIN } from "../../workers/billing/platform-audit.ts";
import { registerWithTwilio, ringingCallee, telephonyTenant, type TelephonyTenant } from "./telephony-fixtures.ts";
import { createEndpoint, receiverUrl, storedMessage } from "../../workers/webhooks/testing/webhook-fixtures.ts";
import { analysableCall } from "../../workers/analysis/testing-fixtures.ts";
import { createWorkflow, failedRun, sleepingRun } from "../../workers/workflows/testing/workflow-fixtures.ts";
import { editableCase, filledCase, tenantInReview } from "../../workers/compliance/verification/verification-fixtures.ts";
import { checkPath, textedCode } from "../../workers/compliance/trial/verified-number-fixtures.ts";

/**
 * The contract every `/v1` operation keeps, walked over the operations in the generated /openapi.json, so a new
 * route is covered the day it is added: its authentication failures and its scope/role guard (both read from
 * the spec, which route.ts generates from the same call that installs the guard), and, for every POST, the
 * Idempotency-Key replay and conflict: replayed only to the principal that sent it, never before the scope guard,
 * and never when the response carried a secret (`x-secret-response`).
 */

const PROBLEMS = "https://docs.ayb.dev/problems/";

interface Operation {
  name: string;
  method: string;
  /** The path with every parameter filled from the spec's example (auth is checked before parameters). */
  path: string;
  operator: boolean;
  scope?: string;
  roles: Role[];
  hasBody: boolean;
  /** The body is JSON (every body but the campaign CSV upload's and the verification document's). */
  jsonBody: boolean;
  /** The response carries a secret: shown once, a replay is 409 `secret-already-shown`. */
  secretResponse: boolean;
}

async function v1Operations(): Promise<Operation[]> {
  const doc = await (await exports.default.fetch("https://api.test/openapi.json")).json<{ paths: Record<string, Record<string, any>> }>();
  return Object.entries(doc.paths)
    // The live transcript takes a one-time ticket, not a credential: workers/api/routes/call-live.test.ts walks its refusals.
    .filter(([path]) => path.startsWith("/v1/") && path !== "/v1/calls/{id}/live")
    .flatMap(([template, item]) =>
      Object.entries<any>(item).map(([method, op]) => {
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
          const param = op.parameters?.find((p: any) => p.in === "path" && p.name === name);
          return encodeURIComponent(String(param?.example ?? param?.schema?.example ?? "1"));
        });
        const security = op.security?.[0] ?? {};
        return {
          name: `${method.toUpperCase()} ${template}`,
          method: method.toUpperCase(),
          path,
          operator: "operator" in security,
          scope: security.bearer?.[0],
          roles: op["x-roles"] ?? [],
          hasBody: op.requestBody !== undefined,
          jsonBody: op.requestBody?.content?.["application/json"] !== undefined,
          secretResponse: op["x-secret-response"] === true,
        };
      }),
    );
}

const send = (op: Operation, headers: Record<string, string>) =>
  request(op.method, op.path, { headers, body: op.hasBody ? {} : undefined });

function expectProblem(res: Awaited<ReturnType<typeof request>>, status: number, type: string, name: string) {
  expect(res.status, `${name}: ${res.text}`).toBe(status);
  expect(res.headers.get("content-type"), name).toBe("application/problem+json");
  expect(res.json?.type, name).toBe(PROBLEMS + type);
  expect(res.json?.request_id, name).toBe(res.headers.get("x-request-id"));
}

const auditRows = async (accountId: string) => (await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE account_id = ?").bind(accountId).first<{ n: number }>())!.n;

describe("route contract", () => {
  let ops: Operation[];
  let t: TelephonyTenant;
  beforeAll(async () => {
    ops = await v1Operations();
    t = await telephonyTenant();
  });

  it("walks every /v1 operation in the spec, each with its guard declared", () => {
    expect(ops.length).toBeGreaterThan(40);
    for (const op of ops) {
      if (op.operator) continue;
      expect(SCOPES, `${op.name} declares a known scope`).toContain(op.scope);
      expect(op.roles.length, `${op.name} names the roles that hold its scope`).toBeGreaterThan(0);
    }
  });

  it("answers 401 problem+json without credentials, with malformed, unknown or revoked ones", { timeout: 60_000 }, async () => {
    const owner = api(t.key);
    const revoked = (await owner.post("/v1/api-keys", { name: "revoked", scopes: [...SCOPES] })).json;
    expect((await owner.delete(`/v1/api-keys/${revoked.id}`)).status).toBe(200);
    const before = await auditRows(t.accountId);
    const cases: [string, Record<string, string>][] = [
      ["no credentials", {}],
      ["a Basic header", { authorization: "Basic b3duZXI6c2VjcmV0" }],
      ["a Bearer header without a token", { authorization: "Bearer" }],
      ["an unknown API key", { authorization: `Bearer ayb_live_${"Q".repeat(32)}` }],
      ["a token that is neither key nor JWT", { authorization: "Bearer not-a-token" }],
      ["a revoked key", { authorization: `Bearer ${revoked.key}` }],
    ];
    for (const op of ops) {
      if (op.operator) {
        // Operator routes take the operator secret, and nothing a tenant holds.
        for (const [label, headers] of [["no secret", {}], ["a wrong secret", { "x-operator-secret": "guess" }], ["a tenant's owner key", { authorization: `Bearer ${t.key}` }]] as const) {
          expectProblem(await send(op, headers), 401, "unauthenticated", `${op.name} with ${label}`);
        }
        continue;
      }
      for (const [label, headers] of cases) {
        const res = await send(op, headers);
        expectProblem(res, 401, "unauthenticated", `${op.name} with ${label}`);
        expect(res.headers.get("www-authenticate"), op.name).toBe('Bearer realm="api"');
      }
    }
    expect(await auditRows(t.accountId)).toBe(before);
  });

  // One key per scope and every operation under each role: seconds of work on a busy machine.
  it("answers 403 to a key without the operation's scope and to a dashboard role that lacks it", { timeout: 60_000 }, async () => {
    const owner = api(t.key);
    const keyWithout = new Map<string, string>();
    for (const scope of SCOPES) {
      const res = await owner.post("/v1/api-keys", { name: `all but ${scope}`, scopes: SCOPES.filter((s) => s !== scope) });
      keyWithout.set(scope, res.json.key);
    }
    const tokenFor = new Map<Role, string>();
    for (const role of ROLES) {
      const user = (await owner.post("/v1/users", { email: `${role}-${crypto.randomUUID()}@contract.test`, role })).json;
      tokenFor.set(role, (await owner.post(`/v1/users/${user.id}/tokens`)).json.token);
    }
    const before = await auditRows(t.accountId);
    for (const op of ops.filter((o) => !o.operator)) {
      const scope = op.scope!;
      const res = await send(op, { authorization: `Bearer ${keyWithout.get(scope)}` });
      expectProblem(res, 403, "forbidden", `${op.name} without ${scope}`);
      expect(res.json.required_scope, op.name).toBe(scope);
      for (const role of ROLES.filter((r) => !op.roles.includes(r))) {
        const denied = await send(op, { authorization: `Bearer ${tokenFor.get(role)}` });
        expectProblem(denied, 403, "forbidden", `${op.name} as ${role}`);
      }
    }
    // Refusals write nothing.
    expect(await auditRows(t.accountId)).toBe(before);
    // The roles the spec names do pass the guard (whatever the placeholder ids then lead to).
    for (const op of ops.filter((o) => !o.operator && o.method === "GET")) {
      const lowest = [...ROLES].reverse().find((r) => op.roles.includes(r))!;
      const res = await send(op, { authorization: `Bearer ${tokenFor.get(lowest)}` });
      expect([401, 403], `${op.name} as ${lowest}: ${res.text}`).not.toContain(res.status);
    }
  });

  it("answers 400 to malformed JSON and 415 to a body of another type on every operation that takes a body", { timeout: 60_000 }, async () => {
    const before = await auditRows(t.accountId);
    const withBody = ops.filter((o) => o.hasBody);
    expect(withBody.length).toBeGreaterThan(15);
    for (const op of withBody) {
      const auth: Record<string, string> = op.operator ? { "x-operator-secret": env.OPERATOR_SECRET } : { authorization: `Bearer ${t.key}` };
      if (op.jsonBody) expectProblem(await request(op.method, op.path, { headers: { ...auth, "content-type": "application/json" }, body: "{not json" }), 400, "malformed-json", `${op.name} with malformed JSON`);
      expectProblem(await request(op.method, op.path, { headers: { ...auth, "content-type": "text/plain" }, body: "hello" }), 415, "unsupported-media-type", `${op.name} with text/plain`);
    }
    expect(await auditRows(t.accountId)).toBe(before);
  });

  it("declares the operations whose response carries a secret, and documents their 409", async () => {
    const doc = await (await exports.default.fetch("https://api.test/openapi.json")).json<{ paths: Record<string, Record<string, any>> }>();
    const flagged = ops.filter((o) => o.secretResponse).map((o) => o.name);
    expect(flagged.sort()).toEqual(["POST /v1/api-keys", "POST /v1/calls/{id}/live-ticket", "POST /v1/operator/accounts", "POST /v1/users/{id}/tokens", "POST /v1/webhooks/endpoints", "POST /v1/webhooks/endpoints/{id}/rotate-secret"]);
    for (const name of flagged) {
      const [method, path] = name.split(" ") as [string, string];
      const op = doc.paths[path]![method.toLowerCase()];
      expect(op.description, name).toMatch(/shown only once/);
      expect(op.responses["409"].description, name).toMatch(/`secret-already-shown`/);
    }
  });

  // One request sequence per POST operation of the API: seconds of work on a busy machine.
  it("replays every POST sent again with its Idempotency-Key, and refuses the key for another body", { timeout: 60_000 }, async () => {
    const owner = api(t.key);
    // Another principal of the same account with every scope, and one key per scope that lacks only that scope.
    const otherKey = (await owner.post("/v1/api-keys", { name: "another full key", scopes: [...SCOPES] })).json.key as string;
    const keyWithout = new Map<string, string>();
    for (const scope of SCOPES) keyWithout.set(scope, (await owner.post("/v1/api-keys", { name: `all but ${scope}`, scopes: SCOPES.filter((s) => s !== scope) })).json.key);
    await registerWithTwilio(t);
    const UK = "+442071838750";
    expect((await owner.post("/v1/consent", { phone: UK, consent_type: "outbound_calls", source: "web_form:contract" })).status).toBe(201);
    /** A call that stays live (ringing) while it is controlled. */
    const dial = async () => {
      const to = await ringingCallee();
      expect((await owner.post("/v1/consent", { phone: to, consent_type: "outbound_calls", source: "web_form:contract" })).status).toBe(201);
      const res = await owner.post("/v1/calls", { agent_id: t.agentId, to, from: t.number });
      expect(res.status, res.text).toBe(201);
      return res.json.id as string;
    };
    const user = (await owner.post("/v1/users", { email: `tokens-${crypto.randomUUID()}@contract.test`, role: "developer" })).json;
    const available = (await owner.post("/v1/phone-numbers/search", { area_code: "415", limit: 1 })).json.data;
    const uniquePhone = () => `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

    interface Prepared {
      path: string;
      body?: unknown;
      headers?: Record<string, string>;
      /** What a repeated write would change; by default the tenant's audit rows (one per successful write). */
      count?: () => Promise<number>;
      /** A first attempt that lost a race in the fixture, not in the code under test: prepare again. */
      retry?: (first: Awaited<ReturnType<typeof request>>) => boolean;
    }
    type Fixture = () => Promise<Prepared>;
    const hook = () => createEndpoint(t.key, receiverUrl().url, ["ping"]);
    const contractCampaign = () => ({
      name: "Contract",
      agent_id: t.agentId,
      caller_ids: [t.number],
      schedule: { start_date: "2027-01-11", end_date: "2027-01-12", calling_hours: { start: "09:00", end: "17:00" } },
      max_concurrency: 1,
      // A contact whose window is months away keeps a started campaign scheduled (an empty one completes at once).
      contacts: [{ phone: uniquePhone() }],
    });
    /** A draft campaign, taken through `actions` first. */
    const campaign = async (...actions: string[]) => {
      const id = (await owner.post("/v1/campaigns", contractCampaign())).json.id as string;
      for (const action of actions) await owner.post(`/v1/campaigns/${id}/${action}`);
      return id;
    };
    const fixtures: Record<string, Fixture> = {
      "POST /v1/operator/accounts": async () => ({
        path: "/v1/operator/accounts",
        body: { name: "Contract", owner_email: `op-${crypto.randomUUID()}@contract.test` },
        headers: { "x-operator-secret": env.OPERATOR_SECRET },
        count: async () => (await env.DB.prepare("SELECT count(*) AS n FROM accounts").first<{ n: number }>())!.n,
      }),
      "POST /v1/operator/plans": async () => ({
        path: "/v1/operator/plans",
        body: { id: `contract-${crypto.randomUUID().slice(0, 8)}`, name: "Contract" },
        headers: { "x-operator-secret": env.OPERATOR_SECRET },
        count: () => auditRows(PLATFORM_AUDIT_CHAIN),
      }),
      "POST /v1/operator/accounts/{id}/postings": async () => {
        await ensureDefaultPlan();
        await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, {});
        return {
          path: `/v1/operator/accounts/${t.accountId}/postings`,
          body: { kind: "promotional_grant", amount_minor: 10, currency: "USD", reason: "contract" },
          headers: { "x-operator-secret": env.OPERATOR_SECRET },
        };
      },
      "POST /v1/billing/top-ups": async () => {
        await ensureDefaultPlan();
        await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, { mode: "prepaid" });
        return { path: "/v1/billing/top-ups", body: { amount_minor: 1_000 } };
      },
      "POST /v1/billing/payment-method": async () => {
        await ensureDefaultPlan();
        await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, {});
        return { path: "/v1/billing/payment-method" };
      },
      "POST /v1/operator/billing/legacy-credit/migrate": async () => ({
        path: "/v1/operator/billing/legacy-credit/migrate",
        headers: { "x-operator-secret": env.OPERATOR_SECRET },
        count: () => auditRows(PLATFORM_AUDIT_CHAIN),
      }),
      "POST /v1/operator/dead-letters/redrive": async () => {
        await pendingDeadLetter(t.accountId);
        return { path: "/v1/operator/dead-letters/redrive", headers: { "x-operator-secret": env.OPERATOR_SECRET } };
      },
      "POST /v1/users": async () => ({ path: "/v1/users", body: { email: `u-${crypto.randomUUID()}@contract.test`, role: "viewer" } }),
      "POST /v1/users/{id}/tokens": async () => ({ path: `/v1/users/${user.id}/tokens` }),
      "POST /v1/users/{id}/invitations": async () => ({ path: `/v1/users/${user.id}/invitations` }),
      "POST /v1/users/{id}/phone": async () => ({ path: `/v1/users/${user.id}/phone`, body: { phone: uniquePhone() } }),
      "POST /v1/users/{id}/phone/check": async () => {
        const phone = uniquePhone();
        await owner.post(`/v1/users/${user.id}/phone`, { phone });
        return { path: `/v1/users/${user.id}/phone/check`, body: { code: await textedCode(t, phone) } };
      },
      "POST /v1/api-keys": async () => ({ path: "/v1/api-keys", body: { name: "ci", scopes: ["agents:read"] } }),
      "POST /v1/agents": async () => ({ path: "/v1/agents", body: { name: "Contract", config: { system_prompt: "Hi.", first_message: "Hello!", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } } }),
      "POST /v1/agents/{id}/publish": async () => ({ path: `/v1/agents/${t.agentId}/publish` }),
      "POST /v1/agents/{id}/rollback": async () => ({ path: `/v1/agents/${t.agentId}/rollback`, body: { version: 1 } }),
      "POST /v1/phone-numbers": async () => ({ path: "/v1/phone-numbers", body: { e164: uniquePhone(), source: "sip" } }),
      "POST /v1/phone-numbers/search": async () => ({ path: "/v1/phone-numbers/search", body: { area_code: "415", limit: 2 } }),
      "POST /v1/phone-numbers/buy": async () => ({ path: "/v1/phone-numbers/buy", body: { e164: available[0].e164 } }),
      "POST /v1/calls": async () => ({ path: "/v1/calls", body: { agent_id: t.agentId, to: UK, from: t.number } }),
      "POST /v1/calls/{id}/hangup": async () => ({ path: `/v1/calls/${await dial()}/hangup`}),
      // Like a hang-up, a ticket needs the call still live: one that ended first (409) is tried on a new call.
      "POST /v1/calls/{id}/live-ticket": async () => ({ path: `/v1/calls/${await dial()}/live-ticket`, retry: (first) => first.status === 409 }),
      "POST /v1/calls/{id}/analyze": async () => ({ path: `/v1/calls/${await analysableCall(t)}/analyze` }),
      "POST /v1/calls/{id}/transfer": async () => ({ path: `/v1/calls/${await dial()}/transfer`, body: { to: "+14155550188", mode: "cold" }}),
      "POST /v1/consent": async () => ({ path: "/v1/consent", body: { phone: uniquePhone(), consent_type: "marketing", source: "web_form:contract" } }),
      "POST /v1/consent/revoke": async () => ({ path: "/v1/consent/revoke", body: { phone: uniquePhone(), consent_type: "marketing", source: "ivr" } }),
      "POST /v1/do-not-call": async () => ({ path: "/v1/do-not-call", body: { phone: uniquePhone(), reason: "asked" } }),
      "POST /v1/verified-numbers": async () => ({ path: "/v1/verified-numbers", body: { phone: uniquePhone() } }),
      "POST /v1/verified-numbers/{phone}/check": async () => {
        const phone = uniquePhone();
        await owner.post("/v1/verified-numbers", { phone });
        return { path: checkPath(phone), body: { code: await textedCode(t, phone) } };
      },
      "POST /v1/privacy/erasures": async () => ({ path: "/v1/privacy/erasures", body: { phone: uniquePhone() } }),
      "POST /v1/privacy/exports": async () => ({ path: "/v1/privacy/exports", body: { phone: uniquePhone() } }),
      "POST /v1/verification/submit": async () => (await filledCase(t.key, t.accountId), { path: "/v1/verification/submit" }),
      "POST /v1/verification/identity-session": async () => (await filledCase(t.key, t.accountId), { path: "/v1/verification/identity-session" }),
      "POST /v1/verification/documents": async () => {
        await editableCase(t.key, t.accountId);
        return { path: "/v1/verification/documents?kind=other", body: "%PDF-1.7\ncontract\n", headers: { "content-type": "application/pdf" } };
      },
      ...Object.fromEntries(
        ["approve", "reject", "request-info"].map((decision) => [
          `POST /v1/operator/verifications/{id}/${decision}`,
          async () => {
            const reviewed = await tenantInReview();
            return { path: `/v1/operator/verifications/${reviewed.accountId}/${decision}`, body: { reason: "contract" }, headers: { "x-operator-secret": env.OPERATOR_SECRET }, count: () => auditRows(reviewed.accountId) };
          },
        ]),
      ),
      "POST /v1/webhooks/endpoints": async () => ({ path: "/v1/webhooks/endpoints", body: { url: receiverUrl().url, event_types: ["ping"] } }),
      "POST /v1/webhooks/endpoints/{id}/rotate-secret": async () => ({ path: `/v1/webhooks/endpoints/${(await hook()).id}/rotate-secret` }),
      "POST /v1/webhooks/endpoints/{id}/ping": async () => ({ path: `/v1/webhooks/endpoints/${(await hook()).id}/ping` }),
      "POST /v1/webhooks/deliveries/{id}/replay": async () => ({ path: `/v1/webhooks/deliveries/${await storedMessage(t.accountId, (await hook()).id, "failed")}/replay` }),
      "POST /v1/campaigns": async () => ({ path: "/v1/campaigns", body: contractCampaign() }),
      "POST /v1/campaigns/{id}/start": async () => ({ path: `/v1/campaigns/${await campaign()}/start` }),
      "POST /v1/campaigns/{id}/pause": async () => ({ path: `/v1/campaigns/${await campaign("start")}/pause` }),
      "POST /v1/campaigns/{id}/resume": async () => ({ path: `/v1/campaigns/${await campaign("start", "pause")}/resume` }),
      "POST /v1/campaigns/{id}/cancel": async () => ({ path: `/v1/campaigns/${await campaign()}/cancel` }),
      "POST /v1/campaigns/{id}/contacts": async () => ({ path: `/v1/campaigns/${await campaign()}/contacts`, body: { contacts: [{ phone: uniquePhone() }] } }),
      "POST /v1/campaigns/{id}/contacts/remove": async () => ({ path: `/v1/campaigns/${await campaign()}/contacts/remove`, body: { phones: [uniquePhone()] } }),
      "POST /v1/campaigns/{id}/contacts/csv": async () => ({ path: `/v1/campaigns/${await campaign()}/contacts/csv`, body: `phone\n${uniquePhone()}\n`, headers: { "content-type": "text/csv" } }),
      "POST /v1/webhooks/deliveries/replay": async () => ({ path: "/v1/webhooks/deliveries/replay", body: { since: new Date(Date.now() - 60_000).toISOString() } }),
      "POST /v1/workflows": async () => ({ path: "/v1/workflows", body: { name: "Contract", trigger: { type: "manual" }, steps: [{ id: "wait", type: "delay", duration: "1 day" }] } }),
      "POST /v1/workflows/{id}/runs": async () => ({ path: `/v1/workflows/${await createWorkflow(t.key, { trigger: { type: "manual" }, steps: [{ id: "wait", type: "delay", duration: "1 day" }] })}/runs`, body: { input: {} } }),
      "POST /v1/workflows/{id}/runs/{run_id}/retry": async () => {
        const { workflowId, runId } = await failedRun(t.key);
        return { path: `/v1/workflows/${workflowId}/runs/${runId}/retry` };
      },
      "POST /v1/workflows/{id}/runs/{run_id}/cancel": async () => {
        const { workflowId, runId } = await sleepingRun(t.key);
        return { path: `/v1/workflows/${workflowId}/runs/${runId}/cancel` };
      },
      "POST /v1/integration-connections": async () => ({ path: "/v1/integration-connections", body: { integration: "hubspot", api_key: "pat-na1-simulator-token" } }),
    };

    const posts = ops.filter((o) => o.method === "POST").map((o) => o.name);
    expect(posts.filter((name) => !(name in fixtures)), "POST operations without an idempotency fixture here").toEqual([]);
    for (const name of posts) {
      const key = `contract-${crypto.randomUUID()}`;
      const sendAs = (prepared: Prepared, b: unknown) =>
        request("POST", prepared.path, { key: prepared.headers?.["x-operator-secret"] ? undefined : t.key, body: b, headers: { ...prepared.headers, "idempotency-key": key } });
      let prepared = await fixtures[name]!();
      let first = await sendAs(prepared, prepared.body);
      for (let attempt = 1; attempt < 5 && prepared.retry?.(first); attempt++) {
        prepared = await fixtures[name]!();
        first = await sendAs(prepared, prepared.body);
      }
      const { body, count = () => auditRows(t.accountId) } = prepared;
      const send = (b: unknown) => sendAs(prepared, b);
      expect(first.status, `${name} succeeds: ${first.text}`).toBeLessThan(300);
      expect(first.headers.get("idempotent-replayed"), name).toBeNull();
      const written = await count();
      const op = ops.find((o) => o.name === name)!;
      if (!op.operator) {
        // The scope guard runs before any replay, and the replay belongs to the principal that made the request.
        const asOther = (k: string) => request("POST", prepared.path, { key: k, body, headers: { "idempotency-key": key } });
        expectProblem(await asOther(keyWithout.get(op.scope!)!), 403, "forbidden", `${name} with the key, without ${op.scope}`);
        const other = await asOther(otherKey);
        expectProblem(other, 422, "idempotency-key-reused", `${name} with the key, by another principal`);
        expect(other.text, name).not.toContain(first.text);
        expect(await count(), `${name} refusals write nothing`).toBe(written);
      }
      const replay = await send(body);
      if (op.secretResponse) {
        expectProblem(replay, 409, "secret-already-shown", `${name} sent again`);
        expect(replay.json.detail, name).toMatch(/shown only once/);
        expect(await count(), `${name} refused replay writes nothing`).toBe(written);
        const stored = await env.DB.prepare("SELECT response_body, response_headers, secret_withheld FROM idempotency_keys WHERE key = ?").bind(key).first();
        expect(stored, `${name} keeps a marker, not the secret`).toEqual({ response_body: null, response_headers: null, secret_withheld: 1 });
      } else {
        expect(replay.status, name).toBe(first.status);
        expect(replay.text, `${name} replays the stored response`).toBe(first.text);
        expect(replay.headers.get("idempotent-replayed"), name).toBe("true");
        expect(replay.headers.get("x-request-id"), `${name} replay has its own request id`).not.toBe(first.headers.get("x-request-id"));
      }
      expect(await count(), `${name} replay writes nothing`).toBe(written);
      const other = await send(body === undefined ? { different: true } : { ...(body as object), different: true });
      expectProblem(other, 422, "idempotency-key-reused", `${name} with another body`);
      expect(await count(), name).toBe(written);
    }
  });
});
