import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { api } from "../../test/workers/api-client.ts";
import { settleAudit } from "../../test/workers/audit-fixtures.ts";
import { BASE, inboundParams, telephonyTenant, twilioPost, type TelephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import { fetchWithEnv } from "../../test/workers/worker-with-env.ts";

const BURST = 200;

const gate = (accountId: string) => env.ACCOUNT_GATE.get(env.ACCOUNT_GATE.idFromName(accountId));
const leases = (accountId: string) =>
  runInDurableObject(gate(accountId), (_gate, state) => state.storage.sql.exec<{ call_id: string }>("SELECT call_id FROM leases ORDER BY call_id").toArray().map((r) => r.call_id));
const callRows = async (accountId: string) =>
  (await env.DB.prepare("SELECT id, twilio_call_sid FROM calls WHERE account_id = ? ORDER BY id").bind(accountId).all<{ id: string; twilio_call_sid: string }>()).results;
const auditActions = async (accountId: string) => {
  await settleAudit(accountId);
  return (await env.DB.prepare("SELECT action, detail FROM audit_log WHERE account_id = ? AND action LIKE 'call.%' ORDER BY seq").bind(accountId).all<{ action: string; detail: string }>()).results.map(
    (r) => [r.action, JSON.parse(r.detail).reason ?? null],
  );
};

/** Runs `fn` while the account's audit entries of `action` cannot be stored (a trigger aborts their insert). */
async function withAuditDown<T>(accountId: string, action: string, fn: () => Promise<T>): Promise<T> {
  await env.DB.prepare(
    `CREATE TRIGGER audit_down BEFORE INSERT ON audit_pending WHEN NEW.account_id = '${accountId}' AND NEW.action = '${action}' BEGIN SELECT RAISE(ABORT, 'audit store down'); END`,
  ).run();
  try {
    return await fn();
  } finally {
    await env.DB.prepare("DROP TRIGGER audit_down").run();
  }
}

/** A signed inbound webhook through the real app with some bindings replaced (to inject a failure). */
async function postWithEnv(t: TelephonyTenant, params: Record<string, string>, vars: Partial<Env>) {
  const url = `${BASE}/twilio/voice`;
  const signature = await computeTwilioSignature(t.authToken, url, params);
  const req = new Request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: new URLSearchParams(params).toString() });
  const res = await fetchWithEnv(req, vars);
  return { status: res.status, text: await res.text() };
}

describe("inbound calls arriving together", () => {
  it(`takes ${BURST} simultaneous calls to one account: every one answered, one row and one slot each, the chain intact`, { timeout: 180_000 }, async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: BURST });
    const sent = Array.from({ length: BURST }, () => inboundParams(t));
    const answers = await Promise.all(sent.map((params) => twilioPost("/twilio/voice", params, t.authToken)));

    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.text}`)).toEqual([]);
    expect(answers.filter((a) => !a.text.includes("<Connect")).map((a) => a.text)).toEqual([]);
    const rows = await callRows(t.accountId);
    expect(rows.map((r) => r.twilio_call_sid).sort()).toEqual(sent.map((p) => p.CallSid).sort());
    expect(await leases(t.accountId)).toEqual(rows.map((r) => r.id));

    const verify = await api(t.key).get("/v1/audit-log/verify");
    // The account, its credentials, agent, publish and number, then one entry per call.
    expect(verify.json).toMatchObject({ valid: true, checked: 5 + BURST, broken_at_seq: null, pending: 0 });
  });

  it("reads a fresh account's Twilio credentials once for a burst of its calls, and answers every one", async () => {
    const t = await telephonyTenant({ maxConcurrentCalls: 20 });
    let credentialReads = 0;
    // The real database, counting the statements that read credentials.
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare") return (sql: string) => ((credentialReads += /provider_credentials/.test(sql) ? 1 : 0), target.prepare(sql));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const answers = await Promise.all(Array.from({ length: 20 }, () => postWithEnv(t, inboundParams(t), { DB: db })));
    expect(answers.filter((a) => a.status !== 200 || !a.text.includes("<Connect")).map((a) => `${a.status} ${a.text}`)).toEqual([]);
    expect(credentialReads).toBe(1);
  });

  it("answers a call whose audit entry cannot be stored with an apology, keeping neither its row nor its slot", async () => {
    const t = await telephonyTenant();
    const res = await withAuditDown(t.accountId, "call.accepted", () => twilioPost("/twilio/voice", inboundParams(t), t.authToken));
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<Say>We cannot take your call right now\. Please try again later\. Goodbye\.<\/Say><Hangup\/>/);
    expect(await callRows(t.accountId)).toEqual([]);
    expect(await leases(t.accountId)).toEqual([]);
    expect(await auditActions(t.accountId)).toEqual([]);
  });

  it("still refuses a call politely when the refusal's audit entry cannot be stored", async () => {
    const t = await telephonyTenant();
    await env.DB.prepare("UPDATE phone_numbers SET agent_id = NULL WHERE e164 = ?").bind(t.number).run();
    await env.CONFIG_CACHE.delete(`number:${t.number}`);
    const res = await withAuditDown(t.accountId, "call.refused", () => twilioPost("/twilio/voice", inboundParams(t), t.authToken));
    expect(res.status).toBe(200);
    expect(res.text).toContain("The number you have called is not in service.");
  });

  it("gives back the row and the slot of a call whose object cannot be prepared, and records why", async () => {
    const t = await telephonyTenant();
    const unreachable = {
      idFromName: (name: string) => env.CALL_SESSION.idFromName(name),
      get: () => ({ prepare: () => Promise.reject(new Error("call object unreachable")) }),
    } as unknown as Env["CALL_SESSION"];
    const res = await postWithEnv(t, inboundParams(t), { CALL_SESSION: unreachable });
    expect(res.status).toBe(200);
    expect(res.text).toContain("We cannot take your call right now.");
    expect(await callRows(t.accountId)).toEqual([]);
    expect(await leases(t.accountId)).toEqual([]);
    expect(await auditActions(t.accountId)).toEqual([
      ["call.accepted", null],
      ["call.refused", "internal_error"],
    ]);
    expect((await api(t.key).get("/v1/audit-log/verify")).json).toMatchObject({ valid: true, pending: 0 });
  });
});
