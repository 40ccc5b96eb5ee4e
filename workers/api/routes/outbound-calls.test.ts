import { env } from "cloudflare:workers";
import { settleAudit } from "../../../test/workers/audit-fixtures.ts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { snapshotOf } from "../../../test/workers/balance-snapshots.ts";
import { registerWithTwilio, telephonyTenant, type TelephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import { fetchWithEnv } from "../../../test/workers/worker-with-env.ts";
import { textedCode } from "../../compliance/trial/verified-number-fixtures.ts";

const UK = "+442071838750";
const ALASKA = "+19075550142"; // area code 907: Alaska time, and Hawaii-Aleutian time on the Aleutians

const consent = (t: TelephonyTenant, phone: string) =>
  api(t.key).post("/v1/consent", { phone, consent_type: "outbound_calls", source: "web_form:test", captured_at: "2025-01-01T00:00:00Z" });

const dial = (t: TelephonyTenant, to: string, extra: Record<string, unknown> = {}) => api(t.key).post("/v1/calls", { agent_id: t.agentId, to, from: t.number, ...extra });

const refusals = async (accountId: string) =>
  (await settleAudit(accountId), await env.DB.prepare("SELECT detail FROM audit_log WHERE account_id = ? AND action = 'call.refused' ORDER BY seq").bind(accountId).all<{ detail: string }>()).results.map(
    (r) => JSON.parse(r.detail).reason,
  );

/** The Worker runs in the test's isolate, so a faked Date is the route's clock too. */
function at(iso: string) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(iso));
}

afterEach(() => vi.useRealTimers());

const gateActive = (accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId)).active();
const callRows = async (accountId: string) => (await env.DB.prepare("SELECT id, status, twilio_call_sid FROM calls WHERE account_id = ?").bind(accountId).all()).results;

