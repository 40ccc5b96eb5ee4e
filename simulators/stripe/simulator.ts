import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { assertLoopback, closeServer, listenOn, readBody } from "../common/loopback-http-server.ts";
import { handleApiCall, type ApiDeps } from "./api-router.ts";
import { completeCheckoutSession } from "./checkout-completion.ts";
import { checkoutPageHtml, successRedirect } from "./checkout-page.ts";
import { checkoutSessionOf } from "./checkout-sessions.ts";
import { serveInvoicePage } from "./invoice-page.ts";
import { handleControlRequest } from "./control-api.ts";
import { IdempotencyStore } from "./idempotency.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { StripeState } from "./state.ts";
import { StripeApiError } from "./stripe-error.ts";
import { WebhookDispatcher, type DeliveryAttempt, type WebhookEndpoint } from "./webhook-dispatcher.ts";

export interface StripeSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  host?: string;
  /** Secret keys accepted as `Authorization: Bearer …` (default: sk_test_simulator). */
  apiKeys?: string[];
  /** Webhook retry clock speed: 1 is Stripe's real backoff (minutes to hours); 60000 turns a minute into a millisecond. */
  speed?: number;
  /** Requests per second per key before 429 rate_limit (Stripe's test mode: 25). */
  rateLimitPerSecond?: number;
  /** The rate limiter's clock in milliseconds (default performance.now; tests freeze it to make a burst exact). */
  rateLimitClock?: () => number;
  webhookEndpoints?: { url: string; secret?: string; enabledEvents?: string[] }[];
}

export interface StripeSimulator {
  readonly url: string;
  readonly port: number;
  readonly speed: number;
  readonly state: StripeState;
  addWebhookEndpoint(opts: { url: string; secret?: string; enabledEvents?: string[] }): WebhookEndpoint;
  deliveryAttempts(): DeliveryAttempt[];
  close(): Promise<void>;
}

export const DEFAULT_API_KEY = "sk_test_simulator";
function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** Starts the Stripe simulator: REST API under /v1, hosted Checkout under /checkout, hosted invoices under /invoice, control API under /__control. */
export async function startStripeSimulator(opts: StripeSimulatorOptions = {}): Promise<StripeSimulator> {
  const host = opts.host ?? "127.0.0.1";
  assertLoopback(host, "Stripe");
  const speed = opts.speed ?? 1;
  const webhooks = new WebhookDispatcher(speed);
  for (const endpoint of opts.webhookEndpoints ?? []) webhooks.addEndpoint(endpoint);
  let baseUrl = "";
  const state = new StripeState(() => baseUrl, webhooks);
  const deps: ApiDeps = {
    state,
    apiKeys: new Set(opts.apiKeys ?? [DEFAULT_API_KEY]),
    idempotency: new IdempotencyStore(),
    rateLimiter: new RateLimiter(opts.rateLimitPerSecond ?? 25, opts.rateLimitClock),
  };

  let sim: StripeSimulator;
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", baseUrl);
    if (url.pathname.startsWith("/__control/")) {
      const out = await handleControlRequest(sim, method, url, body);
      return sendJson(res, out.status, out.body);
    }
    const page = /^\/checkout\/(cs_test_\w+)(\/complete)?$/.exec(url.pathname);
    if (page) return serveCheckoutPage(state, res, method, page[1]!, page[2] !== undefined, body);
    const invoicePage = /^\/invoice\/(in_\w+)(\/pay)?$/.exec(url.pathname);
    if (invoicePage) return serveInvoicePage(state, res, method, invoicePage[1]!, invoicePage[2] !== undefined, body);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
    const out = await handleApiCall(deps, { method, url, headers, body });
    sendJson(res, out.status, out.body, out.headers);
  };
  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, new StripeApiError(500, "api_error", `Internal simulator error: ${(err as Error).message}`).toJSON());
    });
  });
  const { port, url } = await listenOn(server, host, opts.port ?? 0);
  baseUrl = url;

  sim = {
    url: baseUrl,
    port,
    speed,
    state,
    addWebhookEndpoint: (endpoint) => webhooks.addEndpoint(endpoint),
    deliveryAttempts: () => [...webhooks.attempts],
    close: async () => {
      webhooks.close();
      await closeServer(server);
    },
  };
  return sim;
}

/** GET shows the hosted page; its button POSTs the chosen card, and success redirects to success_url (303, like Stripe). */
function serveCheckoutPage(state: StripeState, res: ServerResponse, method: string, id: string, complete: boolean, body: string): void {
  const html = (status: number, text: string): void => void res.writeHead(status, { "Content-Type": "text/html; charset=utf-8" }).end(text);
  let session;
  try {
    session = checkoutSessionOf(state, id);
  } catch {
    return html(404, "<!doctype html><title>Not found</title><p>No such Checkout Session.</p>");
  }
  if (!complete && method === "GET") return html(200, checkoutPageHtml(session));
  if (!complete || method !== "POST") return html(405, "<!doctype html><title>Method not allowed</title>");
  const pm = new URLSearchParams(body).get("payment_method") ?? "pm_card_visa";
  try {
    completeCheckoutSession(state, id, pm, { id: null, idempotencyKey: null });
  } catch (err) {
    if (err instanceof StripeApiError) return html(err.status, checkoutPageHtml(session, err.message));
    throw err;
  }
  res.writeHead(303, { Location: successRedirect(session) }).end();

}
