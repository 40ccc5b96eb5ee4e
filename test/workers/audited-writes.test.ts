import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, request } from "./api-client.ts";
import { settleAudit } from "./audit-fixtures.ts";
import { ensureDefaultPlan, operator, pendingDeadLetter } from "./billing-fixtures.ts";
import { PLATFORM_AUDIT_CHAIN } from "../../workers/billing/platform-audit.ts";
import { liveCall, registerWithTwilio, ringingCallee, telephonyTenant, type TelephonyTenant } from "./telephony-fixtures.ts";
import { createEndpoint, receiverUrl, storedMessage } from "../../workers/webhooks/testing/webhook-fixtures.ts";
import { analysableCall } from "../../workers/analysis/testing-fixtures.ts";
import { checkPath, textedCode } from "../../workers/compliance/trial/verified-number-fixtures.ts";
import { createWorkflow, failedRun, sleepingRun, SLACK_WEBHOOK_URL } from "../../workers/workflows/testing/workflow-fixtures.ts";
import { caseDetails, editableCase, filledCase, tenantInReview } from "../../workers/compliance/verification/verification-fixtures.ts";
import { connectThroughOAuth } from "../../workers/integrations/testing/oauth-fixtures.ts";

/**
 * Every write operation in /openapi.json, sent once successfully, leaves exactly one audit entry naming it (its
 * route template, its actor) in the right account's chain, and the chain still verifies. A write route added
 * without a fixture here fails the first test; one that commits without its entry fails the second (the audit
 * middleware answers 500).
 */

interface Write {
  path: string;
  body?: unknown;
  operator?: boolean;
  headers?: Record<string, string>;
  /** A chain other than the tenant's that records it, known before the request (the platform's, for plans). */
  chain?: string;
  /** Whose chain records it, when the response names it (a new account); by default the test tenant's. */
  accountId?: (res: Awaited<ReturnType<typeof request>>) => string;
}

const UK = "+442071838750";
const WRITE_METHODS = new Set(["post", "put", "patch", "delete"]);

async function writeOperations(): Promise<string[]> {
  const doc = await (await exports.default.fetch("https://api.test/openapi.json")).json<{ paths: Record<string, Record<string, unknown>> }>();
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith("/v1/"))
    .flatMap(([path, item]) => Object.keys(item).filter((m) => WRITE_METHODS.has(m)).map((m) => `${m.toUpperCase()} ${path}`));
}

const chain = async (accountId: string) => {
  await settleAudit(accountId);
  return (await env.DB.prepare("SELECT seq, actor, action FROM audit_log WHERE account_id = ? ORDER BY seq").bind(accountId).all<{ seq: number; actor: string; action: string }>()).results;
};

describe("every write is audited", () => {
  let t: TelephonyTenant;
  let writes: string[];
  beforeAll(async () => {
    writes = await writeOperations();
    t = await telephonyTenant();
    await registerWithTwilio(t);
  });

  it("walks every write operation in the spec, each with a fixture here", async () => {
    expect(writes.length).toBeGreaterThan(20);
    expect(writes.filter((w) => !(w in fixtures(t))), "write operations without a fixture").toEqual([]);
  });

  it("leaves exactly one entry per successful write, naming its route and actor, in a chain that verifies", { timeout: 120_000 }, async () => {
    const all = fixtures(t);
    for (const name of writes) {
      const [method] = name.split(" ");
      // Prepared first: a fixture's own set-up writes are audited too, and must not be counted.
      const write = await all[name]!();
      const before = (await chain(write.chain ?? t.accountId)).length;
      const res = await request(method!, write.path, write.operator ? { headers: { "x-operator-secret": env.OPERATOR_SECRET, ...write.headers }, body: write.body } : { key: t.key, body: write.body, headers: write.headers });
      expect(res.status, `${name}: ${res.text}`).toBeLessThan(300);
      const accountId = write.accountId?.(res) ?? write.chain ?? t.accountId;
      const entries = await chain(accountId);
      const added = write.accountId ? entries : entries.slice(before);
      const template = name.replace(/\{(\w+)\}/g, ":$1");
      expect(added.map((e) => e.action), name).toEqual([template]);
      expect(added[0]!.actor, name).toEqual(write.operator ? "operator" : expect.stringMatching(/^key:KEY-/));
    }
    expect((await api(t.key).get("/v1/audit-log/verify")).json).toMatchObject({ valid: true, pending: 0 });
  });

  it("audits the OAuth callback, a write outside /v1, once, under the actor that started the flow", async () => {
    const before = (await chain(t.accountId)).length;
    await connectThroughOAuth(t.key, "salesforce");
    const added = (await chain(t.accountId)).slice(before);
    expect(added.map((e) => [e.action, e.actor])).toEqual([["GET /oauth/callback", expect.stringMatching(/^key:KEY-/)]]);
    expect((await api(t.key).get("/v1/audit-log/verify")).json).toMatchObject({ valid: true, pending: 0 });
  });
});

