import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createTenant } from "../../../test/workers/api-client.ts";
import { deliver, eventAbout, stripe } from "../../billing/payments/testing/stripe-fixtures.ts";
import { caseDetails, loadFixtureLists, operatorRequest, tenantInReview } from "./verification-fixtures.ts";

beforeAll(loadFixtureLists, 60_000);

/** Plays the representative and Stripe's checks on the simulator's control API. */
const settle = (sessionId: string, body: unknown) =>
  fetch(`${env.STRIPE_API_BASE_URL}/__control/identity/verification_sessions/${sessionId}/settle`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const identityEvidence = async (accountId: string) =>
  (await operatorRequest("GET", `/v1/operator/verifications/${accountId}`)).json.evidence.filter((e: { kind: string }) => e.kind === "identity");

describe("the representative's identity (Stripe Identity)", () => {
  it("creates a document-and-selfie session, and Stripe's verdicts become evidence on the case, once per event", async () => {
    const t = await tenantInReview();
    const created = await api(t.key).post("/v1/verification/identity-session");
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ session_id: expect.stringMatching(/^vs_/), url: expect.stringContaining("/identity/"), status: "requires_input" });
    const session = await stripe().identity.verificationSessions.retrieve(created.json.session_id);
    expect(session).toMatchObject({ type: "document", options: { document: { require_matching_selfie: true } }, client_reference_id: t.accountId, metadata: { account_id: t.accountId } });

    expect((await settle(session.id, { status: "requires_input", code: "selfie_face_mismatch" })).status).toBe(200);
    const failed = await eventAbout("identity.verification_session.requires_input", session.id);
    expect((await deliver(failed)).json).toMatchObject({ handled: true });
    expect((await deliver(failed)).json).toMatchObject({ handled: true, detail: "identity evidence already recorded" });
    expect((await settle(session.id, { status: "verified" })).status).toBe(200);
    expect((await deliver(await eventAbout("identity.verification_session.verified", session.id))).status).toBe(200);

    expect(await identityEvidence(t.accountId)).toEqual([
      expect.objectContaining({ session_id: session.id, status: "requires_input", error_code: "selfie_face_mismatch" }),
      expect.objectContaining({ session_id: session.id, status: "verified", error_code: null }),
    ]);
    // The tenant sees its case, not the evidence.
    expect((await api(t.key).get("/v1/verification")).json.evidence).toBeUndefined();
  });

  it("needs a declared, undecided case, and ignores sessions that are not a case's", async () => {
    const t = await createTenant();
    expect((await api(t.key).post("/v1/verification/identity-session")).status).toBe(409);
    await api(t.key).put("/v1/verification", caseDetails());
    const foreign = await stripe().identity.verificationSessions.create({ type: "document", metadata: { account_id: t.accountId } });
    await settle(foreign.id, { status: "verified" });
    expect((await deliver(await eventAbout("identity.verification_session.verified", foreign.id))).json).toMatchObject({ handled: false, reason: "not ours" });
    expect(await identityEvidence(t.accountId)).toEqual([]);
  });
});
