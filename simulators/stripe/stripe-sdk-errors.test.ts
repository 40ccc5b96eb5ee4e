import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { startStripeSimulator } from "./index.ts";
import { sdkFor, sdkSimulatorForFile } from "./test-support.ts";

const { sim, stripe } = await sdkSimulatorForFile();

const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe("Stripe's documented errors through the stripe SDK", () => {
  it("an Idempotency-Key replays the stored response; other parameters under the same key are an idempotency_error", async () => {
    const first = await stripe.customers.create({ email: "once@example.com" }, { idempotencyKey: "idem-1" });
    const again = await stripe.customers.create({ email: "once@example.com" }, { idempotencyKey: "idem-1" });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    const error = await rejection(stripe.customers.create({ email: "other@example.com" }, { idempotencyKey: "idem-1" }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, type: "StripeIdempotencyError" });
  });

  it("a request that failed parameter validation is not saved under its Idempotency-Key", async () => {
    const invalid = await rejection(stripe.customers.create({ emial: "typo@example.com" } as Stripe.CustomerCreateParams, { idempotencyKey: "idem-2" }));
    expect(invalid).toMatchObject({ code: "parameter_unknown" });
    const fixed = await stripe.customers.create({ email: "typo@example.com" }, { idempotencyKey: "idem-2" });
    expect(fixed.email).toBe("typo@example.com");
  });

  it("a wrong secret key is a 401 StripeAuthenticationError", async () => {
    const error = await rejection(sdkFor(sim, "sk_test_not_a_real_key_1234").customers.create({ email: "x@example.com" }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error).toMatchObject({ statusCode: 401, message: expect.stringMatching(/Invalid API Key provided: sk_test_\*+1234/) });
  });

  it("unknown, missing and invalid parameters are StripeInvalidRequestErrors naming the param", async () => {
    const unknown = await rejection(stripe.customers.create({ emial: "typo@example.com" } as Stripe.CustomerCreateParams));
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(unknown).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "emial" });
    const nested = await rejection(stripe.customers.create({ invoice_settings: { footer_text: "x" } } as Stripe.CustomerCreateParams));
    expect(nested).toMatchObject({ code: "parameter_unknown", param: "invoice_settings[footer_text]" });
    const missing = await rejection(stripe.paymentIntents.create({ currency: "usd" } as Stripe.PaymentIntentCreateParams));
    expect(missing).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "amount" });
    const negative = await rejection(stripe.paymentIntents.create({ amount: -5, currency: "usd" }));
    expect(negative).toMatchObject({ code: "parameter_invalid_integer", param: "amount" });
    const tooSmall = await rejection(stripe.paymentIntents.create({ amount: 49, currency: "usd" }));
    expect(tooSmall).toMatchObject({ code: "amount_too_small", param: "amount", message: expect.stringMatching(/Amount must be at least \$0\.50 usd$/) });
    const missingResource = await rejection(stripe.customers.retrieve("cus_missing"));
    expect(missingResource).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("lists page newest first with limit and starting_after", async () => {
    const customer = await stripe.customers.create({ email: "items@example.com" });
    const ids: string[] = [];
    for (const amount of [100, 200, 300]) ids.push((await stripe.invoiceItems.create({ customer: customer.id, amount, currency: "usd" })).id);
    const first = await stripe.invoiceItems.list({ customer: customer.id, limit: 2 });
    expect(first).toMatchObject({ object: "list", has_more: true, url: "/v1/invoiceitems" });
    expect(first.data.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    const second = await stripe.invoiceItems.list({ customer: customer.id, limit: 2, starting_after: ids[1] });
    expect(second.data.map((i) => i.id)).toEqual([ids[0]]);
    expect(second.has_more).toBe(false);
  });
});

describe("rate limit", () => {
  it("more than 25 requests in a second from one key get 429 StripeRateLimitErrors", async () => {
    // A frozen limiter clock puts the whole burst in one second, however slowly the machine serves it.
    const limited = await startStripeSimulator({ rateLimitClock: () => 0 });
    try {
      const client = sdkFor(limited);
      const results = await Promise.all(Array.from({ length: 30 }, () => rejection(client.events.list({ limit: 1 }))));
      const errors = results.filter((r) => r !== undefined);
      expect(errors).toHaveLength(5);
      for (const error of errors) {
        expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
        expect(error).toMatchObject({ statusCode: 429, code: "rate_limit" });
      }
    } finally {
      await limited.close();
    }
  });
});
