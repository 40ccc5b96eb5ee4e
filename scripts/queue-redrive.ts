/**
 * `npm run queue:redrive`: sends the dead letters the platform keeps (usage that exhausted its retries, e.g. during
 * a Postgres outage longer than the queue's retries) back to their queues, through the operator route
 * `POST /v1/operator/dead-letters/redrive`, until none is pending. PLATFORM_URL names the Worker (default: the local
 * dev server); OPERATOR_SECRET comes from the environment or .dev.vars.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseDevVars } from "./lib/dev-wiring.ts";
import { PlatformClient } from "./lib/platform-client.ts";

const DEV_VARS = new URL("../.dev.vars", import.meta.url).pathname;
const devVars = existsSync(DEV_VARS) ? parseDevVars(readFileSync(DEV_VARS, "utf8")) : {};
const baseUrl = process.env.PLATFORM_URL ?? "http://127.0.0.1:8787";
const secret = process.env.OPERATOR_SECRET ?? devVars.OPERATOR_SECRET;
if (!secret) {
  console.error("OPERATOR_SECRET is not set (in the environment or .dev.vars).");
  process.exit(2);
}

const operator = PlatformClient.operator(baseUrl, secret);
let total = 0;
for (;;) {
  const result = await operator.request<{ redriven: number; unroutable: number; remaining: number }>("POST", "/v1/operator/dead-letters/redrive");
  total += result.redriven;
  if (result.unroutable > 0) console.warn(`${result.unroutable} dead letters name a queue this Worker cannot send to; left in place.`);
  // Stop when nothing was left, or when what is left cannot be sent (unroutable rows stay pending).
  if (result.remaining === 0 || result.redriven === 0) break;
}
console.log(`Redriven ${total} dead letters from ${baseUrl}.`);
