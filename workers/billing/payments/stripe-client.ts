import Stripe from "stripe";
import { retryRateLimited } from "./rate-limit-retry.ts";

export type StripeConfig = Pick<Env, "STRIPE_API_BASE_URL" | "STRIPE_SECRET_KEY">;

const STRIPE_API = "https://api.stripe.com";

/**
 * The Stripe SDK as a Worker uses it: fetch for HTTP (no Node `http`), and the API's host, port and protocol taken
 * from STRIPE_API_BASE_URL, so the Stripe simulator and Stripe itself differ only in configuration.
 */
export function stripeClient(env: StripeConfig): Stripe {
  const base = new URL(env.STRIPE_API_BASE_URL || STRIPE_API);
  const protocol = base.protocol === "http:" ? "http" : "https";
  return new Stripe(env.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(retryRateLimited((input, init) => fetch(input, init))),
    host: base.hostname,
    port: base.port ? Number(base.port) : protocol === "http" ? 80 : 443,
    protocol,
    // The SDK retries connection errors, 409s and 5xx with the request's idempotency key (it adds one to each POST);
    // the fetch retries 429s.
    maxNetworkRetries: 2,
  });
}

/** Stripe's lowercase currency code for one of ours. */
export const stripeCurrency = (currency: string) => currency.toLowerCase();