/** One successful request per write operation, each prepared against the tenant's current state. */
function fixtures(t: TelephonyTenant): Record<string, () => Promise<Write>> {
  const owner = api(t.key);
  const uniquePhone = () => `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
  const user = async () => (await owner.post("/v1/users", { email: `u-${crypto.randomUUID()}@audit.test`, role: "viewer" })).json.id as string;
  const agent = async () => (await owner.post("/v1/agents", { name: "Audited", config: { system_prompt: "Hi.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } })).json.id as string;
  const number = async () => (await owner.post("/v1/phone-numbers", { e164: uniquePhone(), source: "sip" })).json.id as string;
  /** A call that stays live (ringing) while it is controlled. */
  const dial = async () => {
    const to = await ringingCallee();
    await owner.post("/v1/consent", { phone: to, consent_type: "outbound_calls", source: "web_form:audit" });
    return (await owner.post("/v1/calls", { agent_id: t.agentId, to, from: t.number })).json.id as string;
  };
  const hook = () => createEndpoint(t.key, receiverUrl().url, ["ping"]);
  const campaignBody = () => ({
    name: "Audited",
    agent_id: t.agentId,
    caller_ids: [t.number],
    schedule: { start_date: "2027-01-11", end_date: "2027-01-12", calling_hours: { start: "09:00", end: "17:00" } },
    max_concurrency: 1,
    contacts: [{ phone: "+14155550155" }],
  });
  const campaign = async (...transitions: string[]) => {
    const id = (await owner.post("/v1/campaigns", campaignBody())).json.id as string;
    for (const step of transitions) await owner.post(`/v1/campaigns/${id}/${step}`, {});
    return id;
  };
  const WAIT_A_DAY = { name: "Audited", trigger: { type: "manual" }, steps: [{ id: "wait", type: "delay", duration: "1 day" }] };
  const connectSlack = () => owner.post("/v1/integration-connections", { integration: "slack", webhook_url: SLACK_WEBHOOK_URL });
  return {
    "POST /v1/operator/accounts": async () => ({
      path: "/v1/operator/accounts",
      operator: true,
      body: { name: "Audited", owner_email: `op-${crypto.randomUUID()}@audit.test` },
      accountId: (res) => res.json.account.id,
    }),
    "POST /v1/operator/dead-letters/redrive": async () => {
      await pendingDeadLetter(t.accountId);
      return { path: "/v1/operator/dead-letters/redrive", operator: true };
    },
    "PATCH /v1/operator/accounts/{id}": async () => ({ path: `/v1/operator/accounts/${t.accountId}`, operator: true, body: { max_concurrent_calls: 10 } }),
    "POST /v1/operator/plans": async () => ({ path: "/v1/operator/plans", operator: true, chain: PLATFORM_AUDIT_CHAIN, body: { id: `audit-${crypto.randomUUID().slice(0, 8)}`, name: "Audited" } }),
    "PUT /v1/operator/plans/{id}/rate-cards/{currency}": async () => {
      const id = `audit-${crypto.randomUUID().slice(0, 8)}`;
      await operator("POST", "/v1/operator/plans", { id, name: "Audited" });
      return { path: `/v1/operator/plans/${id}/rate-cards/EUR`, operator: true, chain: PLATFORM_AUDIT_CHAIN, body: { rates: [{ component: "stt_second", micros_per_unit: 90 }] } };
    },
    "PATCH /v1/operator/accounts/{id}/billing": async () => {
      await ensureDefaultPlan();
      return { path: `/v1/operator/accounts/${t.accountId}/billing`, operator: true, body: { time_zone: "Europe/London" } };
    },
    "POST /v1/operator/accounts/{id}/postings": async () => {
      await ensureDefaultPlan();
      await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, {});
      return {
        path: `/v1/operator/accounts/${t.accountId}/postings`,
        operator: true,
        headers: { "idempotency-key": crypto.randomUUID() },
        body: { kind: "promotional_grant", amount_minor: 10, currency: "USD", reason: "audited" },
      };
    },
    "POST /v1/operator/billing/legacy-credit/migrate": async () => ({ path: "/v1/operator/billing/legacy-credit/migrate", operator: true, chain: PLATFORM_AUDIT_CHAIN }),
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
    "PUT /v1/billing/auto-recharge": async () => {
      await ensureDefaultPlan();
      await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, {});
      return { path: "/v1/billing/auto-recharge", body: { enabled: false, amount_minor: null, threshold_minor: null } };
    },
    "PATCH /v1/accounts/me": async () => ({ path: "/v1/accounts/me", body: { name: "Renamed" } }),
    "PUT /v1/accounts/me/credentials/twilio": async () => ({ path: "/v1/accounts/me/credentials/twilio", body: { account_sid: t.accountSid, auth_token: t.authToken } }),
    "POST /v1/users": async () => ({ path: "/v1/users", body: { email: `u-${crypto.randomUUID()}@audit.test`, role: "viewer" } }),
    "PATCH /v1/users/{id}": async () => ({ path: `/v1/users/${await user()}`, body: { role: "developer" } }),
    "DELETE /v1/users/{id}": async () => ({ path: `/v1/users/${await user()}` }),
    "POST /v1/users/{id}/tokens": async () => ({ path: `/v1/users/${await user()}/tokens` }),
    "POST /v1/users/{id}/invitations": async () => ({ path: `/v1/users/${await user()}/invitations` }),
    "PUT /v1/console-policy": async () => ({ path: "/v1/console-policy", body: { require_mfa: false } }),
    "POST /v1/users/{id}/phone": async () => ({ path: `/v1/users/${await user()}/phone`, body: { phone: uniquePhone() } }),
    "POST /v1/users/{id}/phone/check": async () => {
      const [id, phone] = [await user(), uniquePhone()];
      await owner.post(`/v1/users/${id}/phone`, { phone });
      return { path: `/v1/users/${id}/phone/check`, body: { code: await textedCode(t, phone) } };
    },
    "POST /v1/api-keys": async () => ({ path: "/v1/api-keys", body: { name: "ci", scopes: ["agents:read"] } }),
    "DELETE /v1/api-keys/{id}": async () => ({ path: `/v1/api-keys/${(await owner.post("/v1/api-keys", { name: "gone", scopes: ["agents:read"] })).json.id}` }),
    "POST /v1/agents": async () => ({ path: "/v1/agents", body: { name: "Audited", config: { system_prompt: "Hi.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" } } } }),
    "PATCH /v1/agents/{id}": async () => ({ path: `/v1/agents/${await agent()}`, body: { name: "Renamed" } }),
    "DELETE /v1/agents/{id}": async () => ({ path: `/v1/agents/${await agent()}` }),
    "POST /v1/agents/{id}/publish": async () => ({ path: `/v1/agents/${t.agentId}/publish` }),
    "POST /v1/agents/{id}/rollback": async () => ({ path: `/v1/agents/${t.agentId}/rollback`, body: { version: 1 } }),
    "POST /v1/phone-numbers": async () => ({ path: "/v1/phone-numbers", body: { e164: uniquePhone(), source: "sip" } }),
    "PATCH /v1/phone-numbers/{id}": async () => ({ path: `/v1/phone-numbers/${await number()}`, body: { agent_id: t.agentId } }),
    "DELETE /v1/phone-numbers/{id}": async () => ({ path: `/v1/phone-numbers/${await number()}` }),
    "POST /v1/phone-numbers/search": async () => ({ path: "/v1/phone-numbers/search", body: { area_code: "415", limit: 1 } }),
    "POST /v1/calls": async () => {
      await owner.post("/v1/consent", { phone: UK, consent_type: "outbound_calls", source: "web_form:audit" });
      return { path: "/v1/calls", body: { agent_id: t.agentId, to: UK, from: t.number } };
    },
    "POST /v1/calls/{id}/hangup": async () => ({ path: `/v1/calls/${await dial()}/hangup`}),
    "POST /v1/calls/{id}/analyze": async () => ({ path: `/v1/calls/${await analysableCall(t)}/analyze` }),
    "POST /v1/calls/{id}/transfer": async () => ({ path: `/v1/calls/${await dial()}/transfer`, body: { to: "+14155550188", mode: "cold" }}),
    "POST /v1/consent": async () => ({ path: "/v1/consent", body: { phone: uniquePhone(), consent_type: "marketing", source: "web_form:audit" } }),
    "POST /v1/consent/revoke": async () => ({ path: "/v1/consent/revoke", body: { phone: uniquePhone(), consent_type: "marketing", source: "ivr" } }),
    "POST /v1/do-not-call": async () => ({ path: "/v1/do-not-call", body: { phone: uniquePhone(), reason: "asked" } }),
    "POST /v1/privacy/erasures": async () => ({ path: "/v1/privacy/erasures", body: { phone: uniquePhone() } }),
    "POST /v1/privacy/exports": async () => ({ path: "/v1/privacy/exports", body: { phone: uniquePhone() } }),
    "PUT /v1/verification": async () => {
      await editableCase(t.key, t.accountId);
      return { path: "/v1/verification", body: caseDetails() };
    },
    "POST /v1/verification/submit": async () => (await filledCase(t.key, t.accountId), { path: "/v1/verification/submit" }),
    "POST /v1/verification/identity-session": async () => (await filledCase(t.key, t.accountId), { path: "/v1/verification/identity-session" }),
    "POST /v1/verification/documents": async () => {
      await editableCase(t.key, t.accountId);
      return { path: "/v1/verification/documents?kind=other", body: "%PDF-1.7\naudited\n", headers: { "content-type": "application/pdf" } };
    },
    ...Object.fromEntries(
      ["approve", "reject", "request-info"].map((decision) => [
        `POST /v1/operator/verifications/{id}/${decision}`,
        async () => {
          const reviewed = await tenantInReview();
          return { path: `/v1/operator/verifications/${reviewed.accountId}/${decision}`, operator: true, chain: reviewed.accountId, body: { reason: "audited" } };
        },
      ]),
    ),
    "PUT /v1/privacy/retention": async () => ({ path: "/v1/privacy/retention", body: { transcripts_days: 90, recordings_days: 30, call_events_days: 365, analysis_days: null } }),
    "POST /v1/webhooks/endpoints": async () => ({ path: "/v1/webhooks/endpoints", body: { url: receiverUrl().url, event_types: ["ping"] } }),
    "PATCH /v1/webhooks/endpoints/{id}": async () => ({ path: `/v1/webhooks/endpoints/${(await hook()).id}`, body: { description: "renamed" } }),
    "DELETE /v1/webhooks/endpoints/{id}": async () => ({ path: `/v1/webhooks/endpoints/${(await hook()).id}` }),
    "POST /v1/webhooks/endpoints/{id}/rotate-secret": async () => ({ path: `/v1/webhooks/endpoints/${(await hook()).id}/rotate-secret` }),
    "POST /v1/webhooks/endpoints/{id}/ping": async () => ({ path: `/v1/webhooks/endpoints/${(await hook()).id}/ping` }),
    "POST /v1/webhooks/deliveries/{id}/replay": async () => ({ path: `/v1/webhooks/deliveries/${await storedMessage(t.accountId, (await hook()).id, "failed")}/replay` }),
    "POST /v1/webhooks/deliveries/replay": async () => {
      await storedMessage(t.accountId, (await hook()).id, "failed");
      return { path: "/v1/webhooks/deliveries/replay", body: { since: new Date(Date.now() - 60_000).toISOString() } };
    },
    "POST /v1/calls/{id}/live-ticket": async () => ({ path: `/v1/calls/${await liveCall(t)}/live-ticket` }),
    "POST /v1/campaigns": async () => ({ path: "/v1/campaigns", body: campaignBody() }),
    "POST /v1/campaigns/{id}/start": async () => ({ path: `/v1/campaigns/${await campaign()}/start` }),
    "POST /v1/campaigns/{id}/pause": async () => ({ path: `/v1/campaigns/${await campaign("start")}/pause` }),
    "POST /v1/campaigns/{id}/resume": async () => ({ path: `/v1/campaigns/${await campaign("start", "pause")}/resume` }),
    "POST /v1/campaigns/{id}/cancel": async () => ({ path: `/v1/campaigns/${await campaign()}/cancel` }),
    "POST /v1/campaigns/{id}/contacts": async () => ({ path: `/v1/campaigns/${await campaign()}/contacts`, body: { contacts: [{ phone: "+14155550156" }] } }),
    "POST /v1/campaigns/{id}/contacts/remove": async () => ({ path: `/v1/campaigns/${await campaign()}/contacts/remove`, body: { phones: ["+14155550155"] } }),
    "POST /v1/campaigns/{id}/contacts/csv": async () => ({ path: `/v1/campaigns/${await campaign()}/contacts/csv`, body: "phone\n+14155550157\n", headers: { "content-type": "text/csv" } }),
    "POST /v1/workflows": async () => ({ path: "/v1/workflows", body: WAIT_A_DAY }),
    "PUT /v1/workflows/{id}": async () => ({ path: `/v1/workflows/${await createWorkflow(t.key, WAIT_A_DAY)}`, body: { ...WAIT_A_DAY, name: "Renamed" } }),
    "DELETE /v1/workflows/{id}": async () => ({ path: `/v1/workflows/${await createWorkflow(t.key, WAIT_A_DAY)}` }),
    "POST /v1/workflows/{id}/runs": async () => ({ path: `/v1/workflows/${await createWorkflow(t.key, WAIT_A_DAY)}/runs`, body: { input: {} } }),
    "POST /v1/workflows/{id}/runs/{run_id}/retry": async () => {
      const { workflowId, runId } = await failedRun(t.key);
      return { path: `/v1/workflows/${workflowId}/runs/${runId}/retry` };
    },
    "POST /v1/workflows/{id}/runs/{run_id}/cancel": async () => {
      const { workflowId, runId } = await sleepingRun(t.key);
      return { path: `/v1/workflows/${workflowId}/runs/${runId}/cancel` };
    },
    "POST /v1/integration-connections": async () => ({ path: "/v1/integration-connections", body: { integration: "slack", webhook_url: SLACK_WEBHOOK_URL } }),
    "DELETE /v1/integration-connections/{name}": async () => {
      await connectSlack();
      return { path: "/v1/integration-connections/slack" };
    },
    "POST /v1/verified-numbers": async () => ({ path: "/v1/verified-numbers", body: { phone: uniquePhone() } }),
    "POST /v1/verified-numbers/{phone}/check": async () => {
      const phone = uniquePhone();
      await owner.post("/v1/verified-numbers", { phone });
      return { path: checkPath(phone), body: { code: await textedCode(t, phone) } };
    },
    "DELETE /v1/verified-numbers/{phone}": async () => {
      const phone = uniquePhone();
      await owner.post("/v1/verified-numbers", { phone });
      return { path: `/v1/verified-numbers/${encodeURIComponent(phone)}` };
    },
    "DELETE /v1/do-not-call/{phone}": async () => {
      const phone = uniquePhone();
      await owner.post("/v1/do-not-call", { phone });
      return { path: `/v1/do-not-call/${encodeURIComponent(phone)}` };
    },
  };
}
