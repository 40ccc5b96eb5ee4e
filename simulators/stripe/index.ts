export { DEFAULT_API_KEY, startStripeSimulator, type StripeSimulator, type StripeSimulatorOptions } from "./simulator.ts";
export { TAX_RATES_PERCENT } from "./tax-table.ts";
export { TEST_CARDS } from "./test-cards.ts";
export type { DeliveryAttempt, WebhookEndpoint } from "./webhook-dispatcher.ts";
