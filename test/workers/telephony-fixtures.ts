import { env, exports } from "cloudflare:workers";
import type { CallMeta } from "../../durable-objects/call/call-store.ts";
import { callSession } from "../../shared/residency/residency.ts";
import { newCallId } from "../../shared/ids.ts";
import { computeTwilioSignature } from "../../shared/protocol/twilio-signature.ts";
import { api, createTenant, type Tenant } from "./api-client.ts";

export const BASE = "https://voice.test";

export interface TelephonyTenant extends Tenant {
  accountSid: string;
  authToken: string;
  agentId: string;
  number: string;
}

let n = 0;
/** Where this module's run of numbers starts, at random among 8,000,000 (exchanges 200–999, as NANP requires). */
const NUMBER_START = Math.floor(Math.random() * 8_000_000);
const hex32 = (seed: number) => seed.toString(16).padStart(32, "0");

/** A tenant with Twilio credentials, a published agent and a number routed to it. */
export async function telephonyTenant(opts: { agentConfig?: Record<string, unknown>; maxConcurrentCalls?: number; verification?: "trial" | "approved"; region?: "us" | "eu" } = {}): Promise<TelephonyTenant> {
  const index = ++n;
  const seq = index + Math.floor(Math.random() * 1e9);
  const tenant = await createTenant({ max_concurrent_calls: opts.maxConcurrentCalls ?? 10, verification: opts.verification ?? "approved", region: opts.region ?? "us" });
  const a = api(tenant.key);
  const accountSid = `AC${hex32(seq)}`;
  const authToken = `token-${seq}-0123456789abcdef`;
  await a.put("/v1/accounts/me/credentials/twilio", { account_sid: accountSid, auth_token: authToken });
  const agent = await a.post("/v1/agents", {
    name: "Receptionist",
    config: { system_prompt: "You answer the phone.", first_message: "Hello!", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" }, ...opts.agentConfig },
  });
  await a.post(`/v1/agents/${agent.json.id}/publish`);
  // Consecutive from a random start: unique within this module's run (files may share a D1, where a number is active
  // on one account only), and apart from other runs' but by a one-in-many-thousands overlap. A San Francisco overlay
  // number no test writes out.
  const number = `+1341${2_000_000 + ((NUMBER_START + index) % 8_000_000)}`;
  // Imported as reaching the platform over the tenant's SIP trunk: the webhooks are the same as for a Twilio number,
  // and the import needs no number at the Twilio simulator (a Twilio import looks the number up there and re-points it).
  const pn = await a.post("/v1/phone-numbers", { e164: number, source: "sip", agent_id: agent.json.id });
  if (pn.status !== 201) throw new Error(`number import failed: ${pn.text}`);
  return { ...tenant, accountSid, authToken, agentId: agent.json.id, number };
}

/** Makes the tenant's Twilio account, and its number as a caller ID, known to the Twilio simulator. */
export async function registerWithTwilio(t: Pick<TelephonyTenant, "accountSid" | "authToken" | "number">) {
  const control = (path: string, body: unknown) =>
    fetch(`${env.TWILIO_API_BASE_URL}/__control/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  for (const res of [await control("accounts", { accountSid: t.accountSid, authToken: t.authToken }), await control("numbers", { accountSid: t.accountSid, phoneNumber: t.number })]) {
    if (res.status !== 201) throw new Error(`Twilio simulator registration failed: ${res.status} ${await res.text()}`);
  }
}

export const inboundParams = (t: Pick<TelephonyTenant, "accountSid" | "number">, overrides: Record<string, string> = {}) => ({
  CallSid: `CA${hex32(++n * 7919)}`,
  AccountSid: t.accountSid,
  From: "+12125550123",
  To: t.number,
  CallStatus: "ringing",
  Direction: "inbound",
  ApiVersion: "2010-04-01",
  ...overrides,
});

/** POSTs a form to the Worker as Twilio would, signed with `authToken` over `signedUrl` (default: the URL itself). */
export async function twilioPost(path: string, params: Record<string, string>, authToken: string, opts: { signedUrl?: string; signedParams?: Record<string, string> } = {}) {
  const url = `${BASE}${path}`;
  const signature = await computeTwilioSignature(authToken, opts.signedUrl ?? url, opts.signedParams ?? params);
  const res = await exports.default.fetch(
    new Request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: new URLSearchParams(params).toString() }),
  );
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The `<Stream>` url and parameters of a Connect TwiML answer. */
export function parseConnect(twimlText: string) {
  const url = /<Stream url="([^"]+)"/.exec(twimlText)?.[1];
  const params = Object.fromEntries([...twimlText.matchAll(/<Parameter name="([^"]+)" value="([^"]+)"\/>/g)].map((m) => [m[1], m[2]]));
  const action = /<Connect action="([^"]+)"/.exec(twimlText)?.[1];
  return { url, params: params as Record<string, string>, action };
}

/** A call row in D1 and its prepared object, as the voice webhook leaves them (no stream yet). */
export async function liveCall(t: TelephonyTenant, status = "in-progress"): Promise<string> {
  const id = newCallId();
  await env.DB.prepare("INSERT INTO calls (id, account_id, agent_id, agent_version, direction, from_number, to_number, status, created_at) VALUES (?, ?, ?, 1, 'inbound', '+12125550100', ?, ?, ?)")
    .bind(id, t.accountId, t.agentId, t.number, status, new Date().toISOString())
    .run();
  const meta: CallMeta = { callId: id, accountId: t.accountId, agentId: t.agentId, agentVersion: 1, direction: "inbound", from: "+12125550100", to: t.number, callSid: null, createdAt: new Date().toISOString(), publicBaseUrl: "https://voice.test" };
  await callSession(env, id).prepare(meta);
  return id;
}

/**
 * A London number of its own whose phone, at the Twilio simulator, rings for two minutes: a call dialled to it stays
 * live while a test controls it. (The simulator cannot reach this Worker's voice webhook, so an answered call ends
 * moments later, and a transfer or hang-up racing that end loses under load.)
 */
export async function ringingCallee(): Promise<string> {
  const phone = `+4420718${String(Math.floor(Math.random() * 1e5)).padStart(5, "0")}`;
  const res = await fetch(`${env.TWILIO_API_BASE_URL}/__control/callees`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ to: phone, script: { ringMs: 120_000 } }) });
  if (res.status !== 204) throw new Error(`Twilio simulator callee script failed: ${res.status} ${await res.text()}`);
  return phone;
}
