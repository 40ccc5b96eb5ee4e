import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../../test/workers/api-client.ts";
import { settleAudit } from "../../test/workers/audit-fixtures.ts";
import { registerWithTwilio, telephonyTenant, type TelephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import { textedCode } from "../compliance/trial/verified-number-fixtures.ts";

// Outside the US, so no calling-hours window depends on when the test runs (the dial still checks it).
const OWN = "+442071838750";
const SOMEONE_ELSE = "+442079460000";

/** A user of the tenant with `role`, and a dashboard token for them (what the console mints from its session). */
async function signedInUser(t: TelephonyTenant, role: "developer" | "viewer") {
  const created = await api(t.key).post("/v1/users", { email: `${role}-${crypto.randomUUID()}@self-test.test`, role });
  const token = (await api(t.key).post(`/v1/users/${created.json.id}/tokens`)).json.token as string;
  return { id: created.json.id as string, api: api(token) };
}

const selfTest = (t: TelephonyTenant, to: string) => ({ agent_id: t.agentId, to, from: t.number, consent_type: "self_test", machine_detection: false });

describe("a user's own number and self_test calls", () => {
  it("a user on a trial account verifies their number by a texted code, then calls it with self_test", async () => {
    const t = await telephonyTenant({ verification: "trial" });
    await registerWithTwilio(t);
    const me = await signedInUser(t, "developer");
    const phonePath = `/v1/users/${me.id}/phone`;
    expect((await me.api.get(phonePath)).status).toBe(404);

    const sent = await me.api.post(phonePath, { phone: OWN });
    expect(sent.status).toBe(202);
    expect(sent.json).toMatchObject({ phone: OWN, status: "pending", attempts_left: 5, verified_at: null });
    const code = await textedCode(t, OWN);
    const wrong = await me.api.post(`${phonePath}/check`, { code: String((Number(code) + 1) % 1_000_000).padStart(6, "0") });
    expect(wrong.status).toBe(422);
    expect(wrong.json).toMatchObject({ type: "https://docs.ayb.dev/problems/validation-error", attempts_left: 4 });
    // Not callable before it is verified (on trial, the trial's own gate says so first).
    expect((await me.api.post("/v1/calls", selfTest(t, OWN))).status).toBe(403);

    const checked = await me.api.post(`${phonePath}/check`, { code });
    expect(checked.status).toBe(200);
    expect(checked.json).toMatchObject({ phone: OWN, status: "verified", verified_at: expect.any(String) });
    expect((await me.api.get(phonePath)).json.status).toBe("verified");
    // Setting the same verified number again texts nothing.
    expect((await me.api.post(phonePath, { phone: OWN })).status).toBe(200);

    const called = await me.api.post("/v1/calls", selfTest(t, OWN));
    expect(called.status, called.text).toBe(201);
    expect(called.json).toMatchObject({ to: OWN, direction: "outbound" });
    await settleAudit(t.accountId);
    const audit = await env.DB.prepare("SELECT actor, detail FROM audit_log WHERE account_id = ? AND resource = ?").bind(t.accountId, called.json.id).first<{ actor: string; detail: string }>();
    expect(audit!.actor).toBe(`user:${me.id}`);
    expect(JSON.parse(audit!.detail)).toMatchObject({ consent_type: "self_test" });
    // The verification left its evidence: a self_test consent record naming the user.
    const consent = await api(t.key).get(`/v1/consent/check?${new URLSearchParams({ phone: OWN, consent_type: "self_test" })}`);
    expect(consent.json).toMatchObject({ allowed: true, record: { source: `user_phone:${me.id}` } });
  });

  it("refuses a forged self_test call to anyone but the caller's own verified number, with problem+json", async () => {
    const t = await telephonyTenant();
    await registerWithTwilio(t);
    const me = await signedInUser(t, "developer");
    const colleague = await signedInUser(t, "developer");
    await me.api.post(`/v1/users/${me.id}/phone`, { phone: OWN });
    await me.api.post(`/v1/users/${me.id}/phone/check`, { code: await textedCode(t, OWN) });

    const refusals: [typeof me.api, string, RegExp][] = [
      [me.api, SOMEONE_ELSE, /only to your own verified number \(\+442071838750\), not to \+442079460000/],
      // Another user, even of the same account, has no claim on my number.
      [colleague.api, OWN, /you have none/],
      // An API key is nobody's own phone.
      [api(t.key), OWN, /an API key has none/],
    ];
    for (const [caller, to, detail] of refusals) {
      const res = await caller.post("/v1/calls", selfTest(t, to));
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(res.json).toMatchObject({ type: "https://docs.ayb.dev/problems/consent-required", reason: "self_test_not_own_number" });
      expect(res.json.detail).toMatch(detail);
    }
    expect((await env.DB.prepare("SELECT count(*) AS n FROM calls WHERE account_id = ?").bind(t.accountId).first<{ n: number }>())!.n).toBe(0);

    // A colleague can neither read nor set my number; the viewer cannot call at all.
    expect((await colleague.api.post(`/v1/users/${me.id}/phone`, { phone: SOMEONE_ELSE })).json).toMatchObject({ type: "https://docs.ayb.dev/problems/not-found" });
    expect((await colleague.api.get(`/v1/users/${me.id}/phone`)).status).toBe(404);
    const viewer = await signedInUser(t, "viewer");
    expect((await viewer.api.post(`/v1/users/${viewer.id}/phone`, { phone: SOMEONE_ELSE })).json).toMatchObject({ required_scope: "calls:write" });
    expect((await me.api.get(`/v1/users/${me.id}/phone`)).json).toMatchObject({ phone: OWN, status: "verified" });
  });
});
