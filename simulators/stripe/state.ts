import { newId, unixNow } from "./ids.ts";
import type { CheckoutSession, Customer, Invoice, InvoiceItem, PaymentIntent, PaymentMethod, SetupIntent, StripeEvent } from "./objects.ts";
import type { WebhookDispatcher } from "./webhook-dispatcher.ts";
import type { VerificationSession } from "./identity-sessions.ts";

/** The API version the simulator answers with when a request does not pin one (Stripe-Version). */
export const DEFAULT_API_VERSION = "2026-11-18.endive";

/** Where the request that caused an event came from (Stripe puts it in `event.request`). */
export interface RequestOrigin {
  id: string | null;
  idempotencyKey: string | null;
}

/** Everything the simulated Stripe account holds; maps keep creation order, which lists reverse. */
export class StripeState {
  readonly customers = new Map<string, Customer>();
  readonly paymentMethods = new Map<string, PaymentMethod>();
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly setupIntents = new Map<string, SetupIntent>();
  readonly checkoutSessions = new Map<string, CheckoutSession>();
  readonly invoiceItems = new Map<string, InvoiceItem>();
  readonly invoices = new Map<string, Invoice>();
  readonly events = new Map<string, StripeEvent>();
  readonly verificationSessions = new Map<string, VerificationSession>();
  #invoiceNumbers = 0;

  readonly baseUrl: () => string;
  readonly webhooks: WebhookDispatcher;

  constructor(baseUrl: () => string, webhooks: WebhookDispatcher) {
    this.baseUrl = baseUrl;
    this.webhooks = webhooks;
  }

  nextInvoiceNumber(prefix: string): string {
    this.#invoiceNumbers += 1;
    return `${prefix}-${String(this.#invoiceNumbers).padStart(4, "0")}`;
  }

  /** Records an event with a snapshot of the object, lists it at /v1/events, and hands it to the webhook endpoints. */
  emit(type: string, object: unknown, origin: RequestOrigin): StripeEvent {
    const event: StripeEvent = {
      id: newId("evt"),
      object: "event",
      api_version: DEFAULT_API_VERSION,
      created: unixNow(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 0,
      request: { id: origin.id, idempotency_key: origin.idempotencyKey },
      type,
    };
    this.events.set(event.id, event);
    event.pending_webhooks = this.webhooks.deliver(event);
    return event;
  }
}
