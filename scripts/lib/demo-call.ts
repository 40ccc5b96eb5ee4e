/**
 * The demo: a local platform with the simulators, a tenant provisioned through the API, and one scripted inbound
 * call through the real path (webhook → TwiML → media stream → STT → LLM → TTS). Used by `npm start` and by the
 * end-to-end test.
 */
import { readFileSync } from "node:fs";
import type { CallRecording } from "../../simulators/twilio/index.ts";
import { startLocalPlatform, type LocalPlatformOptions } from "./local-platform.ts";
import { provisionTenant, type DemoTenant } from "./demo-tenant.ts";
import { startDemoToolServer } from "./demo-tool-server.ts";
import type { CallDetail } from "./call-report.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

export interface DemoResult {
  tenant: DemoTenant;
  recording: CallRecording;
  call: CallDetail;
}

export async function runDemoCall(opts: LocalPlatformOptions & { onProgress?: (line: string) => void } = {}): Promise<DemoResult> {
  const say = opts.onProgress ?? (() => {});
  const platform = await startLocalPlatform(opts);
  const tools = await startDemoToolServer();
  try {
    say(`platform up at ${platform.baseUrl}; simulators: twilio ${platform.sims.twilio.url}, deepgram ${platform.sims.deepgram.url}, bedrock ${platform.sims.bedrock.url}`);
    platform.sims.bedrock.loadScenario(JSON.parse(readFileSync(`${ROOT}demo/front-desk.scenario.json`, "utf8")));
    const tenant = await provisionTenant(platform.baseUrl, platform.operatorSecret, platform.sims.twilio, `${ROOT}demo/front-desk.agent.json`, { TOOL_SERVER: tools.url });
    say(`tenant ${tenant.accountId}, agent ${tenant.agentId} published, number ${tenant.number}`);
    const handle = await platform.sims.twilio.startInboundCall({ to: tenant.number, script: readFileSync(`${ROOT}demo/front-desk.caller.yaml`, "utf8") });
    say(`calling ${tenant.number} (CallSid ${handle.callSid})…`);
    const recording = await handle.ended;
    const list = await waitFor(async () => {
      const page = await tenant.api.get(`/v1/calls?limit=1`);
      return page.data[0]?.status === "completed" ? page : undefined;
    });
    const call = await tenant.api.get<CallDetail>(`/v1/calls/${list.data[0].id}`);
    return { tenant, recording, call };
  } finally {
    await tools.close();
    await platform.close();
  }
}

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("timed out waiting for the call to be finalised");
    await new Promise((r) => setTimeout(r, 100));
  }
}
