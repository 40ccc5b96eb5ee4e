/**
 * `npm run billing:migrate-credit`: posts every balance of the retired `credit_cents` model to the ledger, batch by
 * batch, through the operator route (the hourly job does the same). Against the platform `npm run dev` started, or
 * `npm run billing:migrate-credit -- --url https://api.example.com` with OPERATOR_SECRET in the environment.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEV_STATE_FILE, type DevState } from "./lib/dev-state.ts";
import { PlatformClient } from "./lib/platform-client.ts";

interface Run {
  migrated: number;
  blocked: number;
  remaining: number;
}

const { values } = parseArgs({ options: { url: { type: "string" } } });

function target(): { baseUrl: string; secret: string } {
  if (values.url) {
    const secret = process.env.OPERATOR_SECRET;
    if (!secret) throw new Error("set OPERATOR_SECRET in the environment to use --url");
    return { baseUrl: values.url.replace(/\/$/, ""), secret };
  }
  if (!existsSync(DEV_STATE_FILE)) throw new Error("no local platform found; start it with `npm run dev`, or pass --url");
  const state: DevState = JSON.parse(readFileSync(DEV_STATE_FILE, "utf8"));
  return { baseUrl: state.baseUrl, secret: state.operatorSecret };
}

try {
  const { baseUrl, secret } = target();
  const client = PlatformClient.operator(baseUrl, secret);
  let total = 0;
  for (;;) {
    const run = await client.request<Run>("POST", "/v1/operator/billing/legacy-credit/migrate");
    total += run.migrated;
    // A batch that moved nothing while rows remain is blocked on them: stop instead of looping.
    if (run.remaining === 0 || run.migrated === 0) {
      console.log(`migrated ${total} balance(s); ${run.remaining} left${run.blocked ? ` (${run.blocked} in an account billed in another currency: see the Worker's logs)` : ""}`);
      process.exit(run.remaining === 0 ? 0 : 1);
    }
  }
} catch (error) {
  console.error(`npm run billing:migrate-credit: ${(error as Error).message}`);
  process.exit(1);
}
