import { Router } from "itty-router";
import { apiKeyOf } from "./auth.ts";
import { checkoutSessionRoutes } from "./checkout-sessions.ts";
import { customerRoutes } from "./customers.ts";
import { eventRoutes } from "./events.ts";
import { identitySessionRoutes } from "./identity-sessions.ts";
import { decodeForm } from "./form-body.ts";
import type { IdempotencyStore } from "./idempotency.ts";
import { newId } from "./ids.ts";
import { invoiceItemRoutes } from "./invoice-items.ts";
import { invoiceRoutes } from "./invoices.ts";
import { paymentIntentRoutes } from "./payment-intents.ts";
import { paymentMethodRoutes } from "./payment-methods.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { ApiRequest, ApiResponse } from "./route-context.ts";
import { setupIntentRoutes } from "./setup-intents.ts";
import { DEFAULT_API_VERSION, type StripeState } from "./state.ts";
import { StripeApiError } from "./stripe-error.ts";

export interface ApiCall {
  method: string;
  url: URL;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface ApiDeps {
  state: StripeState;
  apiKeys: ReadonlySet<string>;
  idempotency: IdempotencyStore;
  rateLimiter: RateLimiter;
}

const routes = Router<ApiRequest, [StripeState], ApiResponse>();
for (const register of [customerRoutes, paymentMethodRoutes, paymentIntentRoutes, setupIntentRoutes, checkoutSessionRoutes, invoiceItemRoutes, invoiceRoutes, eventRoutes, identitySessionRoutes]) register(routes);

/** The REST API under /v1: authenticate, rate-limit, replay idempotent POSTs, route, and render Stripe's errors. */
export async function handleApiCall(deps: ApiDeps, call: ApiCall): Promise<ApiResponse & { headers: Record<string, string> }> {
  const requestId = newId("req");
  const idempotencyKey = call.method === "POST" ? call.headers["idempotency-key"] : undefined;
  const headers: Record<string, string> = { "Request-Id": requestId, "Stripe-Version": call.headers["stripe-version"] ?? DEFAULT_API_VERSION };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const fingerprint = `${call.method} ${call.url.pathname}\n${call.body}`;
  let apiKey: string | undefined;
  try {
    apiKey = apiKeyOf(call.headers.authorization, deps.apiKeys);
    if (!deps.rateLimiter.admit(apiKey)) {
      throw new StripeApiError(429, "invalid_request_error", "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.", { code: "rate_limit" });
    }
    if (idempotencyKey) {
      const replayed = deps.idempotency.replay(apiKey, idempotencyKey, fingerprint);
      if (replayed) return { ...replayed, headers: { ...headers, "Idempotent-Replayed": "true" } };
    }
  } catch (err) {
    if (err instanceof StripeApiError) return { status: err.status, body: err.toJSON(), headers };
    throw err;
  }
  const response = await route(deps.state, call, { id: requestId, idempotencyKey: idempotencyKey ?? null });
  if (idempotencyKey && !failedValidation(response)) deps.idempotency.store(apiKey, idempotencyKey, fingerprint, response);
  return { ...response, headers };
}

/** Stripe saves a result only once the endpoint began executing: a request whose parameters failed validation is not saved. */
function failedValidation(response: ApiResponse): boolean {
  const code = (response.body as { error?: { code?: string } }).error?.code;
  return response.status === 400 && (code?.startsWith("parameter_") ?? false);
}

async function route(state: StripeState, call: ApiCall, origin: ApiRequest["origin"]): Promise<ApiResponse> {
  try {
    const form = decodeForm(call.method === "GET" || call.method === "DELETE" ? call.url.search.slice(1) : call.body);
    const response = await routes.fetch({ method: call.method, url: call.url.href, form, origin } as ApiRequest, state);
    if (response) return response;
    throw new StripeApiError(
      404,
      "invalid_request_error",
      `Unrecognized request URL (${call.method}: ${call.url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    );
  } catch (err) {
    if (err instanceof StripeApiError) return { status: err.status, body: err.toJSON() };
    throw err;
  }
}
