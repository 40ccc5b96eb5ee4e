import { Router, type IRequest } from "itty-router";
import { completeCheckoutSession } from "./checkout-completion.ts";
import { DOCUMENT_ERRORS, settleVerificationSession } from "./identity-sessions.ts";
import { isHttpUrl } from "../twilio/form-fields.ts";
import type { StripeSimulator } from "./simulator.ts";
import { StripeApiError } from "./stripe-error.ts";

export interface ControlResponse {
  status: number;
  body: unknown;
}

interface ControlRequest extends IRequest {
  payload: Record<string, unknown>;
}

/**
 * Test and console hooks, JSON in and out (not part of Stripe's API):
 *   GET  /__control/health
 *   POST /__control/webhook-endpoints          {url, secret?, enabled_events?} → {id, url, secret, enabled_events}
 *   GET  /__control/webhook-deliveries         every delivery attempt, in order
 *   POST /__control/checkout/{id}/complete     {payment_method?} completes the session as the customer would
 *   POST /__control/identity/verification_sessions/{id}/settle
 *                                              {status: "verified"} or {status: "requires_input", code?} ends the
 *                                              person's document and selfie check (code: a last_error code)
 */
const router = Router<ControlRequest, [StripeSimulator], ControlResponse>({ base: "/__control" });
router
  .get("/health", (_req, sim) => ({ status: 200, body: { ok: true, url: sim.url, speed: sim.speed } }))
  .post("/webhook-endpoints", ({ payload: json }, sim) => {
    const url = json.url;
    if (typeof url !== "string" || !isHttpUrl(url)) return badRequest("url must be an absolute http(s) URL");
    const secret = json.secret;
    if (secret !== undefined && (typeof secret !== "string" || !secret.startsWith("whsec_"))) return badRequest("secret must be a string starting with whsec_");
    const events = json.enabled_events;
    if (events !== undefined && !(Array.isArray(events) && events.every((e) => typeof e === "string"))) return badRequest("enabled_events must be an array of event types");
    const endpoint = sim.addWebhookEndpoint({ url, ...(secret ? { secret } : {}), ...(events ? { enabledEvents: events as string[] } : {}) });
    return { status: 201, body: { id: endpoint.id, url: endpoint.url, secret: endpoint.secret, enabled_events: endpoint.enabledEvents } };
  })
  .get("/webhook-deliveries", (_req, sim) => ({ status: 200, body: { attempts: sim.deliveryAttempts() } }))
  .post("/checkout/:id/complete", ({ params, payload: json }, sim) => {
    const pm = json.payment_method ?? "pm_card_visa";
    if (typeof pm !== "string") return badRequest("payment_method must be a string such as pm_card_visa");
    try {
      return { status: 200, body: completeCheckoutSession(sim.state, params.id!, pm, { id: null, idempotencyKey: null }) };
    } catch (err) {
      if (err instanceof StripeApiError) return { status: err.status, body: err.toJSON() };
      throw err;
    }
  });

router.post("/identity/verification_sessions/:id/settle", ({ params, payload: json }, sim) => {
  const code = json.code ?? "document_unverified_other";
  if (json.status !== "verified" && json.status !== "requires_input") return badRequest('status must be "verified" or "requires_input"');
  if (typeof code !== "string" || !(code in DOCUMENT_ERRORS)) return badRequest(`code must be one of ${Object.keys(DOCUMENT_ERRORS).join(", ")}`);
  try {
    return { status: 200, body: settleVerificationSession(sim.state, params.id!, json.status === "verified" ? { status: "verified" } : { status: "requires_input", code }, { id: null, idempotencyKey: null }) };
  } catch (err) {
    if (err instanceof StripeApiError) return { status: err.status, body: err.toJSON() };
    throw err;
  }
});

const badRequest = (detail: string): ControlResponse => ({ status: 400, body: { error: detail } });

export async function handleControlRequest(sim: StripeSimulator, method: string, url: URL, body: string): Promise<ControlResponse> {
  let json: Record<string, unknown> = {};
  if (body.trim() !== "") {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return badRequest("the body must be a JSON object");
      json = parsed as Record<string, unknown>;
    } catch {
      return badRequest("the body must be JSON");
    }
  }
  return (await router.fetch({ method, url: url.href, payload: json } as ControlRequest, sim)) ?? { status: 404, body: { error: `no control route ${method} ${url.pathname}` } };
}
