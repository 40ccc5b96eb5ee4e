import { parseArgs } from "node:util";
import { startStripeSimulator } from "./simulator.ts";

/**
 * Runs the Stripe simulator on its own for local development:
 *   node simulators/stripe/main.ts --port 4040 --api-key sk_test_… --webhook http://127.0.0.1:8787/stripe/webhook=whsec_…
 * STRIPE_SIM_WEBHOOK_URL / STRIPE_SIM_WEBHOOK_SECRET add an endpoint too. Then use the API with the stripe SDK
 * (host 127.0.0.1, port, protocol "http"), open a session's `url` in a browser, or drive /__control (control-api.ts).
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4040" },
    host: { type: "string", default: "127.0.0.1" },
    speed: { type: "string", default: "1" },
    "api-key": { type: "string", multiple: true },
    webhook: { type: "string", multiple: true },
  },
});

const webhooks = (values.webhook ?? []).map((spec) => {
  const at = spec.lastIndexOf("=whsec_");
  return at < 0 ? { url: spec } : { url: spec.slice(0, at), secret: spec.slice(at + 1) };
});
if (process.env.STRIPE_SIM_WEBHOOK_URL) webhooks.push({ url: process.env.STRIPE_SIM_WEBHOOK_URL, ...(process.env.STRIPE_SIM_WEBHOOK_SECRET ? { secret: process.env.STRIPE_SIM_WEBHOOK_SECRET } : {}) });

const sim = await startStripeSimulator({
  port: Number(values.port),
  host: values.host,
  speed: Number(values.speed),
  ...(values["api-key"] ? { apiKeys: values["api-key"] } : {}),
  webhookEndpoints: webhooks,
});
console.log(`Stripe simulator on ${sim.url} (webhook retry speed ${sim.speed})`);
for (const endpoint of sim.state.webhooks.endpoints.values()) console.log(`  webhook ${endpoint.url} secret ${endpoint.secret}`);

const shutdown = () => void sim.close().then(() => process.exit(0));
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
