/**
 * `npm run seed`: a new account with its owner and first API key, against the platform `npm run dev` started.
 * `npm run seed -- --name "Acme" --email owner@acme.test [--trial]`
 * The account is approved, as the demo tenant is (a developer's own account, vouched for), unless `--trial` asks for
 * one on the trial gates, as the operator bootstrap makes by default.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEV_STATE_FILE, type DevState } from "./lib/dev-state.ts";
import { PlatformClient } from "./lib/platform-client.ts";

const { values } = parseArgs({ options: { name: { type: "string", default: "My company" }, email: { type: "string", default: "owner@example.com" }, trial: { type: "boolean", default: false } } });
if (!existsSync(DEV_STATE_FILE)) {
  console.error("npm run seed: no local platform found; start it first with `npm run dev`");
  process.exit(1);
}
const state: DevState = JSON.parse(readFileSync(DEV_STATE_FILE, "utf8"));
try {
  const created = await PlatformClient.operator(state.baseUrl, state.operatorSecret).post("/v1/operator/accounts", { name: values.name, owner_email: values.email, verification: values.trial ? "trial" : "approved" });
  console.log(`account  ${created.account.id} (${created.account.verification})\nowner    ${created.owner.id} <${created.owner.email}>\napi key  ${created.api_key.key}   (shown once)\n\nexport KEY=${created.api_key.key}`);
} catch (error) {
  console.error(`npm run seed: ${(error as Error).message}`);
  process.exit(1);
}