/** `POST /v1/calls` through the real app with some bindings replaced (to inject a failure). */
const dialWithEnv = (t: TelephonyTenant, to: string, vars: Partial<Env>) =>
  fetchWithEnv(
    new Request("https://api.test/v1/calls", { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" }, body: JSON.stringify({ agent_id: t.agentId, to, from: t.number }) }),
    vars,
  );

/** Runs `fn` with a SQLite trigger aborting matching inserts into `table` for the account: that store is down. */
async function withStoreDown<T>(name: string, table: string, accountId: string, fn: () => Promise<T>): Promise<T> {
  await env.DB.prepare(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} WHEN NEW.account_id = '${accountId}' BEGIN SELECT RAISE(ABORT, 'store down'); END`).run();
  try {
    return await fn();
  } finally {
    await env.DB.prepare(`DROP TRIGGER ${name}`).run();
  }
}

describe("calling hours (08:00–21:00 in the callee's zone)", () => {
  it("refuses a split-zone area code while either zone is out of hours, and audits it", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    await consent(t, ALASKA);
    at("2026-01-15T17:30:00Z"); // 08:30 in Anchorage, 07:30 on Adak
    const res = await dial(t, ALASKA);
    vi.useRealTimers();
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ type: "https://docs.ayb.dev/problems/calling-hours", reason: "calling_hours_outside_hours" });
    expect(res.json.detail).toMatch(/calls are allowed 08:00–21:00 local time/);
    expect(await refusals(t.accountId)).toEqual(["calling_hours_outside_hours"]);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE account_id = ?").bind(t.accountId).first<{ n: number }>())!.n).toBe(0);
  });

  it("dials the same callee once both zones are in hours", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    await consent(t, ALASKA);
    at("2026-01-15T20:00:00Z"); // 11:00 in Anchorage, 10:00 on Adak
    const res = await dial(t, ALASKA);
    vi.useRealTimers();
    expect(res.status).toBe(201);
    expect(await refusals(t.accountId)).toEqual([]);
  });

  it("holds a self_test call to the user's own verified number to the same hours", async () => {
    const NEW_YORK = "+12125550143";
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    at("2026-01-15T12:55:00Z"); // 07:55 in New York; the user's token and code are minted on the same clock
    const user = (await api(t.key).post("/v1/users", { email: `me-${crypto.randomUUID()}@hours.test`, role: "developer" })).json;
    const me = api((await api(t.key).post(`/v1/users/${user.id}/tokens`)).json.token);
    await me.post(`/v1/users/${user.id}/phone`, { phone: NEW_YORK });
    await me.post(`/v1/users/${user.id}/phone/check`, { code: await textedCode(t, NEW_YORK) });
    const callMe = () => me.post("/v1/calls", { agent_id: t.agentId, to: NEW_YORK, from: t.number, consent_type: "self_test" });
    const early = await callMe();
    at("2026-01-15T13:01:00Z"); // 08:01
    const inHours = await callMe();
    vi.useRealTimers();
    expect(early.json).toMatchObject({ type: "https://docs.ayb.dev/problems/calling-hours", reason: "calling_hours_outside_hours" });
    expect(inHours.status, inHours.text).toBe(201);
    expect(await refusals(t.accountId)).toEqual(["calling_hours_outside_hours"]);
  });

  it("refuses an area code whose zone is unknown", async () => {
    const t = await telephonyTenant();
    await consent(t, "+18005550142");
    const res = await dial(t, "+18005550142");
    expect(res.json.reason).toBe("calling_hours_unknown_area_code");
    expect(await refusals(t.accountId)).toEqual(["calling_hours_unknown_area_code"]);
  });
});

describe("refusals after admission", () => {
  it("audits a call refused at the concurrent-call limit", async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: 1 });
    await registerWithTwilio(t);
    await consent(t, UK);
    expect((await dial(t, UK)).status).toBe(201);
    const res = await dial(t, UK);
    expect(res.status).toBe(429);
    expect(await refusals(t.accountId)).toEqual(["concurrency_limit"]);
  });

  it("answers 402 problems for a prepaid account out of spendable credit and for a billing suspension, and audits them", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    await consent(t, UK);
    const gate = env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(t.accountId));
    await gate.setBalance(snapshotOf(t.accountId, { balanceMinor: 250, reservePerMinuteMinor: 100 }));
    const short = await dial(t, UK);
    expect(short.status).toBe(402);
    expect(short.json).toMatchObject({ type: "https://docs.ayb.dev/problems/insufficient-credit", reason: "insufficient_credit" });
    expect(short.json.detail).toMatch(/spendable credit/);
    await gate.setBalance(snapshotOf(t.accountId, { mode: "postpaid", billingStatus: "suspended_for_billing", throughPostingId: 2 }));
    const suspended = await dial(t, UK);
    expect(suspended.status).toBe(402);
    expect(suspended.json).toMatchObject({ type: "https://docs.ayb.dev/problems/billing-suspended", reason: "billing_suspended" });
    expect(await refusals(t.accountId)).toEqual(["insufficient_credit", "billing_suspended"]);
    expect(await callRows(t.accountId)).toEqual([]);
  });

  it("audits Twilio's refusal with its code", async () => {
    const t = await telephonyTenant();
    // The Twilio account exists but does not own the caller-ID number: Twilio answers 21210.
    await fetch(`${env.TWILIO_API_BASE_URL}/__control/accounts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ accountSid: t.accountSid, authToken: t.authToken }) });
    await consent(t, UK);
    expect((await dial(t, UK)).json.twilio_code).toBe(21210);
    expect(await refusals(t.accountId)).toEqual(["twilio_error:21210"]);
  });

  it("marks the call failed, frees its slot and answers problem+json when Twilio cannot be reached", async () => {
    const t = await telephonyTenant();
    await consent(t, UK);
    const res = await fetchWithEnv(
      new Request("https://api.test/v1/calls", { method: "POST", headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" }, body: JSON.stringify({ agent_id: t.agentId, to: UK, from: t.number }) }),
      { TWILIO_API_BASE_URL: "http://127.0.0.1:9" },
    );
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = await res.json<{ type: string; reason: string; call_id: string; detail: string }>();
    expect(problem).toMatchObject({ type: "https://docs.ayb.dev/problems/provider-error", reason: "twilio_unreachable" });
    expect(await env.DB.prepare("SELECT status, end_reason FROM calls WHERE id = ?").bind(problem.call_id).first()).toEqual({ status: "failed", end_reason: "twilio_unreachable" });
    expect(await env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(t.accountId)).active()).toBe(0);
    expect(await refusals(t.accountId)).toEqual(["twilio_unreachable"]);
  });

  it("gives back the slot and the row of a call whose object cannot be prepared, and records why", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    await consent(t, UK);
    const unreachable = {
      idFromName: (name: string) => env.CALL_SESSION.idFromName(name),
      get: () => ({ prepare: () => Promise.reject(new Error("call object unreachable")) }),
    } as unknown as Env["CALL_SESSION"];
    const res = await dialWithEnv(t, UK, { CALL_SESSION: unreachable });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await callRows(t.accountId)).toEqual([]);
    expect(await gateActive(t.accountId)).toBe(0);
    expect(await refusals(t.accountId)).toEqual(["internal_error"]);
    expect((await api(t.key).get("/v1/audit-log/verify")).json).toMatchObject({ valid: true, pending: 0 });
  });

  it("gives back the slot of a call whose row cannot be written", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    await consent(t, UK);
    const res = await withStoreDown("outbound_calls_down", "calls", t.accountId, () => dial(t, UK));
    expect(res.status).toBe(500);
    expect(await callRows(t.accountId)).toEqual([]);
    expect(await gateActive(t.accountId)).toBe(0);
    expect(await refusals(t.accountId)).toEqual([]);
  });

  it("keeps the slot and the row of a call Twilio accepted, even when answering fails afterwards", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    await consent(t, UK);
    const res = await withStoreDown("outbound_audit_down", "audit_pending", t.accountId, () => dial(t, UK));
    expect(res.status).toBe(500);
    // The call exists at Twilio: its status callbacks end it and release the slot.
    expect(await callRows(t.accountId)).toEqual([expect.objectContaining({ status: "queued" })]);
    expect(await gateActive(t.accountId)).toBe(1);
  });
});
