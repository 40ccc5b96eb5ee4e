import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { callAnalysisApi } from "./analysis/analysis-routes.ts";
import { agentQualityApi } from "./quality/quality-routes.ts";
import { campaignContactsApi, CSV_UPLOAD_MAX_BYTES } from "./campaigns/campaign-contact-routes.ts";
import { campaignsApi } from "./campaigns/campaign-routes.ts";
import type { AppEnv } from "./api/app-env.ts";
import { ApiError, onError, problemResponse } from "./api/problem.ts";
import { accountsApi } from "./api/routes/accounts.ts";
import { agentsApi } from "./api/routes/agents.ts";
import { apiKeysApi } from "./api/routes/api-keys.ts";
import { auditLogApi } from "./api/routes/audit-log.ts";
import { callControlApi } from "./api/routes/call-control.ts";
import { callsApi } from "./api/routes/calls.ts";
import { callRecordingApi } from "./api/routes/call-recording.ts";
import { callLiveApi, LIVE_TRANSCRIPT_PATH } from "./api/routes/call-live.ts";
import { consentApi } from "./api/routes/consent.ts";
import { deadLettersApi } from "./api/routes/dead-letters.ts";
import { doNotCallApi } from "./api/routes/do-not-call.ts";
import { verifiedNumbersApi } from "./compliance/trial/verified-number-routes.ts";
import { phoneNumberPurchaseApi } from "./api/routes/phone-number-purchase.ts";
import { phoneNumbersApi } from "./api/routes/phone-numbers.ts";
import { usersApi } from "./api/routes/users.ts";
import { jsonResponse, withResponseHeaders } from "./api/route.ts";
import { documentTwilioWebhooks } from "./api/twilio-webhooks-spec.ts";
import { analyticsApi } from "./analytics/analytics-routes.ts";
import { authenticate, requireOperator } from "./auth/authenticate.ts";
import { BILLING_APIS } from "./billing/billing-api.ts";
import { stripeWebhookRoutes } from "./billing/payments/stripe-webhook.ts";
import { documentStripeWebhook } from "./billing/payments/stripe-webhook-spec.ts";
import { consoleApi } from "./console/console-api.ts";
import { consoleApp } from "./console/console-app.ts";
import { userPhonesApi } from "./console/user-phone-routes.ts";
import { apiCors } from "./middleware/api-cors.ts";
import { auditWrites } from "./middleware/audit-writes.ts";
import { privacyApi } from "./compliance/privacy/privacy-routes.ts";
import { operatorVerificationsApi } from "./compliance/verification/operator-verification-routes.ts";
import { verificationApi } from "./compliance/verification/verification-routes.ts";
import { verificationDocumentsApi } from "./compliance/verification/document-routes.ts";
import { DOCUMENT_MAX_BYTES } from "./compliance/verification/document-content.ts";
import { twilioRoutes } from "./twilio/routes.ts";
import { webhookDeliveriesApi } from "./webhooks/delivery-routes.ts";
import { webhookEndpointsApi } from "./webhooks/endpoint-routes.ts";
import { documentWebhookEvents } from "./webhooks/webhooks-spec.ts";
import { integrationsApi } from "./integrations/integration-routes.ts";
import { oauthCallbackApp, oauthConnectApi } from "./integrations/oauth-routes.ts";
import { workflowRunsApi } from "./workflows/run-routes.ts";
import { workflowsApi } from "./workflows/workflow-routes.ts";

const API_BODY_LIMIT_BYTES = 256 * 1024;
/** Twilio's form webhooks are a few hundred bytes; the limit applies before the signature is checked. */
const WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;

/** Every resource's routes, mounted under /v1. */
const RESOURCES = [accountsApi, usersApi, apiKeysApi, agentsApi, phoneNumberPurchaseApi, phoneNumbersApi, callsApi, callRecordingApi, callLiveApi, callAnalysisApi, agentQualityApi, callControlApi, consentApi, doNotCallApi, verifiedNumbersApi, auditLogApi, ...BILLING_APIS, analyticsApi, deadLettersApi, webhookEndpointsApi, webhookDeliveriesApi, privacyApi, verificationApi, verificationDocumentsApi, operatorVerificationsApi, campaignsApi, campaignContactsApi, workflowsApi, workflowRunsApi, integrationsApi, oauthConnectApi, consoleApi, userPhonesApi];

