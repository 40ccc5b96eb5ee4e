import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { api } from "../../../test/workers/api-client.ts";
import { registerWithTwilio, telephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import { deliver, eventAbout } from "../../billing/payments/testing/stripe-fixtures.ts";
import { TRUST_HUB_CALLBACK_PATH } from "../trust-hub/trust-hub.ts";
import { caseDetails, loadFixtureLists, operatorRequest, TRUST_HUB } from "./verification-fixtures.ts";

beforeAll(loadFixtureLists, 60_000);

const VERIFICATION_REQUIRED = "https://docs.ayb.dev/problems/verification-required";

const postJson = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Twilio's reviewers approve a bundle; the signed callbacks the simulator made are posted to the Worker as Twilio would. */
async function twilioApproves(bundleSid: string): Promise<void> {
  const res = await postJson(`${env.TWILIO_API_BASE_URL}/__control/trust-hub/bundles/${bundleSid}/review`, { status: "twilio-approved", deliver: false });
  const { callbacks } = await res.json<{ callbacks: { url: string; params: Record<string, string>; signature: string }[] }>();
  expect(callbacks.length).toBeGreaterThan(0);
  for (const cb of callbacks) {
    expect(new URL(cb.url).pathname).toBe(TRUST_HUB_CALLBACK_PATH);
    const delivered = await exports.default.fetch(
      new Request(cb.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": cb.signature }, body: new URLSearchParams(cb.params).toString() }),
    );
    expect(delivered.status).toBe(204);
  }
}

const trustHubOf = async (key: string) => (await api(key).get("/v1/verification")).json.trust_hub;

describe("a trial account's way to approval", () => {
  it("is refused a second number and an unverified callee, gets verified, and then buys a number and calls out", { timeout: 60_000 }, async () => {
    const t = await telephonyTenant({ verification: "trial" });
    await registerWithTwilio(t);
    const a = api(t.key);
    // A London callee (no US calling hours), who consented but never verified a texted code.
    const callee = `+4420718${String(Math.floor(Math.random() * 1e5)).padStart(5, "0")}`;
    expect((await a.post("/v1/consent", { phone: callee, consent_type: "outbound_calls", source: "web_form:journey", captured_at: "2025-01-01T00:00:00Z" })).status).toBe(201);
    const dial = () => a.post("/v1/calls", { agent_id: t.agentId, to: callee, from: t.number });
    const buy = async () => {
      const search = await a.post("/v1/phone-numbers/search", { area_code: "415", limit: 1 });
      expect(search.status).toBe(200);
      return a.post("/v1/phone-numbers", { e164: search.json.data[0].e164, agent_id: t.agentId });
    };

    // On trial: one number, verified callees only.
    const secondNumber = await buy();
    expect(secondNumber.status).toBe(403);
    expect(secondNumber.json.type).toBe(VERIFICATION_REQUIRED);
    const unverified = await dial();
    expect(unverified.status).toBe(403);
    expect(unverified.json).toMatchObject({ type: VERIFICATION_REQUIRED, reason: "verification_required" });

    // The case, with its Trust Hub part; screening finds nothing, so it waits for the operator.
    expect((await a.put("/v1/verification", caseDetails({ trust_hub: TRUST_HUB }))).status).toBe(200);
    expect((await a.post("/v1/verification/submit")).json.state).toBe("in_review");

    // The representative passes Stripe Identity (document and selfie).
    const session = await a.post("/v1/verification/identity-session");
    expect(session.status, session.text).toBe(201);
    expect((await postJson(`${env.STRIPE_API_BASE_URL}/__control/identity/verification_sessions/${session.json.session_id}/settle`, { status: "verified" })).status).toBe(200);
    expect((await deliver(await eventAbout("identity.verification_session.verified", session.json.session_id))).json).toMatchObject({ handled: true });

    const review = (await operatorRequest("GET", `/v1/operator/verifications/${t.accountId}`)).json;
    expect(review.evidence).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: "sanctions_screening", matches: [] }), expect.objectContaining({ kind: "identity", status: "verified" })]),
    );
    const approved = await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/approve`, { reason: "registry, identity and screening checked" });
    expect(approved.status, approved.text).toBe(200);
    expect((await a.get("/v1/accounts/me")).json.verification).toBe("approved");

    // Approval registered the Secondary Customer Profile; Twilio approves it, then the SHAKEN/STIR product.
    await vi.waitFor(async () => expect(await trustHubOf(t.key)).toMatchObject({ step: "awaiting_profile_review", last_error: null }), { timeout: 20_000, interval: 200 });
    await twilioApproves((await trustHubOf(t.key)).customer_profile.sid);
    const afterProfile = await trustHubOf(t.key);
    expect(afterProfile).toMatchObject({ step: "awaiting_product_review", customer_profile: { status: "twilio-approved" }, trust_product: { status: "pending-review" } });
    await twilioApproves(afterProfile.trust_product.sid);
    expect(await trustHubOf(t.key)).toMatchObject({ step: "done", trust_product: { status: "twilio-approved" } });

    // Approved: a second number, and a call to the consented callee no code ever verified.
    const bought = await buy();
    expect(bought.status, bought.text).toBe(201);
    expect((await a.get("/v1/phone-numbers")).json.data.filter((n: { status: string }) => n.status === "active")).toHaveLength(2);
    const call = await dial();
    expect(call.status, call.text).toBe(201);
    expect(call.json.id).toMatch(/^CAL-/);
  });
});
