/**
 * `npm run dev`: the Worker on http://127.0.0.1:8787 (local D1/KV/DO state and the embedded Postgres kept in
 * .wrangler/state) and the three simulators, wired by configuration. Secrets come from .dev.vars (created with fresh
 * random values on first run). Real credentials in .dev.vars switch a provider to the real service, and a
 * DATABASE_URL the Postgres tier to Neon (see .dev.vars.example and dev-wiring.ts).
 * A demo tenant is seeded on first run; `npm run call` places calls against this process.
 * Environment overrides (a second instance, or the test of this command): DEV_PORT, DEV_SIM_PORTS
 * ("twilio,deepgram,bedrock,stripe"), DEV_STATE_DIR, DEV_VARS_FILE, DEV_WEBHOOK_PORT (the local webhook receiver; default: any free port, registered anew each run).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { provisionTenant } from "./lib/demo-tenant.ts";
import { startDemoToolServer } from "./lib/demo-tool-server.ts";
import { registerDevEndpoint } from "./lib/dev-webhook-endpoint.ts";
import { inviteOwner, printNewMail } from "./lib/email-outbox.ts";
import { startWebhookReceiver } from "./lib/webhook-receiver.ts";
import { WEBHOOK_EVENT_TYPES } from "../shared/webhooks/event-catalogue.ts";
import { DEV_STATE_DIR, DEV_STATE_FILE, type DevState } from "./lib/dev-state.ts";
import { devWiring, parseDevVars } from "./lib/dev-wiring.ts";
import { startLocalPlatform } from "./lib/local-platform.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const DEV_VARS = process.env.DEV_VARS_FILE ?? `${ROOT}.dev.vars`;
const PORT = Number(process.env.DEV_PORT ?? 8787);
const [TWILIO_PORT, DEEPGRAM_PORT, BEDROCK_PORT, STRIPE_PORT] = (process.env.DEV_SIM_PORTS ?? "4010,4020,4030,4040").split(",").map(Number);

function readDevVars(): Record<string, string> {
  if (!existsSync(DEV_VARS)) {
    const generated = [
      "# Local secrets for `npm run dev` (never committed). Add real provider keys to use the real services.",
      `ENCRYPTION_KEY=dev:${randomBytes(32).toString("base64")}`,
      `JWT_SECRET=${randomBytes(32).toString("hex")}`,
      `OPERATOR_SECRET=${randomBytes(16).toString("hex")}`,
      "",
    ].join("\n");
    writeFileSync(DEV_VARS, generated, { mode: 0o600 });
  }
  return parseDevVars(readFileSync(DEV_VARS, "utf8"));
}

const devVars = readDevVars();
const wiring = devWiring(devVars);
mkdirSync(`${DEV_STATE_DIR}/state`, { recursive: true });

const tools = await startDemoToolServer();
const platform = await startLocalPlatform({
  port: PORT,
  persistDir: `${DEV_STATE_DIR}/state`,
  simulatorPorts: { twilio: TWILIO_PORT, deepgram: DEEPGRAM_PORT, bedrock: BEDROCK_PORT, stripe: STRIPE_PORT },
  profile: process.argv.includes("--instant") ? "instant" : "realistic",
  secrets: devVars,
  vars: wiring.vars,
});

// The simulated model answers the demo agent's conversation (other agents get its generic rules too).
platform.sims.bedrock.loadScenario(JSON.parse(readFileSync(`${ROOT}demo/front-desk.scenario.json`, "utf8")));

let state: DevState | undefined = existsSync(DEV_STATE_FILE) ? JSON.parse(readFileSync(DEV_STATE_FILE, "utf8")) : undefined;
if (!state || state.operatorSecret !== platform.operatorSecret) {
  const tenant = await provisionTenant(platform.baseUrl, platform.operatorSecret, platform.sims.twilio, `${ROOT}demo/front-desk.agent.json`, { TOOL_SERVER: tools.url });
  state = {
    baseUrl: platform.baseUrl,
    twilioSimulatorUrl: platform.sims.twilio.url,
    operatorSecret: platform.operatorSecret,
    apiKey: tenant.apiKey,
    accountId: tenant.accountId,
    agentId: tenant.agentId,
    number: tenant.number,
    numberSid: tenant.numberSid,
    twilioAccountSid: tenant.twilio.accountSid,
    twilioAuthToken: tenant.twilio.authToken,
  };
  writeFileSync(DEV_STATE_FILE, JSON.stringify(state, null, 2), { mode: 0o600 });
} else {
  // The simulator forgets its accounts between runs: register the seeded tenant's Twilio account and number again.
  platform.sims.twilio.addAccount({ accountSid: state.twilioAccountSid, authToken: state.twilioAuthToken });
  platform.sims.twilio.addNumber({ accountSid: state.twilioAccountSid, phoneNumber: state.number, voiceUrl: `${platform.baseUrl}/twilio/voice`, statusCallback: `${platform.baseUrl}/twilio/status` });
  console.log(`• reusing the seeded tenant from ${DEV_STATE_FILE} (delete it and ${DEV_STATE_DIR}/state to start over)`);
}

// A local receiver, registered as the demo tenant's webhook endpoint: it prints every event, signature verified.
const receiver = await startWebhookReceiver({ port: Number(process.env.DEV_WEBHOOK_PORT ?? 0) });
const hook = await registerDevEndpoint(platform.baseUrl, state.apiKey, receiver.url, WEBHOOK_EVENT_TYPES);
receiver.setSecret(hook.secret);

console.log(`
Platform     ${platform.baseUrl}   (API docs: ${platform.baseUrl}/docs)
Postgres     ${devVars.DATABASE_URL ? `${new URL(devVars.DATABASE_URL).host} (DATABASE_URL in .dev.vars; migrate it with npm run db:pg:migrate)` : `embedded, kept in ${DEV_STATE_DIR}/state/postgres`}
Providers    twilio ${wiring.real.twilio ? `REAL (webhooks via ${wiring.vars.PUBLIC_BASE_URL})` : platform.sims.twilio.url}   deepgram ${wiring.real.deepgram ? "REAL" : platform.sims.deepgram.url}   bedrock ${wiring.real.bedrock ? "REAL" : platform.sims.bedrock.url}   stripe ${wiring.real.stripe ? "REAL" : platform.sims.stripe.url}
Operator     X-Operator-Secret: ${platform.operatorSecret}
Demo tenant  ${state.accountId}   API key: ${state.apiKey}
             agent ${state.agentId} on ${state.number}
Webhooks     ${receiver.url} (endpoint ${hook.id}, every event type): deliveries are printed here, verified
Console      ${platform.baseUrl}/console/   (emails, such as the owner's invitation below, are printed here)

Try:  curl -s ${platform.baseUrl}/v1/agents -H "authorization: Bearer ${state.apiKey}"
      npm run call -- --agent ${state.agentId} --script demo/front-desk.caller.yaml
Ctrl-C stops everything.`);

// Mail has no sender locally: the outbox is printed, starting with a fresh console invitation for the demo owner.
const stopMail = await printNewMail(platform.baseUrl, platform.operatorSecret);
await inviteOwner(platform.baseUrl, state.apiKey);

const stop = async () => {
  stopMail();
  await tools.close();
  await receiver.close();
  await platform.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
