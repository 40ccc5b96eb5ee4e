import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../api/app-env.ts";
import { jsonResponse, problem, withResponseHeaders } from "../../api/route.ts";

const StripeEvent = z
  .object({ id: z.string().openapi({ example: "evt_1Nq" }), object: z.literal("event"), type: z.string().openapi({ example: "checkout.session.completed" }), data: z.object({ object: z.record(z.string(), z.unknown()) }) })
  .passthrough()
  .openapi("StripeEvent");

const Received = z
  .object({ received: z.literal(true), event_id: z.string(), handled: z.boolean(), detail: z.string().optional(), reason: z.string().optional() })
  .openapi("StripeEventReceived");

/**
 * The OpenAPI description of `POST /stripe/webhook` (./stripe-webhook.ts). Stripe calls it, not tenants: it is
 * authenticated by `Stripe-Signature`, never by an API key. test/node/openapi.test.ts fails if it is missing here.
 */
export function documentStripeWebhook(app: OpenAPIHono<AppEnv>) {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "stripeSignature", {
    type: "apiKey",
    in: "header",
    name: "Stripe-Signature",
    description: "`t=<unix time>,v1=<hex HMAC-SHA256 of \"t.payload\">` keyed by the endpoint's signing secret (STRIPE_WEBHOOK_SECRET); `t` must be within 300 s.",
  });
  registry.registerPath({
    method: "post",
    path: "/stripe/webhook",
    tags: ["Stripe webhooks"],
    security: [{ stripeSignature: [] }],
    summary: "Stripe's events about payments: paid top-ups, saved cards, failed payments",
    description:
      "`checkout.session.completed` and `payment_intent.succeeded` credit a top-up once per payment intent; a setup-mode session saves the card; `payment_intent.payment_failed` is recorded once and emits `billing.payment_failed`. Other types are acknowledged and ignored.",
    request: { body: { required: true, content: { "application/json": { schema: StripeEvent } } } },
    responses: withResponseHeaders({
      200: jsonResponse(Received, "Done with (also for an event already applied, or one not used)."),
      400: problem("`stripe-signature-invalid`: no signature, a signature that does not verify, or one older than 300 s."),
      413: problem("`payload-too-large`: webhook bodies are limited to 64 KiB."),
      503: problem("`billing-unavailable`: Postgres is unreachable; Stripe delivers the event again later."),
    }),
  });
}
