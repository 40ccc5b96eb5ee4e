/** Shared set-up for the end-to-end call tests: one local platform per test file, a tenant per test. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import type { CallRecording } from "../../simulators/twilio/index.ts";
import type { RequestRecord, Scenario } from "../../simulators/bedrock/index.ts";
import { ANALYSIS_TOOL_NAME } from "../../shared/analysis/analysis-request.ts";
import { parseCallerScript } from "../../simulators/twilio/caller-script.ts";
import { REPLY_END_MARK_PREFIX } from "../../shared/protocol/reply-end-mark.ts";
import type { CallDetail } from "../../scripts/lib/call-report.ts";
import { provisionTenant, type DemoTenant } from "../../scripts/lib/demo-tenant.ts";
import { startDemoToolServer, type ToolServer } from "../../scripts/lib/demo-tool-server.ts";
import { startLocalPlatform, type LocalPlatform } from "../../scripts/lib/local-platform.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
export const DEMO_SCENARIO: Scenario = JSON.parse(readFileSync(`${ROOT}demo/front-desk.scenario.json`, "utf8"));
export const DEMO_CALLER = readFileSync(`${ROOT}demo/front-desk.caller.yaml`, "utf8");

export interface CallWorld {
  platform: LocalPlatform;
  tools: ToolServer;
  /** The calls placeInboundCall placed, whose post-call analyses ask the model after them. */
  placed: { tenant: DemoTenant; callId: string }[];
  close(): Promise<void>;
}

export const SPEED = 3;

/**
 * `vars` are extra Worker vars (e.g. DOH_URL pointing at a local resolver); `persistDir` keeps local D1/DO state
 * there; `port` serves the platform on the dev server's fixed URL, which survives `platform.restart()`.
 */
export async function startWorld(opts: { vars?: Record<string, string>; persistDir?: string; port?: number } = {}): Promise<CallWorld> {
  const platform = await startLocalPlatform({ speed: SPEED, vars: opts.vars, persistDir: opts.persistDir, port: opts.port });
  const tools = await startDemoToolServer(900);
  return { platform, tools, placed: [], close: async () => (await tools.close(), await platform.close()) };
}

/** One world for a test file: started before its tests, closed after them (the object is filled in by beforeAll). */
export function worldPerFile(): CallWorld {
  const world = {} as CallWorld;
  // Starting wrangler, workerd, Postgres and the simulators is slow on a busy machine.
  beforeAll(async () => void Object.assign(world, await startWorld()), 180_000);
  afterAll(async () => world.close?.());
  return world;
}

/** A tenant whose agent is the demo agent, optionally with config overrides written into the agent file's JSON. */
export async function tenantFor(world: CallWorld, configPatch: Record<string, unknown> = {}): Promise<DemoTenant> {
  const tenant = await provisionTenant(world.platform.baseUrl, world.platform.operatorSecret, world.platform.sims.twilio, `${ROOT}demo/front-desk.agent.json`, { TOOL_SERVER: world.tools.url });
  if (Object.keys(configPatch).length > 0) {
    const agent = await tenant.api.get(`/v1/agents/${tenant.agentId}`);
    await tenant.api.request("PATCH", `/v1/agents/${tenant.agentId}`, { config: { ...agent.draft, ...configPatch } });
    await tenant.api.post(`/v1/agents/${tenant.agentId}/publish`);
  }
  return tenant;
}

/**
 * The caller waits for the platform's end-of-reply mark, not for a pause alone: on a loaded machine the ×3 call
 * clock turns a 200 ms stall of workerd or of the simulators into 600 ms of silence mid-reply, and a caller that
 * took that for the end of the reply would talk over its last words.
 */
export function awaitingReplies(script: unknown) {
  return { ...parseCallerScript(script), replyEndMark: REPLY_END_MARK_PREFIX };
}

export async function placeInboundCall(world: CallWorld, tenant: DemoTenant, script: unknown): Promise<{ recording: CallRecording; call: CallDetail }> {
  const handle = await world.platform.sims.twilio.startInboundCall({ to: tenant.number, script: awaitingReplies(script) });
  const recording = await handle.ended;
  const call = await finalCall(tenant, (c) => c.twilio_call_sid === handle.callSid);
  world.placed.push({ tenant, callId: call.id });
  return { recording, call };
}

/** Post-call analysis requests: the forced analysis tool (workers/analysis/), whatever the simulator answered. */
const isAnalysisRequest = (r: RequestRecord) => (r.body as { toolConfig?: { toolChoice?: { tool?: { name?: string } } } })?.toolConfig?.toolChoice?.tool?.name === ANALYSIS_TOOL_NAME;

/** The model requests of the calls themselves: the analysis each call gets after it ends (a summary by default) left out. */
export const conversationRequests = (world: CallWorld) => world.platform.sims.bedrock.requests().filter((r) => !isAnalysisRequest(r));

/**
 * Waits until the analysis of every call placed so far is settled, so that faults armed on the model next (a
 * throttle) are taken by the call under test, not by an earlier call's analysis.
 */
export async function analysesSettled(world: CallWorld, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (const { tenant, callId } of world.placed) {
    for (;;) {
      const { analysis } = await tenant.api.get<{ analysis: { status: string }[] }>(`/v1/calls/${callId}`);
      if (analysis.length > 0 && analysis[0]!.status !== "queued") break;
      if (Date.now() > end) throw new Error(`the analysis of ${callId} was not settled within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function finalCall(tenant: DemoTenant, match: (c: any) => boolean, timeoutMs = 20_000): Promise<CallDetail & Record<string, any>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const page = await tenant.api.get(`/v1/calls?limit=20`);
    const found = page.data.find((c: any) => match(c) && !["queued", "initiated", "ringing", "in-progress"].includes(c.status));
    if (found) return tenant.api.get(`/v1/calls/${found.id}`);
    if (Date.now() > end) throw new Error(`call not finalised: ${JSON.stringify(page.data.map((c: any) => [c.id, c.status]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const agentTurns = (call: CallDetail) => call.turns.filter((t) => t.role === "agent");
export const callerTurns = (call: CallDetail) => call.turns.filter((t) => t.role === "caller");