const limitBodies = (maxSize: number) =>
  bodyLimit({ maxSize, onError: (c) => problemResponse(c, new ApiError("payload-too-large", `request bodies are limited to ${maxSize} bytes`)) });

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Platform"],
  summary: "Liveness: the Worker is up (it checks no dependency)",
  security: [],
  responses: withResponseHeaders({ 200: jsonResponse(z.object({ ok: z.literal(true) }).openapi("Health"), "Up.") }),
});

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();

  app.use("*", requestId({ headerName: "x-request-id" }));
  // Registered before the header below, so it runs after it: that header copies a finished response (e.g. the
  // media-stream upgrade, whose headers are immutable) into a mutable one.
  app.use("*", secureHeaders());
  app.use("*", async (c, next) => {
    await next();
    // A response built through the context already carries it (set by requestId) and is mutable; copying it again
    // would cost every request a Response copy.
    if (c.res.headers.get("x-request-id") !== c.get("requestId")) c.header("x-request-id", c.get("requestId"));
  });
  app.use("/v1/*", apiCors);
  // The campaign CSV upload is streamed under its own, larger limit (workers/campaigns/campaign-contact-routes.ts);
  // a verification document (raw bytes, workers/compliance/verification/document-routes.ts) under its own too.
  const apiBodies = limitBodies(API_BODY_LIMIT_BYTES);
  const csvBodies = limitBodies(CSV_UPLOAD_MAX_BYTES);
  const documentBodies = limitBodies(DOCUMENT_MAX_BYTES);
  app.use("/v1/*", (c, next) =>
    (/^\/v1\/campaigns\/[^/]+\/contacts\/csv$/.test(c.req.path) ? csvBodies : c.req.path === "/v1/verification/documents" ? documentBodies : apiBodies)(c, next),
  );
  app.use("/twilio/*", limitBodies(WEBHOOK_BODY_LIMIT_BYTES));
  app.use("/stripe/*", limitBodies(WEBHOOK_BODY_LIMIT_BYTES));
  // A body's media type is checked per operation (415 only where a JSON body is declared and one was sent), after
  // authentication: a POST without a body, such as publish, needs no Content-Type.
  // Operator routes (tenant bootstrap) take the operator secret; the live transcript its one-time ticket (checked by
  // the call's object); everything else a tenant credential.
  app.use("/v1/*", (c, next) =>
    c.req.path.startsWith("/v1/operator/") ? requireOperator(c, next) : LIVE_TRANSCRIPT_PATH.test(c.req.path) && c.req.method === "GET" ? next() : authenticate(c, next),
  );
  // Every write handler commits through `c.var.audit`: its statements and its audit entry in one D1 batch.
  app.use("/v1/*", auditWrites);

  for (const resource of RESOURCES) app.route("/v1", resource);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key (`ayb_live_…`) or a dashboard JWT (HS256, or RS256/ES256 from the configured JWKS).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "operator", { type: "apiKey", in: "header", name: "X-Operator-Secret" });
  app.openAPIRegistry.registerComponent("securitySchemes", "liveTicket", { type: "apiKey", in: "query", name: "ticket", description: "A one-time ticket from `POST /v1/calls/{id}/live-ticket`." });
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "Voice Agent Platform API",
      version: "1.0.0",
      description:
        "Create AI phone agents, attach numbers, place consented outbound calls and read transcripts. Errors are RFC 9457 problem+json; POSTs accept `Idempotency-Key`; lists use cursor pagination.",
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "Voice Agent Platform API" }));
  app.openapi(healthRoute, (c) => c.json({ ok: true as const }, 200));
  app.route("/twilio", twilioRoutes);
  app.route("/stripe", stripeWebhookRoutes);
  // Vendors send the tenant's browser back here after an OAuth consent (workers/integrations/oauth-routes.ts).
  app.route("/", oauthCallbackApp);
  // The tenant console: pages, sign-in and sessions (workers/console/); it acts on /v1 with the tokens it mints.
  app.route("/console", consoleApp);
  documentTwilioWebhooks(app);
  documentStripeWebhook(app);
  documentWebhookEvents(app);

  app.notFound((c) => problemResponse(c, new ApiError("not-found", `no route for ${c.req.method} ${c.req.path}`)));
  app.onError(onError);
  return app;
}
