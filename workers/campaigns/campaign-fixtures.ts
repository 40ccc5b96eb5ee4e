import { env } from "cloudflare:workers";
import { api } from "../../test/workers/api-client.ts";
import { registerWithTwilio, telephonyTenant, type TelephonyTenant } from "../../test/workers/telephony-fixtures.ts";

/** Posts to the Twilio simulator's control API (callee scripts, number registration). */
export async function simControl(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${env.TWILIO_API_BASE_URL}/__control/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`simulator ${path}: ${res.status} ${await res.text()}`);
}

export interface SimCall {
  callSid: string;
  accountSid: string;
  to: string;
  from: string;
  status: string;
}

/** Every call the Twilio simulator placed for the tenant's account. */
export async function simCalls(t: TelephonyTenant): Promise<SimCall[]> {
  const all = await (await fetch(`${env.TWILIO_API_BASE_URL}/__control/calls`)).json<SimCall[]>();
  return all.filter((c) => c.accountSid === t.accountSid);
}

/** A tenant with Twilio set up, `reserved_inbound` set, and a second caller ID in New York (212) for local presence. */
export async function campaignTenant(opts: { maxConcurrentCalls: number; reservedInbound: number }) {
  const t = await telephonyTenant({ maxConcurrentCalls: opts.maxConcurrentCalls });
  await registerWithTwilio(t);
  const nyNumber = `+1212${t.number.slice(-7)}`;
  const pn = await api(t.key).post("/v1/phone-numbers", { e164: nyNumber, source: "sip", agent_id: t.agentId });
  if (pn.status !== 201) throw new Error(`number import failed: ${pn.text}`);
  await simControl("numbers", { accountSid: t.accountSid, phoneNumber: nyNumber });
  const patched = await api(t.key).patch("/v1/accounts/me", { reserved_inbound: opts.reservedInbound });
  if (patched.status !== 200) throw new Error(`reserved_inbound: ${patched.text}`);
  return { ...t, nyNumber };
}

export const consent = (t: TelephonyTenant, phone: string) =>
  api(t.key).post("/v1/consent", { phone, consent_type: "outbound_calls", source: "web_form:test", captured_at: "2025-01-01T00:00:00Z" });

export const baseCampaign = (t: TelephonyTenant & { nyNumber?: string }, extra: Record<string, unknown> = {}) => ({
  name: "Reminders",
  agent_id: t.agentId,
  caller_ids: [t.number, ...(t.nyNumber ? [t.nyNumber] : [])],
  schedule: { start_date: "2027-01-11", end_date: "2027-01-22", weekdays: ["mon", "tue", "wed", "thu", "fri"], calling_hours: { start: "09:00", end: "20:00" } },
  max_concurrency: 2,
  pacing_per_minute: 30,
  ...extra,
});

export const campaignStub = (id: string) => env.CAMPAIGN.get(env.CAMPAIGN.idFromName(id));
