import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStripeSimulator, type StripeSimulator } from "./index.ts";
import { sdkFor, startWebhookReceiver, type WebhookReceiver } from "./test-support.ts";

let sim: StripeSimulator;
let stripe: Stripe;
let hooks: WebhookReceiver;
let secret: string;
beforeAll(async () => {
  hooks = await startWebhookReceiver();
  sim = await startStripeSimulator({ rateLimitPerSecond: 1000 });
  const res = await fetch(`${sim.url}/__control/webhook-endpoints`, { method: "POST", body: JSON.stringify({ url: hooks.url, enabled_events: ["created", "verified", "requires_input", "canceled"].map((s) => `identity.verification_session.${s}`) }) });
  ({ secret } = (await res.json()) as { secret: string });
  stripe = sdkFor(sim);
});
afterAll(async () => {
  await sim.close();
  await hooks.close();
});

const settle = async (id: string, body: unknown) => {
  const res = await fetch(`${sim.url}/__control/identity/verification_sessions/${id}/settle`, { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

/** The signed events received for one session, verified with the SDK as the Worker verifies them. */
const eventsFor = async (sessionId: string, count: number) => {
  const received = await hooks.waitFor((all) => all.filter((h) => h.payload.includes(sessionId)).length >= count);
  return received.filter((h) => h.payload.includes(sessionId)).map((h) => stripe.webhooks.constructEvent(h.payload, h.signature, secret));
};

const createSession = () =>
  stripe.identity.verificationSessions.create({
    type: "document",
    options: { document: { require_matching_selfie: true, require_live_capture: true } },
    client_reference_id: "AYB-AAAA-BBBB-CCCC",
    metadata: { account_id: "AYB-AAAA-BBBB-CCCC" },
    return_url: "https://console.example/verification",
  });

describe("Stripe Identity VerificationSessions through the official SDK", () => {
  it("creates a document-and-selfie session, retrieves it, and verifies it with a signed identity.verification_session.verified", async () => {
    const session = await createSession();
    expect(session).toMatchObject({
      object: "identity.verification_session",
      status: "requires_input",
      type: "document",
      options: { document: { require_matching_selfie: true } },
      metadata: { account_id: "AYB-AAAA-BBBB-CCCC" },
      last_error: null,
      livemode: false,
    });
    expect(session.id).toMatch(/^vs_/);
    expect(session.client_secret).toMatch(new RegExp(`^${session.id}_secret_`));
    expect(session.url).toBe(`${sim.url}/identity/${session.id}`);
    expect((await stripe.identity.verificationSessions.retrieve(session.id)).id).toBe(session.id);

    expect((await settle(session.id, { status: "verified" })).body.status).toBe("verified");
    const verified = await stripe.identity.verificationSessions.retrieve(session.id);
    expect(verified).toMatchObject({ status: "verified", last_error: null, url: null, client_secret: null });
    expect(verified.last_verification_report).toMatch(/^vr_/);
    const events = await eventsFor(session.id, 2);
    expect(events.map((e) => e.type)).toEqual(["identity.verification_session.created", "identity.verification_session.verified"]);
    expect(events[1]!.data.object).toMatchObject({ id: session.id, status: "verified", metadata: { account_id: "AYB-AAAA-BBBB-CCCC" } });
    // A verified session is final.
    expect((await settle(session.id, { status: "requires_input" })).status).toBe(400);
    await expect(stripe.identity.verificationSessions.cancel(session.id)).rejects.toMatchObject({ type: "StripeInvalidRequestError", code: "session_invalid_state" });
  });

  it("returns a failed check to requires_input with Stripe's last_error, and cancels it", async () => {
    const session = await createSession();
    const failed = await settle(session.id, { status: "requires_input", code: "selfie_face_mismatch" });
    expect(failed.body).toMatchObject({ status: "requires_input", last_error: { code: "selfie_face_mismatch", reason: expect.any(String) } });
    const canceled = await stripe.identity.verificationSessions.cancel(session.id);
    expect(canceled).toMatchObject({ status: "canceled", url: null });
    const events = await eventsFor(session.id, 3);
    expect(events.map((e) => e.type)).toEqual(["identity.verification_session.created", "identity.verification_session.requires_input", "identity.verification_session.canceled"]);
    expect((events[1]!.data.object as Stripe.Identity.VerificationSession).last_error?.code).toBe("selfie_face_mismatch");
  });

  it("answers Stripe's errors: a missing type, an unknown parameter, an unknown session, a bad control call", async () => {
    await expect(stripe.identity.verificationSessions.create({} as Stripe.Identity.VerificationSessionCreateParams)).rejects.toMatchObject({ code: "parameter_missing", param: "type" });
    await expect(stripe.identity.verificationSessions.create({ type: "document", selfie: true } as never)).rejects.toMatchObject({ code: "parameter_unknown", param: "selfie" });
    await expect(stripe.identity.verificationSessions.retrieve("vs_missing")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" });
    const session = await createSession();
    expect((await settle(session.id, { status: "approved" })).status).toBe(400);
    expect((await settle(session.id, { status: "requires_input", code: "made_up" })).status).toBe(400);
  });
});
