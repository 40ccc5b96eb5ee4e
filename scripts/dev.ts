/**
 * `npm run dev`: the Worker on http://127.0.0.1:8787 (local D1/KV/DO state kept in .wrangler/state) and the three
 * simulators, wired by configuration. Secrets come from .dev.vars (created with fresh random values on first run).
 * With real credentials in .dev.vars (DEEPGRAM_API_KEY, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) the Worker talks to
 * the real Deepgram and Bedrock instead; tenants bring their own Twilio credentials through the API.
 * A demo tenant is seeded on first run; `npm run call` places calls against this process.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { SIMULATOR_CREDENTIALS } from "../simulators/index.ts";
import { provisionTenant } from "./lib/demo-tenant.ts";
import { startDemoToolServer } from "./lib/demo-tool-server.ts";
import { DEV_STATE_FILE, type DevState } from "./lib/dev-state.ts";
import { startLocalPlatform } from "./lib/local-platform.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const DEV_VARS = `${ROOT}.dev.vars`;

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
  const vars: Record<string, string> = {};
  for (const line of readFileSync(DEV_VARS, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m) vars[m[1]!] = m[2]!.replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

const devVars = readDevVars();
const realDeepgram = !!devVars.DEEPGRAM_API_KEY && devVars.DEEPGRAM_API_KEY !== SIMULATOR_CREDENTIALS.deepgramApiKey;
const realBedrock = !!devVars.AWS_ACCESS_KEY_ID && devVars.AWS_ACCESS_KEY_ID !== SIMULATOR_CREDENTIALS.awsAccessKeyId;
mkdirSync(`${ROOT}.wrangler/state`, { recursive: true });

const tools = await startDemoToolServer();
const platform = await startLocalPlatform({
  port: 8787,
  persistDir: `${ROOT}.wrangler/state`,
  simulatorPorts: { twilio: 4010, deepgram: 4020, bedrock: 4030 },
  profile: process.argv.includes("--instant") ? "instant" : "realistic",
  secrets: devVars,
  vars: {
    ...(realDeepgram ? { DEEPGRAM_API_BASE_URL: "https://api.deepgram.com" } : {}),
    ...(realBedrock ? { BEDROCK_ENDPOINT: "" } : {}),
  },
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
  console.log("• reusing the seeded tenant from .wrangler/dev-platform.json (delete it and .wrangler/state to start over)");
}

console.log(`
Platform     ${platform.baseUrl}   (API docs: ${platform.baseUrl}/docs)
Simulators   twilio ${platform.sims.twilio.url}   deepgram ${realDeepgram ? "REAL api.deepgram.com" : platform.sims.deepgram.url}   bedrock ${realBedrock ? "REAL AWS" : platform.sims.bedrock.url}
Operator     X-Operator-Secret: ${platform.operatorSecret}
Demo tenant  ${state.accountId}   API key: ${state.apiKey}
             agent ${state.agentId} on ${state.number}

Try:  curl -s ${platform.baseUrl}/v1/agents -H "authorization: Bearer ${state.apiKey}"
      npm run call -- --agent ${state.agentId} --script demo/front-desk.caller.yaml
Ctrl-C stops everything.`);

const stop = async () => {
  await tools.close();
  await platform.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
