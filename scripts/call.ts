/**
 * `npm run call -- --agent <id> --script <file> [--outbound] [--to +44…]`: places a simulated call through the
 * real path against `npm run dev` (inbound: the Twilio simulator rings the agent's number; outbound: the platform's
 * POST /v1/calls, with the callee's consent recorded first). Prints the conversation as it happens and a per-turn
 * latency table at the end; exits non-zero if the call fails (see callProblems: also an apology, a lost provider,
 * a Twilio error or unanswered last words).
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { CallRecording } from "../simulators/twilio/index.ts";
import { callProblems, formatLatencyTable, type CallDetail } from "./lib/call-report.ts";
import { analysisExpected, callEventDelivery, formatCallEventDelivery } from "./lib/call-webhook.ts";
import { DEV_STATE_FILE, type DevState } from "./lib/dev-state.ts";
import { PlatformClient } from "./lib/platform-client.ts";

const { values } = parseArgs({
  options: { agent: { type: "string" }, script: { type: "string" }, outbound: { type: "boolean", default: false }, to: { type: "string", default: "+442071838750" } },
});

function fail(message: string): never {
  console.error(`npm run call: ${message}`);
  process.exit(1);
}

if (!existsSync(DEV_STATE_FILE)) fail("no local platform found; start it first with `npm run dev` (in another terminal)");
if (!values.script || !existsSync(values.script)) fail("--script <file> is required (a caller script, JSON or YAML; e.g. demo/front-desk.caller.yaml)");
const state: DevState = JSON.parse(readFileSync(DEV_STATE_FILE, "utf8"));
const api = PlatformClient.withKey(state.baseUrl, state.apiKey);
const agentId = values.agent ?? state.agentId;
const script = readFileSync(values.script, "utf8");

async function twilio(path: string, body?: unknown): Promise<any> {
  const res = await fetch(state.twilioSimulatorUrl + path, { method: body === undefined ? "GET" : "POST", headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) fail(`Twilio simulator: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

try {
  const numbers = await api.get(`/v1/phone-numbers?agent_id=${agentId}&status=active`);
  const number: string | undefined = numbers.data[0]?.e164;
  if (!number) fail(`agent ${agentId} has no active number; assign one with PATCH /v1/phone-numbers/{id}`);

  let callId: string;
  let callSid: string;
  if (values.outbound) {
    await api.post("/v1/consent", { phone: values.to, consent_type: "outbound_calls", source: "call-cli:local-simulation" });
    await twilio("/__control/callees", { to: values.to, script });
    const call = await api.post("/v1/calls", { agent_id: agentId, to: values.to, from: number, consent_type: "outbound_calls" });
    callId = call.id;
    callSid = call.twilio_call_sid;
  } else {
    callSid = (await twilio("/__control/calls", { to: number, script })).callSid;
    callId = await until(async () => (await api.get(`/v1/calls?limit=20`)).data.find((c: any) => c.twilio_call_sid === callSid)?.id);
  }
  console.log(`Call ${callId} (${values.outbound ? `outbound to ${values.to}` : `inbound to ${number}`}, Twilio ${callSid})\n`);

  // Print turns as they are written; the transcript lives in the call's Durable Object until the call ends.
  const printed = new Set<number>();
  const ended = twilio(`/__control/calls/${callSid}/wait?timeoutMs=600000`) as Promise<CallRecording>;
  let done = false;
  void ended.then(() => (done = true));
  let call: CallDetail & { status: string } = await api.get(`/v1/calls/${callId}`);
  for (;;) {
    call = await api.get(`/v1/calls/${callId}`);
    for (const [i, t] of call.turns.entries()) {
      if (printed.has(i) || (t.role === "agent" && !(t as any).ended_at)) continue;
      printed.add(i);
      if (t.role === "caller") console.log(`  Caller: ${t.text}`);
      else if (t.role === "agent") console.log(`  Agent:  ${t.text}${t.interrupted ? "  [interrupted]" : ""}`);
      else if (t.role === "tool") console.log(`  [tool] ${t.text}`);
    }
    if (done && !["queued", "initiated", "ringing", "in-progress"].includes(call.status)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const recording = await ended;
  console.log(`\n${call.status} (${call.end_reason}); ${recording.clears.length} barge-in(s)\n`);
  console.log(formatLatencyTable(call, recording));
  // call.analyzed comes after the analysis queue ran the model: for every agent but one with `analysis.summary: false` alone.
  const events = [["call.ended", 15_000], ...((await analysisExpected(api, callId)) ? [["call.analyzed", 30_000] as const] : [])] as const;
  for (const [type, timeoutMs] of events) {
    const webhook = await callEventDelivery(api, callId, type, timeoutMs);
    if (webhook !== null) console.log(`\n${formatCallEventDelivery(type, webhook)}`);
  }
  const problems = callProblems(call, recording);
  for (const p of problems) console.error(`npm run call: ${p}`);
  process.exit(problems.length === 0 ? 0 : 1);
} catch (error) {
  fail((error as Error).message);
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) fail("the platform did not record the call; is `npm run dev` still running?");
    await new Promise((r) => setTimeout(r, 100));
  }
}
