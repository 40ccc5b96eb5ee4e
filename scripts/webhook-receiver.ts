/**
 * `node scripts/webhook-receiver.ts --secret whsec_… [--port 4040]`: a local receiver that prints every webhook it
 * gets, with its signature verified. Register `http://127.0.0.1:<port>/webhooks` as an endpoint of a local
 * platform (loopback is allowed there through TOOL_HOST_ALLOWLIST). `npm run dev` starts one for the demo tenant.
 */
import { parseArgs } from "node:util";
import { startWebhookReceiver } from "./lib/webhook-receiver.ts";

const { values } = parseArgs({ options: { secret: { type: "string" }, port: { type: "string", default: "4040" } } });
if (!values.secret?.startsWith("whsec_")) {
  console.error("usage: node scripts/webhook-receiver.ts --secret whsec_… [--port 4040]");
  process.exit(2);
}
const receiver = await startWebhookReceiver({ port: Number(values.port), secret: values.secret });
console.log(`Receiving webhooks on ${receiver.url} (Ctrl-C stops)`);
process.on("SIGINT", () => void receiver.close().then(() => process.exit(0)));
